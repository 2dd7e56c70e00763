import { ACCOUNT_NAME, MAX_ACCOUNTS } from '../config/accounts';
import { priorityOf, type Priority } from './lanes';
import { outcomeCounts, type OutcomeCounter } from '../batch/outcomes';
import { DELIVERY_COUNTERS, PRICED_COUNTER } from '../delivery/scripts';
import { parseWindow, type SendWindow } from '../schedule/send-window';
import { parseTemplate, type Template } from '../text/template';
import { parseVariantFigures, parseVariantPlan, variantTemplates, type VariantFigures, type VariantPlan } from './variants';
import { isCanaryState, parseCanaryFigures, parseCanaryPlan, type CanaryFigures, type CanaryPlan, type CanaryState } from './canary';
import { storedTime } from '../time/stored-time';
import { SHOWN_STATES, type CampaignInfo, type CampaignState } from '../types';

/** What APPLY_REPORT counts of a campaign's delivery reports. */
export interface DeliveryCounters {
  delivered: number;
  undelivered: number;
  expired: number;
  /** Reports that carried a price. */
  priced: number;
  /** Their prices summed per currency (as the report named it, possibly ''), in millionths. */
  cost: Record<string, number>;
}

/**
 * A campaign's hash (`<prefix>:campaign:<id>`), parsed: the fields the producer writes when it queues the campaign,
 * and those workers, the settle job and operators add as it runs. Read once per use by CampaignStore.read; nothing
 * else reads the hash's fields by name (the Lua scripts aside).
 */
export interface CampaignRecord {
  /** The text, or for a personalised campaign its template. */
  content: string;
  /** Set for a personalised campaign: `content` parsed; each recipient's text is it rendered with the recipient's values. */
  template?: Template;
  senderId?: string;
  /** With tracked links: the LINK_BASE_URL its short links were made under when it was queued (its texts' links are shortened at each call). */
  linkBase?: string;
  /** Its canary (staged in its last batches), where the canary is, and what it did once judged. */
  canary?: { plan: CanaryPlan; state: CanaryState; sentAt?: number; figures?: CanaryFigures };
  /**
   * Its A/B variants: the texts as templates over their shared fields, and once the canary is judged the winner and
   * each text's figures. `content` and `template` are then the winner's (the first text's until then); a canary
   * batch renders each recipient's own text (variants.ts's variantOf).
   */
  variants?: { plan: VariantPlan; templates: Template[]; winner?: number; figures?: VariantFigures[] };
  /** Visits to its tracked links: clicks, recipients who clicked at least once, and robots' or HEAD requests' visits (counted apart). */
  links: { clicks: number; clickers: number; previews: number };
  /** The gateway accounts it pins (their names, each once); undefined: any configured account may send it. */
  accounts?: string[];
  state: CampaignState;
  priority: Priority;
  /** Recipients per second, across all workers; undefined: no cap of its own. */
  maxRate?: number;
  sendAt?: number;
  window?: SendWindow;
  timezone?: string;
  expireAt?: number;
  total: number;
  batches: number;
  digest: string;
  /** Set while it sends as its file is being staged: the recipients written so far (see staging.ts). */
  staging?: { staged: number };
  /** Set when its staging ended before the whole file was written: the recipients never staged, and why. */
  unstaged?: { count: number; reason: string };
  /** Rows skipped when it was queued: repeated numbers, invalid rows. */
  duplicates: number;
  invalid: number;
  /** Where its webhook events go, when not to WEBHOOK_URL. */
  callbackUrl?: string;
  /** Sent even to numbers that reached SMS_FREQUENCY_CAP. */
  ignoreFrequencyCap?: boolean;
  /** The campaign this one resends to (producer/operator/resend.ts). */
  parentId?: string;
  /** The campaign `smsq resend` queued its not-sent recipients in: `settle --resend` then resends none of them. */
  notSentResentBy?: string;
  /** The budget cap, in millionths. */
  maxCost?: number;
  /** ms since the epoch: queued; started by its split job; its first and last batch start; its end. */
  createdAt: number;
  startedAt?: number;
  firstBatchAt?: number;
  lastBatchAt?: number;
  finishedAt?: number;
  /** Batches counted into it (FINISH_BATCH). */
  batchesDone: number;
  /** Recipients per outcome, as its batches are counted. */
  counts: Record<OutcomeCounter, number>;
  /** Failed and unknown recipients per gateway status or error code (the `oc:<f|u>:<code>` counters above 0). */
  outcomeCodes: CampaignInfo['outcomeCodes'];
  delivery: DeliveryCounters;
  /** Set when it failed as a whole (content refused). */
  failure?: { code: string; reason: string };
  /** Set while paused by an operator or its budget (a queue-wide pause sets none). */
  pausedBy?: string;
  pauseReason?: string;
  pausedAt?: number;
  /** Why automatic settling cannot read the gateway's records, while it cannot. */
  settleError?: string;
  /** Resend rounds started (`reconcile --resend`, SMS_AUTO_RESEND), and the round its reopened batches belong to. */
  resendRounds: number;
  resendRound?: number;
  /**
   * Fields of the hash that could not be read (a time that is no date, a window that does not parse — written by
   * an older version, or by hand) and are left out above, so that one bad field never breaks a list or an export.
   */
  damaged?: string[];
}

