import type { BatchRecord } from '../shared/batch-store';
import type { BatchJobData, BatchJobResult } from '../shared/types';

/** The batch job's returnvalue: msgId per orderId for the sent, and the reason for every other recipient. */
export function buildResult(data: BatchJobData, record: BatchRecord): BatchJobResult {
  const result: BatchJobResult = { campaignId: data.campaignId, batch: data.batch, sent: [], failed: [], unknown: [], cancelled: [] };
  record.recipients.forEach(({ orderId }, i) => {
    const o = record.outcomes.get(i);
    if (!o) return;
    if (o[0] === 's') result.sent.push([orderId, o[1]]);
    else if (o[0] === 'f') result.failed.push([orderId, o[1], o[2]]);
    else if (o[0] === 'u') result.unknown.push([orderId, o[1], o[2]]);
    else if (o[0] === 'n') (result.notSent ??= []).push(orderId);
    else if (o[0] === 'x') (result.suppressed ??= []).push(orderId);
    else if (o[0] === 'k') (result.capped ??= []).push(orderId);
    else if (o[0] === 'e') (result.expired ??= []).push(orderId);
    else result.cancelled.push(orderId);
  });
  return result;
}
