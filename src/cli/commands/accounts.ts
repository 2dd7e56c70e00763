import type { AccountInfo, AccountResumed } from '../../producer';
import { accountsJson } from '../../producer/operator/accounts';
import { SmsqError } from '../../shared/errors';
import { parse, UsageError } from '../args';
import { withProducer } from '../open-producer';
import { out } from '../output';

/**
 * `smsq accounts [--json]`: every gateway account with its state, balance, limits and routing.
 * `smsq accounts resume NAME`: clears that account's stop and circuit breaker.
 */
export default async function accountsCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'resume') return resume(argv.slice(1));
  const { values } = parse(argv, { json: { type: 'boolean' } }, { min: 0, max: 0, names: 'no arguments, or "resume NAME"' });
  const accounts = await withProducer((smsq) => smsq.accounts());
  await out(values.json ? `${JSON.stringify(accountsJson(accounts))}\n` : accounts.map(formatAccount).join('\n'));
  return 0;
}

async function resume(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, { min: 1, max: 1, names: 'the name of the account to resume' });
  const { resumed, queueStop } = await withProducer(async (smsq) => {
    try {
      return { resumed: await smsq.resumeAccount(positionals[0]), queueStop: await smsq.accountStop() };
    } catch (err) {
      // A name the configuration does not hold is a mistake on the command line, like an unknown option.
      if (err instanceof SmsqError && err.code === 'ACCOUNT_NOT_FOUND') throw new UsageError(err.message);
      throw err;
    }
  });
  await out(`${formatResumed(resumed)}\n`);
  if (queueStop) {
    await out(
      `the whole queue is still stopped (gateway status ${queueStop.code}: ${queueStop.reason}); smsq resume restarts it and clears every account's stop\n`,
    );
  }
  return 0;
}

/** One account as a block of lines: its name and state, then where it sends and its limits, its balance, whom it may send to. */
export function formatAccount(a: AccountInfo): string {
  const list = (items: readonly string[]) => (items.length > 0 ? items.join(',') : 'any');
  const balance = a.balance
    ? `balance ${a.balance.balance}  gift ${a.balance.gift}  credit ${a.balance.credit}  available ${a.balance.available}`
    : a.balanceUnavailable !== undefined
      ? `balance unavailable: ${a.balanceUnavailable}`
      : undefined;
  return [
    `${a.name}  ${stateOf(a)}`,
    `  gateway ${a.gateway}  priority ${a.priority}  weight ${a.weight}  max rate ${a.maxRate > 0 ? `${a.maxRate}/s` : 'none'}`,
    ...(balance === undefined ? [] : [`  ${balance}`]),
    `  prefixes ${list(a.prefixes)}  countries ${list(a.countries)}  sender IDs ${list(a.senderIds)}`,
    '',
  ].join('\n');
}

/** `ok`, `stopped CODE reason — action`, `breaker open until …`, `probe`. */
function stateOf(a: AccountInfo): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const failures = `${a.breaker.failures} transient failure${a.breaker.failures === 1 ? '' : 's'} in a row`;
  switch (a.state) {
    case 'stopped': {
      const s = a.stop;
      return s ? `stopped ${s.code} ${s.reason} — ${s.operatorAction}${s.at > 0 ? ` (since ${iso(s.at)})` : ''}` : 'stopped';
    }
    case 'open':
      return `breaker open until ${a.breaker.probeAt === undefined ? '?' : iso(a.breaker.probeAt)} (${failures})`;
    case 'probe':
      return `probe (its breaker opened after ${failures}; its time is up: the next call through it tries it)`;
    default:
      return a.breaker.failures > 0 ? `ok (${failures})` : 'ok';
  }
}

function formatResumed(r: AccountResumed): string {
  const { stop, breakerOpen, failures } = r.cleared;
  const parts = [
    stop && `cleared its stop (gateway status ${stop.code}: ${stop.reason})`,
    breakerOpen && `closed its breaker (${failures} transient failures in a row)`,
  ].filter(Boolean);
  return parts.length > 0 ? `account ${r.name} resumed: ${parts.join('; ')}` : `account ${r.name}: nothing to clear, it was sending`;
}