/** A record that cannot be acted on at all (a state no version of smsq writes): lists leave it out, workers stop. */
export class UnreadableRecordError extends Error {
  override readonly name = 'UnreadableRecordError';
}

/**
 * The one reading of a campaign hash (HGETALL's answer); null when it is no campaign (gone, or never committed).
 * Throws on a state no version of smsq writes, rather than act on a record it does not understand.
 */
export function parseCampaignRecord(campaignId: string, f: Record<string, string | undefined>): CampaignRecord | null {
  const state = f.state;
  if (!state) return null;
  if (!isCampaignState(state))
    throw new UnreadableRecordError(`campaign ${campaignId} has an unknown state "${state.slice(0, 40)}" in Redis`);
  const num = (v: string | undefined) => Number(v ?? 0);
  const opt = (v: string | undefined) => (v ? Number(v) : undefined);
  const damaged: string[] = [];
  const time = (name: string): number | undefined => {
    const ms = storedTime(f[name]);
    if (ms === undefined && f[name]) damaged.push(name);
    return ms;
  };
  const content = f.content ?? '';
  const { outcomeCodes, cost } = keyedCounters(f);
  const parsed = f.template === '1' ? parseTemplate(content) : undefined;
  let window: SendWindow | undefined;
  try {
    window = f.window ? parseWindow(f.window) : undefined;
  } catch {
    damaged.push('window');
  }
  const variants = variantsOf(f, damaged);
  const chosen = variants?.templates[variants.winner ?? 0];
  const record: CampaignRecord = {
    content: variants ? variants.plan.texts[variants.winner ?? 0] : content,
    template: chosen ?? (parsed?.ok ? parsed.template : undefined),
    ...(variants ? { variants } : {}),
    senderId: f.senderId || undefined,
    linkBase: f.linkBase || undefined,
    links: { clicks: num(f.clicks), clickers: num(f.clickers), previews: num(f.linkPreviews) },
    canary: canaryOf(f, damaged, time('canarySentAt')),
    accounts: pinnedAccounts(f.accounts, damaged),
    state,
    priority: priorityOf(f.priority),
    maxRate: opt(f.maxRate),
    sendAt: time('sendAt'),
    window,
    timezone: f.timezone || undefined,
    expireAt: time('expireAt'),
    total: num(f.total),
    batches: num(f.batches),
    digest: f.digest ?? '',
    staging: f.staging ? { staged: num(f.staged) } : undefined,
    unstaged: f.unstaged ? { count: num(f.unstaged), reason: f.stagingStop ?? '' } : undefined,
    duplicates: num(f.duplicates),
    invalid: num(f.invalid),
    callbackUrl: f.callbackUrl || undefined,
    ignoreFrequencyCap: f.ignoreFrequencyCap === '1',
    parentId: f.parentId || undefined,
    notSentResentBy: f.notSentResentBy || undefined,
    maxCost: opt(f.maxCost),
    createdAt: time('createdAt') ?? 0,
    startedAt: time('startedAt'),
    firstBatchAt: time('firstBatchAt'),
    lastBatchAt: time('lastBatchAt'),
    finishedAt: time('finishedAt'),
    batchesDone: num(f.batchesDone),
    counts: outcomeCounts((counter) => num(f[counter])),
    outcomeCodes,
    delivery: {
      delivered: num(f[DELIVERY_COUNTERS.d]),
      undelivered: num(f[DELIVERY_COUNTERS.x]),
      expired: num(f[DELIVERY_COUNTERS.e]),
      priced: num(f[PRICED_COUNTER]),
      cost,
    },
    failure: f.failCode ? { code: f.failCode, reason: f.failReason ?? '' } : undefined,
    pausedBy: f.pausedBy,
    pauseReason: f.pauseReason,
    pausedAt: time('pausedAt'),
    settleError: f.settleError || undefined,
    resendRounds: num(f.resendRounds),
    resendRound: f.resendRound === undefined ? undefined : Number(f.resendRound),
  };
  if (damaged.length > 0) record.damaged = damaged;
  return record;
}

