import type { AuditEntry } from '../../shared/audit/audit-log';
import { checkAuditQuery } from '../../shared/audit/audit-query';
import { withIsoTimes } from '../../shared/campaign/json';
import { parse, UsageError } from '../args';
import { withContext } from '../open-producer';
import { out } from '../output';

/** `smsq audit [--tenant T] [--campaign ID] [--since ISO|24h] [--limit N] [--json]`: the audit trail, newest first. */
export default async function auditCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      tenant: { type: 'string' },
      campaign: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
    { min: 0, max: 0, names: 'no positional arguments' },
  );
  return withContext(async (ctx) => {
    const checked = checkAuditQuery(values, ctx.clock.now());
    if ('problem' in checked) throw new UsageError(`--${checked.field}: ${checked.problem}`);
    const entries = await ctx.audit.list(checked.filter);
    if (values.json) {
      await out(entries.map((e) => `${JSON.stringify(withIsoTimes(e))}\n`).join(''));
      return 0;
    }
    await out(`${AUDIT_HEADER}\n${entries.map((e) => `${formatAuditLine(e)}\n`).join('')}`);
    return 0;
  });
}

export const AUDIT_HEADER = `${'TIME'.padEnd(24)}  ${'KEY'.padEnd(24)}  ${'ACTION'.padEnd(19)}  ${'TENANT'.padEnd(16)}  ${'CAMPAIGN'.padEnd(24)}  CHANGES`;

/** One line of the table: fixed-width columns, then the changes as `field=value` (`field=before->after`). */
export function formatAuditLine(e: AuditEntry): string {
  return [
    new Date(e.at).toISOString().padEnd(24),
    oneLine(e.keyName).padEnd(24),
    oneLine(e.action).padEnd(19),
    oneLine(e.tenant ?? '-').padEnd(16),
    oneLine(e.campaignId ?? '-').padEnd(24),
    e.changes ? compactChanges(e.changes) : '',
  ].join('  ');
}

function compactChanges(changes: Record<string, unknown>): string {
  return Object.entries(changes)
    .map(([k, v]) => `${oneLine(k)}=${compactValue(v)}`)
    .join(' ');
}

function compactValue(v: unknown): string {
  if (v && typeof v === 'object' && !Array.isArray(v) && 'before' in v && 'after' in v)
    return `${compactValue((v as { before: unknown }).before)}->${compactValue((v as { after: unknown }).after)}`;
  if (Array.isArray(v)) return v.map(compactValue).join(',');
  if (typeof v === 'string') return oneLine(/\s/.test(v) || v === '' ? JSON.stringify(v) : v);
  return oneLine(v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));
}

/** A stored value shown on one table line: no line break or control character of its own. */
const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f]/g, ' ');
