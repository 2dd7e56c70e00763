import { DEFAULT_ACCOUNT } from '../../shared/config';
import type { Context } from '../../shared/context';
import { formatMicros, toMicros } from '../../shared/delivery/money';
import { SmsqError } from '../../shared/errors';
import { describeQueryFailure, type GatewayQueries } from '../../shared/gateway/queries';
import type { StagedCampaign } from '../enqueue';

export interface BalanceInfo {
  /** As the gateway gave them (decimal strings). */
  balance: string;
  gift: string;
  credit: string;
  /** balance + credit: what the account can spend. */
  available: string;
  /** The price per message of the last delivery report that carried one, or null before any did. */
  lastPrice: { pay: string; currency: string; at: string } | null;
  /** How many messages `available` pays for at that price, or null without a price. */
  messages: number | null;
}

/**
 * How to treat a campaign the balance may not cover: queue it and warn, or refuse it. `auto` (the CLI's default)
 * warns too, but says nothing when the balance cannot be checked (no price known yet, gateway unreachable).
 */
export type BalanceCheckMode = 'auto' | 'warn' | 'require';

type LastPrice = Awaited<ReturnType<Context['delivery']['lastPrice']>>;

/** `known`: the last price, when the caller has just read it. */
export async function readBalance(ctx: Context, queries: GatewayQueries, known?: LastPrice): Promise<BalanceInfo> {
  const [answer, price] = await Promise.all([queries.getBalance(), known === undefined ? ctx.delivery.lastPrice() : known]);
  if (!answer.ok) throw new SmsqError('GATEWAY_QUERY_FAILED', `getBalance failed: ${describeQueryFailure(answer)}`);
  const { balance, gift, credit } = answer.value;
  const available = (toMicros(balance) ?? 0) + (toMicros(credit) ?? 0);
  return {
    balance,
    gift,
    credit,
    available: formatMicros(available),
    lastPrice: price ? { pay: formatMicros(price.payMicros), currency: price.currency, at: new Date(price.at).toISOString() } : null,
    messages: price && price.payMicros > 0 ? Math.floor(available / price.payMicros) : null,
  };
}

/**
 * The check run before a campaign is queued (EnqueueOptions.beforeCommit): the last known price per message
 * times the recipients against the balance plus credit — of each account, for the recipients it is tried on first
 * (`staged.byAccount`), read through `queriesOf(account)`. Learning it here beats meeting -10 halfway through.
 * Without a known price, or when a balance cannot be read, `warn` queues with a warning, `auto` queues quietly
 * and `require` refuses. With the one account SMS_API_* describe, nothing names it.
 */
export function balanceCheck(
  ctx: Context,
  queriesOf: (account: string) => GatewayQueries,
  mode: BalanceCheckMode,
): (total: number, staged?: Pick<StagedCampaign, 'byAccount'>) => Promise<string | void> {
  return async (total, staged) => {
    // Without a price there is nothing to compare: the gateway is not even asked.
    const price = await ctx.delivery.lastPrice();
    if (price === null) {
      const why = 'no delivery report has told the price per message yet';
      if (mode === 'require')
        throw new SmsqError(
          'BALANCE_INSUFFICIENT',
          `balance not checked: ${why}; queue without --require-balance once, or wait for reports.`,
        );
      return notChecked(ctx, mode, why);
    }
    const named = !soleDefault(ctx);
    const checks = await Promise.all(
      shares(ctx, total, staged?.byAccount).map(([account, n]) =>
        checkAccount(ctx, queriesOf(account), mode, price, n, named ? account : undefined).then(
          (warning) => ({ warning }),
          (err: unknown) => ({ err }),
        ),
      ),
    );
    // The first refusal in configuration order, whichever account answered first.
    const refused = checks.find((c): c is { err: unknown } => 'err' in c);
    if (refused) throw refused.err;
    const warnings = checks.map((c) => ('warning' in c ? c.warning : undefined)).filter((w): w is string => w !== undefined);
    return warnings.length > 0 ? warnings.join('; ') : undefined;
  };
}

/** One account's balance against its share: a warning, nothing, or (require) a refusal. `account` named unless sole. */
async function checkAccount(
  ctx: Context,
  queries: GatewayQueries,
  mode: BalanceCheckMode,
  price: LastPrice,
  total: number,
  account: string | undefined,
): Promise<string | undefined> {
  const who = account === undefined ? '' : `account ${account}: `;
  let info: BalanceInfo;
  try {
    const read = readBalance(ctx, queries, price);
    read.catch(() => undefined); // lost the race below: its late failure is nobody's to handle
    // The default check must not hold a campaign up for long on a slow gateway.
    info = mode === 'auto' ? await Promise.race([read, timeout(AUTO_CHECK_TIMEOUT_MS)]) : await read;
  } catch (err) {
    if (mode === 'require')
      throw account !== undefined && err instanceof SmsqError ? new SmsqError(err.code, `${who}${err.message}`, { account }) : err;
    return notChecked(ctx, mode, `${who}${(err as Error).message}`);
  }
  if (info.lastPrice === null || info.messages === null) return notChecked(ctx, mode, `${who}no price known`);
  if (info.messages >= total) return undefined;
  const need = formatMicros((toMicros(info.lastPrice.pay) ?? 0) * total);
  const message = `${who}the campaign's ${total} messages${account === undefined ? '' : ' through it'} cost about ${need} ${info.lastPrice.currency} at the last known price (${info.lastPrice.pay} each), but balance plus credit is ${info.available}: enough for ${info.messages}`;
  if (mode === 'require')
    throw new SmsqError('BALANCE_INSUFFICIENT', `${message}; nothing was queued. Top up the gateway account first.`, {
      ...info,
      total,
      ...(account === undefined ? {} : { account }),
    });
  ctx.log.warn({ total, available: info.available, messages: info.messages, account }, 'balance may not cover the campaign');
  return message;
}

/** True when the one account is the one SMS_API_* describe (no SMS_ACCOUNTS): its messages name no account. */
export function soleDefault(ctx: Pick<Context, 'config'>): boolean {
  const { accounts } = ctx.config;
  return accounts.length === 1 && accounts[0].name === DEFAULT_ACCOUNT;
}

/**
 * Each account's share of the recipients, in configuration order. The sole default account takes `total` (which
 * a recovery has already cut by the recipients found sent); otherwise each account's recipients tried on it
 * first, never more than `total`.
 */
function shares(ctx: Context, total: number, byAccount: Readonly<Record<string, number>> | undefined): Array<[string, number]> {
  const { accounts } = ctx.config;
  if (soleDefault(ctx) || byAccount === undefined) return [[accounts[0].name, total]];
  return accounts.filter((a) => (byAccount[a.name] ?? 0) > 0).map((a) => [a.name, Math.min(byAccount[a.name], total)]);
}

const AUTO_CHECK_TIMEOUT_MS = 5_000;

function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`getBalance did not answer within ${ms} ms`)), ms).unref());
}

function notChecked(ctx: Context, mode: BalanceCheckMode, why: string): string | undefined {
  ctx.log.debug({ why }, 'balance not checked');
  return mode === 'auto' ? undefined : `balance not checked: ${why}`;
}