/** The counters named with a key: `oc:<f|u>:<code>` (FINISH_BATCH; those reconciled down to 0 left out) and `cost:<currency>` (APPLY_REPORT). */
function keyedCounters(f: Record<string, string | undefined>): {
  outcomeCodes: CampaignRecord['outcomeCodes'];
  cost: Record<string, number>;
} {
  const outcomeCodes: CampaignRecord['outcomeCodes'] = { failed: {}, unknown: {} };
  const cost: Record<string, number> = {};
  // for…in, not Object.entries: a batch reads its campaign's record, and this need not copy every field to do so.
  for (const k in f) {
    if (k.startsWith('oc:')) {
      if (Number(f[k]) > 0) outcomeCodes[k[3] === 'f' ? 'failed' : 'unknown'][k.slice(5)] = Number(f[k]);
    } else if (k.startsWith('cost:')) cost[k.slice(5)] = Number(f[k]);
  }
  return { outcomeCodes, cost };
}

/** The canary's fields; a plan that does not parse is damaged (the campaign then sends as if it had none left to hold). */
function canaryOf(f: Record<string, string | undefined>, damaged: string[], sentAt: number | undefined): CampaignRecord['canary'] {
  if (!f.canary) return undefined;
  const plan = parseCanaryPlan(f.canary);
  if (!plan) {
    damaged.push('canary');
    return undefined;
  }
  return {
    plan,
    state: isCanaryState(f.canaryState) ? f.canaryState : 'sending',
    ...(sentAt !== undefined ? { sentAt } : {}),
    ...(f.canaryFigures ? { figures: parseCanaryFigures(f.canaryFigures) } : {}),
  };
}

/** The variants' fields; a plan that does not parse is damaged (the campaign then sends its first text to all). */
function variantsOf(f: Record<string, string | undefined>, damaged: string[]): CampaignRecord['variants'] {
  if (!f.variants) return undefined;
  const plan = parseVariantPlan(f.variants);
  const templates = plan ? variantTemplates(plan.texts) : null;
  if (!plan || !templates) {
    damaged.push('variants');
    return undefined;
  }
  const w = Number(f.variantWinner);
  const winner = f.variantWinner !== undefined && Number.isInteger(w) && w >= 0 && w < plan.texts.length ? w : undefined;
  if (f.variantWinner !== undefined && winner === undefined) damaged.push('variantWinner');
  const figures = parseVariantFigures(f.variantFigures, plan.texts.length);
  return { plan, templates, ...(winner !== undefined ? { winner } : {}), ...(figures ? { figures } : {}) };
}

/** `accounts`, comma-joined by the producer; a list that is not one (written by hand) is damaged, never half read. */
function pinnedAccounts(v: string | undefined, damaged: string[]): string[] | undefined {
  if (!v) return undefined;
  const names = v.split(',');
  if (names.length > MAX_ACCOUNTS || !names.every((n) => ACCOUNT_NAME.test(n))) {
    damaged.push('accounts');
    return undefined;
  }
  return [...new Set(names)];
}

function isCampaignState(s: string): s is CampaignState {
  return s !== 'waiting-window' && (SHOWN_STATES as readonly string[]).includes(s);
}
