import { DEFAULT_ACCOUNT } from '../config';

/**
 * Redis key names. Everything lives under the queue prefix, so a Redis Cluster prefix with a hash tag
 * (`{smsq}`) keeps the queue and the campaign records in one slot, as the Lua scripts need.
 *
 * Keys that take an `account` are the gateway account's own: the `default` account's (or none given) are the
 * names without one, as they were before there were accounts; any other account's are under
 * `<prefix>:account:<name>:`, so that msgIds, which are unique only within an account, never meet another's.
 */
export interface Keys {
  /** The queue prefix itself: Lua scripts that find keys by a number (suppression, contacts) build them from it. */
  readonly prefix: string;
  /** Hash: a campaign's fields and counters. */
  campaign(campaignId: string): string;
  /** Hash: a batch's recipients (`r`), outcomes (`o`), in-flight call (`fly`) and state (`st`). */
  batch(campaignId: string, batch: number): string;
  /** String: held while a producer stages a campaign, so two producers cannot stage one id at once. */
  staging(campaignId: string): string;
  /** Set: batches whose jobs wait for the producer to write them, while a campaign sends as it is staged (campaign/staging.ts). */
  stagingWaiters(campaignId: string): string;
  /** Set: ids of a paused campaign's batch jobs that were held back (delayed) when they started; resume promotes them. */
  parked(campaignId: string): string;
  /** Sorted set: batches holding recipients until their send window opens, scored by that opening (ms). */
  windowWaits(campaignId: string): string;
  /** String: the campaign's `maxRate` limiter, the time (ms) before which its next batch may not start. */
  campaignRate(campaignId: string): string;
  /** String: held by whoever settles the campaign's `unknown` recipients (reconcile or the settle job); see settling/settle-lock.ts. */
  settleLock(campaignId: string): string;
  /** String: a senderId's call limiter (SMS_SENDER_RATE_LIMITS), the time (ms) before which its next call may not start. */
  senderRate(senderId: string): string;
  /** Hash: one bucket of the suppression list, field = number, value `reason|source|ms` (bucket: the last 4 digits). */
  suppression(bucket: string): string;
  /** Hash: one bucket of a tenant's own suppression list (SMS_SUPPRESSION_SCOPE=tenant), as `suppression`. */
  tenantSuppression(tenant: string, bucket: string): string;
  /** String: the suppression list's version, bumped by every write that changes who is listed (opt-out/list-version.ts). */
  suppressionVersion(): string;
  /** Sorted set: numbers whose listing changed, scored by the version of their latest change; the newest few thousand. */
  suppressionChanges(): string;
  /** String: the version at or below which the change log may miss changes (numbers dropped from it, or a write too big for it). */
  suppressionFloor(): string;
  /** String: how many numbers are listed, kept by every write once counted (absent: not counted yet). */
  suppressionCount(): string;
  /** Hash: one bucket of contact history, field = number, value `<campaign ref>|<send times, s>` (last 4 digits). */
  contacts(bucket: string): string;
  /** Hash: campaign ref → campaignId (contact history stores the short ref), and `#seq`, the last ref given. */
  campaignRefs(): string;
  /** Stream: replies received (recordMo polls and pushes), oldest first, trimmed to REPLIES_MAX_KEPT. */
  replies(): string;
  /** String: set when a reply (hash of number, time, content) is stored, for the lookback and a day, so a copy is dropped. */
  replySeen(hash: string): string;
  /**
   * String: the reply poller's lock (one for every account), an account's back-off after a failed recordMo (TTL:
   * the delay), and its failures in a row.
   */
  replyPollLock(): string;
  replyPollBackoff(account?: string): string;
  replyPollBackoffLevel(account?: string): string;
  /** String (JSON): where the reply poller is in an account's replies: the time read up to, and the window it is paging through. */
  replyPollState(account?: string): string;
  /** String (JSON): why sending stopped for the whole queue (a recipient had no account left), set with the queue pause. */
  accountStop(): string;
  /** Hash: one gateway account's state: its stop (JSON), its breaker (fails, openUntil, probeUntil); accounts/account-state.ts. */
  accountState(account: string): string;
  /** String: one gateway account's rate cap (its maxRate), the time (ms) before which its next call may not start. */
  accountRate(account: string): string;
  /** Hash: a batch's delivery reports, field = recipient index (see delivery/delivery-store.ts). */
  deliveries(campaignId: string, batch: number): string;
  /**
   * Hash: one bucket of one generation of an account's msgId index, or the generation's batch table, which every
   * account shares (see delivery/msgid-index.ts).
   */
  msgIndex(generation: number, bucket: number | 'batches', account?: string): string;
  /**
   * Sorted set: batches with sent messages that may still lack a delivery report, as `<sentAt>\t<campaignId>\t<batch>`,
   * scored by when the poller should next look at them. One entry per batch, not per message.
   */
  awaitingReports(): string;
  /** String (JSON): a report to an account that came before its msgId was indexed, kept until it is or DLR_HOLD_MS pass. */
  heldReport(normalizedMsgId: string, account?: string): string;
  /** String: set while any report is held, so that indexing skips looking for held reports when there are none. */
  heldReportsFlag(): string;
  /** String: the report poller's lock (one for every account), and an account's back-off after a failed getReport (TTL: the delay). */
  pollLock(): string;
  pollBackoff(account?: string): string;
  /** String: the report poller's failed queries in a row to an account, so that the next failure doubles its back-off. */
  pollBackoffLevel(account?: string): string;
  /** Hash: the last price per message a delivery report told us, for the balance check. */
  lastPrice(): string;
  /** Sorted set: every campaign id scored by its createdAt (ms), for listing them (see campaign/list.ts). */
  campaignIndex(): string;
  /**
   * List: a campaign's progress as batches finish, `<at ms>,<sent>,<failed>,<unknown>` cumulative, the last
   * SERIES_MAX_SAMPLES kept; the console draws its rate chart from it. Expires with the campaign hash.
   */
  campaignSeries(campaignId: string): string;
  /** Hash: API key id → its record (JSON, with the key's SHA-256, never the key); see tenants/key-store.ts. */
  apiKeys(): string;
  /** Hash: API key id → when it was last used (ms), written at most once a minute per key and server. */
  apiKeysUsed(): string;
  /** Hash: tenant → its settings (JSON: limits, webhook); see tenants/tenant-settings.ts. */
  tenants(): string;
  /** Hash: a tenant's usage on one UTC day (`recipients`, `spendMicros`), expiring a day after the day ends. */
  tenantUsage(tenant: string, day: string): string;
  /** List: a campaign's newest audit entries (JSON), for reading them without scanning the trail; expires with retention. */
  campaignAudit(campaignId: string): string;
  /** Stream: the audit trail, one entry per change, trimmed to RESULT_RETENTION_SECONDS (see audit/audit-log.ts). */
  audit(): string;
  /** Hash: one bucket of one generation of the tracked links, field = code, value `<campaignId>\t<batch>\t<index>\t<flags>\t<url>` (see links/link-store.ts). */
  links(generation: number, bucket: string): string;
  /** Hash: a batch's clicks, field = recipient index, value `<clicks>,<first click ms>`; expires with the batch. */
  batchClicks(campaignId: string, batch: number): string;
  /** List: a batch's call log, one entry per call (see batch/call-log.ts); expires with the batch. */
  batchCalls(campaignId: string, batch: number): string;
  /** Hash: a campaign's clicks per minute, field = minute since the epoch (`<m>`: clicks, `<m>f`: first clicks); expires with the campaign. */
  campaignClicks(campaignId: string): string;
  /** List: clicks waiting to go out as `link.clicked` webhook events, `<campaignId>\t<batch>\t<index>\t<at ms>\t<first 1|0>\t<url>`. */
  clickEvents(): string;
  /** String: written (with a 10 s TTL) by each /readyz, which is ready only while Redis takes a write. */
  readyProbe(): string;
}

