import type { BatchRecord } from '../shared/batch/store';
import { OUTCOMES } from '../shared/batch/outcomes';
import type { BatchJobData, BatchJobResult } from '../shared/types';

/** Failed or unknown recipients listed in a batch job's returnvalue; its counts cover them all. */
export const BATCH_RESULT_EXAMPLES = 10;

/** The batch job's returnvalue: counts per outcome, and the first few failed or unknown recipients with why. */
export function buildResult(data: BatchJobData, record: BatchRecord): BatchJobResult {
  const result: BatchJobResult = { campaignId: data.campaignId, batch: data.batch, counts: {} };
  const { counts } = result;
  const problems: NonNullable<BatchJobResult['problems']> = [];
  for (const [i, o] of record.outcomes) {
    const counter = OUTCOMES[o[0]].counter;
    counts[counter] = (counts[counter] ?? 0) + 1;
    if ((o[0] === 'f' || o[0] === 'u') && problems.length < BATCH_RESULT_EXAMPLES) {
      problems.push([record.recipients[i].orderId, o[0] === 'f' ? 'failed' : 'unknown', o[1], o[2]]);
    }
  }
  if (problems.length > 0) result.problems = problems;
  return result;
}