export function keys(prefix: string): Keys {
  /** `name` under the queue prefix for the default account; under the account's own prefix for any other. */
  const of = (account: string | undefined, name: string) =>
    account === undefined || account === DEFAULT_ACCOUNT ? `${prefix}:${name}` : `${prefix}:account:${account}:${name}`;
  return {
    campaign: (id) => `${prefix}:campaign:${id}`,
    batch: (id, k) => `${prefix}:campaign:${id}:batch:${k}`,
    staging: (id) => `${prefix}:campaign:${id}:staging`,
    prefix,
    suppression: (b) => `${prefix}:supp:${b}`,
    tenantSuppression: (t, b) => `${prefix}:t:${t}:supp:${b}`,
    suppressionVersion: () => `${prefix}:supp:ver`,
    suppressionChanges: () => `${prefix}:supp:changes`,
    suppressionFloor: () => `${prefix}:supp:floor`,
    suppressionCount: () => `${prefix}:supp:count`,
    contacts: (b) => `${prefix}:contact:${b}`,
    campaignRefs: () => `${prefix}:campaign-refs`,
    replies: () => `${prefix}:replies`,
    replySeen: (h) => `${prefix}:replies:seen:${h}`,
    replyPollLock: () => `${prefix}:replies:poll-lock`,
    replyPollBackoff: (a) => of(a, 'replies:poll-backoff'),
    replyPollBackoffLevel: (a) => of(a, 'replies:poll-backoff:level'),
    replyPollState: (a) => of(a, 'replies:poll-state'),
    parked: (id) => `${prefix}:campaign:${id}:parked`,
    stagingWaiters: (id) => `${prefix}:campaign:${id}:staging-waiters`,
    windowWaits: (id) => `${prefix}:campaign:${id}:window-waits`,
    campaignRate: (id) => `${prefix}:campaign:${id}:rate`,
    settleLock: (id) => `${prefix}:campaign:${id}:settle-lock`,
    senderRate: (s) => `${prefix}:sender-rate:${s}`,
    accountStop: () => `${prefix}:account-stop`,
    accountState: (a) => `${prefix}:account:${a}:state`,
    accountRate: (a) => `${prefix}:account:${a}:rate`,
    deliveries: (id, k) => `${prefix}:campaign:${id}:batch:${k}:dlr`,
    // The batch table is shared: batch references are numbered per generation, whichever account sent.
    msgIndex: (g, b, a) => of(b === 'batches' ? undefined : a, `msgidx:${g}:${b}`),
    awaitingReports: () => `${prefix}:dlr:awaiting`,
    heldReport: (m, a) => of(a, `dlr:held:${m}`),
    heldReportsFlag: () => `${prefix}:dlr:held-any`,
    pollLock: () => `${prefix}:dlr:poll-lock`,
    pollBackoff: (a) => of(a, 'dlr:poll-backoff'),
    pollBackoffLevel: (a) => of(a, 'dlr:poll-backoff:level'),
    lastPrice: () => `${prefix}:dlr:last-price`,
    campaignIndex: () => `${prefix}:campaigns:by-created`,
    apiKeys: () => `${prefix}:api-keys`,
    apiKeysUsed: () => `${prefix}:api-keys:used`,
    tenants: () => `${prefix}:tenants`,
    tenantUsage: (t, d) => `${prefix}:tenant:${t}:usage:${d}`,
    audit: () => `${prefix}:audit`,
    campaignAudit: (id) => `${prefix}:campaign:${id}:audit`,
    campaignSeries: (id) => `${prefix}:campaign:${id}:series`,
    readyProbe: () => `${prefix}:ready-probe`,
    links: (g, b) => `${prefix}:links:${g}:${b}`,
    batchClicks: (id, k) => `${prefix}:campaign:${id}:batch:${k}:clk`,
    batchCalls: (id, k) => `${prefix}:campaign:${id}:batch:${k}:calls`,
    campaignClicks: (id) => `${prefix}:campaign:${id}:clicks`,
    clickEvents: () => `${prefix}:links:clicked`,
  };
}

/** Suppression and contact hashes are bucketed by a number's last 4 digits: 10,000 small hashes that stay listpacks. */
export function numberBucket(number: string): string {
  return number.slice(-4);
}

/** BullMQ job ids may not contain ':' and may not be all digits; campaign ids are checked to allow this form. */
export const jobIds = {
  campaign: (campaignId: string) => `c.${campaignId}`,
  batch: (campaignId: string, batch: number) => `b.${campaignId}.${batch}`,
  /** The job that watches a campaign's canary and, when its gates hold, releases the rest (worker/canary-check.ts). */
  canary: (campaignId: string) => `k.${campaignId}`,
  /** The job that expires a campaign's unsent recipients at its expireAt. */
  expiry: (campaignId: string) => `e.${campaignId}`,
  /** A batch re-opened by `reconcile --resend`: a new job for the same batch record, one per round. */
  resend: (campaignId: string, batch: number, round: number) => `b.${campaignId}.${batch}.r${round}`,
  /** The automatic settling of a campaign's `unknown` recipients in one resend round (0: the first sending). */
  settle: (campaignId: string, round: number) => `s.${campaignId}.r${round}`,
};
