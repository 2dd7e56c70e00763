import { callEntry } from '../shared/batch/call-log';
import { sendChecks, type BatchRecord, type BeginRefusal, type EndResult, type Finished, type RecordResult } from '../shared/batch/store';
import { LIFECYCLE } from '../shared/campaign/lifecycle';
import type { CampaignRecord } from '../shared/campaign/record';
import type { Context } from '../shared/context';
import type { AccountView } from '../shared/accounts/account-state';
import type { CallGateways } from '../shared/accounts/gateways';
import { withAccount } from '../shared/accounts/outcome-account';
import { NO_ROUTE } from '../shared/accounts/routing';
import type { BatchElement, CallResult } from '../shared/gateway/client';
import { compileJsonTemplate, jsonText, type JsonText } from '../shared/gateway/json-text';
import { findLinks, replaceLinks, shortLink } from '../shared/links/link-text';
import { matchAccepted } from '../shared/gateway/match-accepted';
import { classify, DISAGREES_CODE, type Verdict } from '../shared/gateway/outcome-table';
import type { Logger } from '../shared/logger';
import { countAccountOutcomes, countOutcomes, metrics } from '../shared/metrics';
import { isHardOutcome, suppressHardFailures } from '../shared/opt-out/hard-failures';
import { settleIdleBatches } from '../shared/settling/idle-batches';
import { renderStored, type Template } from '../shared/text/template';
import { variantOf } from '../shared/campaign/variants';
import type { BatchJobData, Recipient, StoredOutcome } from '../shared/types';
import { RunRoutes, type AccountGroup } from './run-routes';

/** How one run of a batch ended. */
export type LoopEnd =
  | { kind: 'settled' }
  | { kind: 'transient'; code: string; reason: string }
  | { kind: 'account-stop'; code: string; reason: string; operatorAction: string }
  | { kind: 'permanent'; code: string; reason: string }
  | { kind: 'lost' }
  /**
   * The batch comes back in `ms`, using no attempt: an account's maxRate holds its next call longer than a run waits
   * (`rate`), or its recipients' only account waits for a breaker probe another worker holds (`probe`).
   */
  | { kind: 'rate-wait'; ms: number; why: 'rate' | 'probe' }
  /** REDIS_DURABILITY: a call's in-flight record was not acknowledged in time; nothing was sent. */
  | { kind: 'not-durable' };

/** -16 is usually a request that waited too long; two fresh timestamps tell that apart from a wrong clock. */
const CLOCK_SKEW_RETRIES = 2;
const CLOCK_ACTION = "check this host's clock (NTP): the gateway refuses timestamps far from its own";

/** A call's end: its verdict, and the recipients its account certainly did not send who may go to another account. */
type CallStep = { verdict: Verdict; movable: number[] } | { stop: BeginRefusal | 'lost' } | { noneLeft: true };

/** The longest an account's maxRate is waited for inside a run; past it the batch is delayed and its slot freed. */
const MAX_RATE_WAIT_IN_RUN_MS = 2_000;

/** Routing's view when there is one account: no state read, so it is up. */
const NO_STATES: ReadonlyMap<string, AccountView> = new Map();

/** How soon a batch whose only account's breaker probe is held elsewhere looks again. */
const PROBE_WAIT_MS = 1_000;

const NO_ROUTE_REASON = 'no configured gateway account may send to this number with this sender ID (SMS_ACCOUNTS)';

/**
 * Sends a batch's pending recipients in as few calls as the gateway allows: one call, unless -9 makes it
 * split the recipients in halves to isolate refused numbers (bounded by SMS_SPLIT_MAX_CALLS). A personalised
 * campaign's call whose recipients' texts differ goes to sendSms/batch, one element per distinct text; its answer
 * is read by the same outcome table, so everything below (at most once, splitting, retries) is the same.
 */
export class CallLoop {
  private readonly outcomes: Map<number, StoredOutcome>;
  private readonly recipients: Recipient[];
  private groups: AccountGroup[] = [];
  /** The recipients this run may call (pending, inside their send window). */
  private readonly callable: number[];
  /** Routes of this run: set by run(), which reads the accounts' states first. */
  private routes!: RunRoutes;
  /**
   * A personalised campaign's template, compiled to render texts as they are written into a sendSms/batch body:
   * JSON-escaped. Equal texts escape alike, so they group as they are. Rendered per call, not kept for the run: kept,
   * a thousand texts would live (and be copied by each young-generation collection) for as long as the call waits
   * on the gateway; the rare -9 split renders its halves again.
   */
  private readonly render: ((values: readonly string[] | undefined) => JsonText) | null;
  /**
   * With tracked links: each recipient's text with its links shortened, made (and their codes stored) just before its
   * first call in this run, and reused by a -16 retry or a -9 split of the same recipients. A run that ends before the
   * call leaves codes no text carries; they cost a little memory until their generation expires.
   */
  private readonly linked = new Map<number, string>();
  /**
   * A canary batch of a campaign with A/B variants: each recipient's text is its own variant's (variants.ts's
   * variantOf); null otherwise, and every recipient gets the campaign's template (the winner, once judged).
   */
  private readonly variants: readonly Template[] | null;
  private extraCalls = 0;
  /** What each call's start checks and records (suppression, contact history, frequency cap), from the config. */
  private readonly checks: ReturnType<typeof sendChecks>;
  /** The batch's version as this run last wrote or read it. */
  private version: number;
  /** False once a write met outcomes another run had stored: the local map is then not the stored one. */
  private exact = true;
  /** Whether the campaign's events go to a webhook: the end of the batch's last call reserves them. Set by run(). */
  private webhooks = false;
  /** The batch counted in by the end of its last call (or found counted); null while it is not. */
  private counted: Finished | null = null;

  constructor(
    private readonly ctx: Context,
    private readonly gateways: CallGateways,
    private readonly data: BatchJobData,
    private readonly token: string,
    private readonly campaign: CampaignRecord,
    record: BatchRecord,
    private readonly log: Logger,
    /** Recipients outside their send window now: this run calls none of them (ends settle them like the rest). */
    held: ReadonlySet<number> = new Set(),
    /** The batch's last attempt: a transient failure moves recipients to their fallback accounts rather than retrying. */
    private readonly lastAttempt = false,
  ) {
    this.outcomes = new Map(record.outcomes);
    this.checks = sendChecks(ctx.config);
    this.version = record.version;
    this.recipients = record.recipients;
    this.render = campaign.template ? compileJsonTemplate(campaign.template) : null;
    this.callable = this.pending().filter((i) => !held.has(i));
    const canary = campaign.canary?.plan;
    this.variants = campaign.variants && canary && data.batch >= canary.firstBatch ? campaign.variants.templates : null;
  }

  /** Every outcome the batch holds, when this run knows them exactly (what it found stored and recorded); else null. */
  get settled(): ReadonlyMap<number, StoredOutcome> | null {
    return this.exact ? this.outcomes : null;
  }

  /** The batch counted into its campaign by the end of this run's last call, with its reserved events; else null. */
  get finished(): Finished | null {
    return this.counted;
  }

  async run(): Promise<LoopEnd> {
    if (this.campaign.state === 'cancelled') return this.endAs(['c']);
    if (this.campaign.state === 'failed') return this.endAsCampaignFailure();
    if (this.campaign.expireAt !== undefined && this.ctx.clock.now() >= this.campaign.expireAt) return this.endAs(['e']);
    const { ctx } = this;
    this.webhooks = (await ctx.webhooks.target(this.data.campaignId, this.campaign)) !== undefined;
    const senderId = this.campaign.senderId ?? ctx.config.gateway.senderId;
    // With one account there is nowhere to route around it: its breaker would change nothing, so a run reads and
    // writes no account state (its stop, recorded for `smsq accounts`, pauses the queue as it always has).
    const single = ctx.config.accounts.length === 1;
    const states = single ? NO_STATES : await ctx.accountStates.read();
    this.routes = new RunRoutes(ctx.router, this.recipients, senderId, this.campaign.accounts, states);
    const first = this.routes.assign(this.callable);
    if (first.noRoute.length > 0 && !(await this.settleSome(first.noRoute, ['f', NO_ROUTE, NO_ROUTE_REASON]))) return { kind: 'lost' };
    this.groups = first.groups;
    const stranded = new Set(first.stranded);
    /** Why the stranded recipients' last account stopped, and the transient failure left to retry, if any. */
    let stop: Extract<Verdict, { kind: 'account-stop' }> | null = first.stranded.length > 0 ? this.stopOf(first.stranded[0]) : null;
    let transient: { code: string; reason: string } | null = null;
    /** The stops this run met, by account: a later group routed to one of them is stranded by it. */
    const metStops = new Map<string, Extract<Verdict, { kind: 'account-stop' }>>();
    const reroute = (indices: readonly number[], from: string): number[] => {
      this.routes.leave(indices, from);
      const next = this.routes.assign(indices.filter((i) => !this.outcomes.has(i)));
      this.groups.unshift(...next.groups);
      for (const g of next.groups) metrics.accountFailovers.labels(from, g.account).inc(g.indices.length);
      return next.stranded;
    };
    while (this.groups.length > 0) {
      const group = this.groups[0];
      const { account } = group;
      if (this.routes.availability(account) === 'stopped') {
        // The account stopped, or is routed around, since this group was routed to it (another call of this run met
        // the stop, or another worker holds its breaker's probe).
        this.groups.shift();
        const left = reroute(group.indices, account);
        for (const i of left) stranded.add(i);
        if (left.length > 0 && metStops.has(account)) stop = metStops.get(account) ?? stop;
        continue;
      }
      if (this.routes.availability(account) === 'probe' && !(await ctx.accountStates.takeProbe(account))) {
        // Another worker holds this account's probe: route around it like an open breaker.
        this.routes.exclude(account);
        continue;
      }
      const wait = await ctx.accountStates.takeRate(this.gateways.account(account), group.indices.length);
      if (wait > MAX_RATE_WAIT_IN_RUN_MS) return { kind: 'rate-wait', ms: wait, why: 'rate' };
      if (wait > 0) {
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      const step = await this.call(group);
      if ('noneLeft' in step) {
        // Every recipient of the call was suppressed or capped at its start: nothing was sent.
        this.groups.shift();
        continue;
      }
      if ('stop' in step) {
        if (step.stop === 'cancelled') return this.endAs(['c']);
        if (step.stop === 'failed') return this.endAsCampaignFailure();
        if (step.stop === 'expired') return this.endAs(['e']);
        if (step.stop === 'not-durable') return { kind: 'not-durable' };
        return step.stop === 'done' ? { kind: 'settled' } : { kind: 'lost' };
      }
      const v = step.verdict;
      if (v.kind === 'transient') {
        const open = !single && (await ctx.accountStates.failure(account));
        if (!open && !this.lastAttempt) return { kind: 'transient', code: v.code, reason: v.reason };
        // The breaker opened, or the batch's attempts are used up: the call was refused whole, so its recipients
        // go to their next account; those with none wait for the batch's next attempt (or fail on its last).
        if (open) this.routes.exclude(account);
        this.groups.shift();
        if (reroute(group.indices, account).length > 0) transient = { code: v.code, reason: v.reason };
        continue;
      }
      if (v.kind !== 'unknown' && !single) await ctx.accountStates.success(account);
      switch (v.kind) {
        case 'accepted':
        case 'unknown':
          this.groups.shift();
          if (step.movable.length > 0) reroute(step.movable, account);
          break;
        case 'number-refused':
          this.groups.shift();
          if (!group.indices.every((i) => this.outcomes.has(i))) {
            const half = Math.ceil(group.indices.length / 2);
            this.groups.unshift({ account, indices: group.indices.slice(0, half) }, { account, indices: group.indices.slice(half) });
            this.extraCalls += 2;
          }
          break;
        case 'content-refused': {
          const fields = { failCode: v.code, failReason: v.reason, finishedAt: String(Date.now()) };
          if ((await ctx.campaigns.transition(this.data.campaignId, LIFECYCLE.fail, fields)) === 'ok') {
            this.log.error(
              { code: v.code, account },
              `campaign failed: the gateway refuses its content (${v.reason}); its remaining batches will not be sent`,
            );
            await ctx.webhooks.emit(this.data.campaignId, 'campaign.failed', { code: v.code, reason: v.reason });
          }
          const end = await this.endAs(['f', v.code, v.reason]);
          await settleIdleBatches(ctx, this.data.campaignId, this.campaign.batches, ['f', v.code, `campaign failed: ${v.reason}`]);
          return end;
        }
        case 'permanent':
          this.log.error(
            { code: v.code, bug: v.bug, account },
            v.bug ? `gateway says our request is malformed (${v.reason}): a bug in smsq` : `batch failed: ${v.reason}`,
          );
          return (await this.settleRest(withAccount(['f', v.code, v.reason], account)))
            ? { kind: 'permanent', code: v.code, reason: v.reason }
            : { kind: 'lost' };
        case 'clock-skew':
        case 'account-stop': {
          const met: Extract<Verdict, { kind: 'account-stop' }> =
            v.kind === 'clock-skew' ? { kind: 'account-stop', code: v.code, reason: v.reason, operatorAction: CLOCK_ACTION } : v;
          await this.stopAccount(account, met);
          metStops.set(account, met);
          this.groups.shift();
          const left = reroute(group.indices, account);
          if (left.length > 0) stop = met;
          for (const i of left) stranded.add(i);
          break;
        }
      }
    }
    if (stop && [...stranded].some((i) => !this.outcomes.has(i)))
      return { kind: 'account-stop', code: stop.code, reason: stop.reason, operatorAction: stop.operatorAction };
    if (transient) return { kind: 'transient', ...transient };
    // Recipients still pending with no stop and no failure to blame: their only account's breaker probe is held by
    // another worker. The batch looks again shortly; it never ends with a recipient left out.
    if (this.callable.some((i) => !this.outcomes.has(i))) return { kind: 'rate-wait', ms: PROBE_WAIT_MS, why: 'probe' };
    return { kind: 'settled' };
  }

  /** Records an account's stop (once, by whoever meets it first) and routes nothing more to it in this run. */
  private async stopAccount(account: string, v: Extract<Verdict, { kind: 'account-stop' }>): Promise<void> {
    this.routes.exclude(account);
    const first = await this.ctx.accountStates.stop(account, {
      code: v.code,
      reason: v.reason,
      operatorAction: v.operatorAction,
      at: Date.now(),
    });
    if (!first) return;
    metrics.accountStops.labels(v.code).inc();
    // With one account the queue's stop (sendBatch) is the one error: there is no other account to move to.
    if (this.ctx.config.accounts.length > 1)
      this.log.error(
        { code: v.code, account },
        `gateway account "${account}" stopped: status ${v.code} (${v.reason}). Its recipients go to their other accounts; to fix: ${v.operatorAction}, then run "smsq accounts resume ${account}".`,
      );
  }

  /** The stop of the first account of a stranded recipient's, as routing's view holds it. */
  private stopOf(i: number): Extract<Verdict, { kind: 'account-stop' }> {
    const account = this.routes.firstAccount(i);
    const s = account !== undefined ? this.ctx.accountStates.cached(account).stop : null;
    return {
      kind: 'account-stop',
      code: s?.code ?? 'ACCOUNT_STOPPED',
      reason: s ? `account "${account}": ${s.reason}` : 'every gateway account of these recipients is stopped',
      operatorAction: s?.operatorAction ?? 'see "smsq accounts"',
    };
  }

  /** Gives these recipients, still without an outcome, this one. */
  private async settleSome(indices: readonly number[], outcome: StoredOutcome): Promise<boolean> {
    const some = new Map<number, StoredOutcome>();
    for (const i of indices) if (!this.outcomes.has(i)) some.set(i, outcome);
    if (some.size === 0) return true;
    if (!this.recorded(await this.ctx.batches.settle(this.data.campaignId, this.data.batch, some))) return false;
    for (const [i, o] of some) this.outcomes.set(i, o);
    countOutcomes(some.values());
    return true;
  }

  /** Gives every recipient still without an outcome this one (cancelled, failed for good). */
  async settleRest(outcome: StoredOutcome): Promise<boolean> {
    const rest = new Map<number, StoredOutcome>(this.pending().map((i) => [i, outcome]));
    if (rest.size === 0) return true;
    if (!this.recorded(await this.ctx.batches.settle(this.data.campaignId, this.data.batch, rest))) return false;
    for (const [i, o] of rest) this.outcomes.set(i, o);
    countOutcomes(rest.values());
    return true;
  }

  /** Follows the batch's version after a write of ours; false when the write was refused. */
  private recorded(r: RecordResult): boolean {
    if (!r.ok) return false;
    this.version = r.version;
    if (r.skipped > 0) this.exact = false;
    return true;
  }

  private async endAs(outcome: StoredOutcome): Promise<LoopEnd> {
    return (await this.settleRest(outcome)) ? { kind: 'settled' } : { kind: 'lost' };
  }

  private async endAsCampaignFailure(): Promise<LoopEnd> {
    const c = await this.ctx.campaigns.read(this.data.campaignId);
    const code = c?.failure?.code ?? 'CAMPAIGN_FAILED';
    return this.endAs(['f', code, `campaign failed: ${c?.failure?.reason ?? 'content refused'}`]);
  }

  private pending(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.recipients.length; i++) if (!this.outcomes.has(i)) out.push(i);
    return out;
  }

  /**
   * One call, recorded in flight before it is sent and with its outcomes after; -16 retried at once. Recipients
   * that the start of the call settles instead (suppressed, capped) leave the group.
   */
  private async call(routed: AccountGroup): Promise<CallStep> {
    const { campaignId, batch } = this.data;
    const { account, indices: group } = routed;
    const checks = this.checks;
    if (this.campaign.linkBase !== undefined) await this.shortenLinks(group, this.campaign.linkBase);
    for (let tries = 0; ; tries++) {
      const at = Date.now();
      let numbers = this.numbersOf(group);
      const begin = await this.ctx.batches.beginCall(
        campaignId,
        batch,
        this.token,
        { indices: group, numbers, at, clockNow: this.ctx.clock.now(), account },
        this.version,
        checks,
      );
      if (!begin.ok) return { stop: begin.reason };
      this.version = begin.version;
      if (begin.settled > 0) {
        await this.readSettledAtStart(group);
        // The group is the caller's array: -9 splitting and the next try must see who is left.
        const left = group.filter((i) => !this.outcomes.has(i));
        group.splice(0, group.length, ...left);
        numbers = this.numbersOf(group);
      }
      if (begin.calling === 0) return { noneLeft: true };
      const calledAt = Date.now();
      const result = await this.send(account, group, numbers);
      const verdict = classify(result, this.ctx.config.retryUnknown);
      const { outcomes, movable } = this.decide(verdict, routed, calledAt);
      const entry = callEntry(calledAt, account, group, verdict);
      if (!this.recorded(await this.endCall(verdict, outcomes, calledAt, entry))) return { stop: 'lost' };
      for (const [i, o] of outcomes) this.outcomes.set(i, o);
      countOutcomes(outcomes.values());
      countAccountOutcomes(account, outcomes.values());
      // A -9 for a call of one number: the gateway says that number itself is abnormal (hard-failures.ts).
      if (verdict.kind === 'number-refused' && isHardOutcome(outcomes.get(group[0]), group.length))
        await suppressHardFailures(this.ctx, this.log, campaignId, [this.recipients[group[0]].number], 'call');
      if (checks.capCount > 0) {
        // Only sends count against the cap: give back the count of those this call did not send.
        const unsent = group.filter((i) => {
          const o = this.outcomes.get(i);
          return o === undefined || o[0] === 'f';
        });
        await this.ctx.batches.uncountSends(
          unsent.map((i) => this.recipients[i].number),
          at,
        );
      }
      if (verdict.kind === 'clock-skew' && tries < CLOCK_SKEW_RETRIES) {
        this.log.warn({ code: verdict.code }, 'gateway refused our timestamp; retrying at once with a fresh one');
        continue;
      }
      if (verdict.kind !== 'accepted')
        this.log.debug({ verdict: verdict.kind, code: verdict.code, recipients: group.length, account }, 'call not accepted');
      return { verdict, movable };
    }
  }

  /**
   * Ends the call in one script: its outcomes, its entry in the batch's call log (`call`), the msgIds it sent indexed
   * for delivery reports, and, when it settles the batch's last recipients, the batch counted in. Not for a content
   * refusal: the campaign fails first (a last batch counted before would complete it).
   */
  private async endCall(
    verdict: Verdict,
    outcomes: ReadonlyMap<number, StoredOutcome>,
    calledAt: number,
    call: string,
  ): Promise<EndResult> {
    const { ctx, recipients } = this;
    const { campaignId, batch } = this.data;
    // The call's recipients had no outcome (the group is the batch's pending ones): none is counted twice here. Were
    // it wrong, END_CALL would only answer 'incomplete', or leave the count to sendBatch's FINISH_BATCH.
    const last = this.outcomes.size + outcomes.size === recipients.length && verdict.kind !== 'content-refused';
    const index = ctx.config.delivery.tracking ? await ctx.delivery.sentIndexing(campaignId, batch, recipients, outcomes, calledAt) : null;
    const end = await ctx.batches.endCall(campaignId, batch, this.token, outcomes, {
      index,
      call,
      finish: last ? { recipients: recipients.length, autoSettle: ctx.config.settling.autoSettle, webhooks: this.webhooks } : undefined,
    });
    if (!end.ok) return end;
    if (end.finished && end.finished.result !== 'incomplete') this.counted = end.finished;
    if (end.reportsHeld) await ctx.delivery.applyHeldFor(campaignId, batch, recipients, outcomes, calledAt);
    return end;
  }

  /** The numbers of `group`'s recipients, in its order: what BEGIN_CALL checks and the call sends. */
  private numbersOf(group: readonly number[]): string[] {
    const numbers = new Array<string>(group.length);
    for (let j = 0; j < group.length; j++) numbers[j] = this.recipients[group[j]].number;
    return numbers;
  }

  /** Reads back the outcomes the start of a call stored for `group` (suppressed, capped), and counts them. */
  private async readSettledAtStart(group: number[]): Promise<void> {
    const stored = await this.ctx.batches.load(this.data.campaignId, this.data.batch);
    if (!stored) return;
    const fresh: StoredOutcome[] = [];
    for (const i of group) {
      const o = stored.outcomes.get(i);
      if (o && !this.outcomes.has(i)) {
        this.outcomes.set(i, o);
        fresh.push(o);
      }
    }
    countOutcomes(fresh);
    if (fresh.length > 0)
      this.log.info(
        { suppressed: fresh.filter((o) => o[0] === 'x').length, capped: fresh.filter((o) => o[0] === 'k').length },
        'recipients kept out of a call',
      );
  }

  /** One call for these recipients (`groupNumbers` theirs): sendSms when they share one text, sendSms/batch when their texts differ. */
  private send(account: string, group: number[], groupNumbers: string[]): Promise<CallResult> {
    const { senderId } = this.campaign;
    const client = this.gateways.client(account);
    const numbers = (indices: number[]) => indices.map((i) => this.recipients[i].number);
    const orderIds = (indices: number[]) => indices.map((i) => this.recipients[i].orderId);
    if (this.campaign.linkBase !== undefined) return this.sendTexts(account, group, groupNumbers, (i) => this.linked.get(i) ?? '');
    if (this.variants) return this.sendTexts(account, group, groupNumbers, (i) => this.textOf(i));
    const { render } = this;
    const { template } = this.campaign;
    if (render === null || template === undefined)
      return client.send({ numbers: groupNumbers, orderIds: orderIds(group), content: this.campaign.content, senderId });
    const byText = new Map<JsonText, number[]>();
    for (const i of group) {
      const text = render(this.recipients[i].values);
      const same = byText.get(text);
      if (same) same.push(i);
      else byText.set(text, [i]);
    }
    if (byText.size === 1) {
      const content = renderStored(template, this.recipients[group[0]].values);
      return client.send({ numbers: groupNumbers, orderIds: orderIds(group), content, senderId });
    }
    const elements: BatchElement[] = [];
    for (const [text, indices] of byText) {
      // Most texts of a personalised call are one recipient's: its number and orderId need no list.
      const one = indices.length === 1 ? this.recipients[indices[0]] : null;
      elements.push(
        one
          ? { numbers: one.number, orderIds: one.orderId, text }
          : { numbers: numbers(indices).join(','), orderIds: orderIds(indices).join(','), text },
      );
    }
    return client.sendBatch({ elements, senderId });
  }

  /**
   * Shortens the links of these recipients' texts that this run has not shortened yet: each link gets a code of its
   * own, stored (one round trip) before any text carrying it can reach the gateway.
   */
  private async shortenLinks(group: readonly number[], base: string): Promise<void> {
    const todo = group.filter((i) => !this.linked.has(i));
    if (todo.length === 0) return;
    const texts = todo.map((i) => this.textOf(i));
    const spans = texts.map((text) => findLinks(text));
    const entries: Array<{ batch: number; index: number; url: string }> = [];
    todo.forEach((i, j) => {
      for (const s of spans[j]) entries.push({ batch: this.data.batch, index: i, url: texts[j].slice(s.start, s.end) });
    });
    const codes = entries.length > 0 ? await this.ctx.links.store(this.data.campaignId, entries, this.webhooks) : [];
    let next = 0;
    todo.forEach((i, j) => {
      const links = spans[j].map(() => shortLink(base, codes[next++]));
      this.linked.set(i, links.length > 0 ? replaceLinks(texts[j], spans[j], links) : texts[j]);
    });
  }

  /** A recipient's text as rendered (before its links are shortened): its variant's in a canary batch with variants. */
  private textOf(i: number): string {
    const { template, content } = this.campaign;
    const values = this.recipients[i].values;
    if (this.variants) return renderStored(this.variants[variantOf(this.data.batch, i, this.variants.length)], values);
    return template ? renderStored(template, values) : content;
  }

  /**
   * A call whose recipients' texts are each their own (tracked links, or variants): one sendSms when they all
   * agree, else sendSms/batch with one element per distinct text.
   */
  private sendTexts(account: string, group: number[], groupNumbers: string[], textOf: (i: number) => string): Promise<CallResult> {
    const { senderId } = this.campaign;
    const client = this.gateways.client(account);
    const byText = new Map<string, number[]>();
    for (const i of group) {
      const text = textOf(i);
      const same = byText.get(text);
      if (same) same.push(i);
      else byText.set(text, [i]);
    }
    const orderIds = (indices: number[]) => indices.map((i) => this.recipients[i].orderId);
    if (byText.size === 1)
      return client.send({ numbers: groupNumbers, orderIds: orderIds(group), content: [...byText.keys()][0], senderId });
    const elements: BatchElement[] = [];
    for (const [text, indices] of byText) {
      elements.push({
        numbers: indices.map((i) => this.recipients[i].number).join(','),
        orderIds: orderIds(indices).join(','),
        text: jsonText(text),
      });
    }
    return client.sendBatch({ elements, senderId });
  }

  /** Logs and counts an answer that disagrees with the call: how, never whom (no numbers in logs). */
  private disagreed(how: ReadonlyMap<string, number>, recipients: number, attributed: number): void {
    for (const [kind, n] of how) metrics.gatewayDisagreements.labels(kind).inc(n);
    this.log.warn(
      { disagreements: Object.fromEntries(how), recipients, attributed },
      'gateway answer disagrees with the call: the recipients it does not name unmistakably are unknown',
    );
  }

  /**
   * The outcomes a verdict settles for the call's recipients, each naming the account; none when they stay pending.
   * `movable`: numbers a consistent answer left out (the account certainly did not send them) that have another
   * account to go to; they stay pending rather than fail NOT_ACCEPTED.
   */
  private decide(v: Verdict, routed: AccountGroup, calledAt: number): { outcomes: Map<number, StoredOutcome>; movable: number[] } {
    const { account, indices: group } = routed;
    const out = new Map<number, StoredOutcome>();
    const movable: number[] = [];
    const set = (i: number, o: StoredOutcome) => out.set(i, withAccount(o, account));
    const all = (o: StoredOutcome) => group.forEach((i) => set(i, o));
    switch (v.kind) {
      case 'accepted': {
        const { msgIds, disagreements } = matchAccepted(this.recipients, group, v.accepted, v.checks);
        // An answer that disagrees proves nothing about whom it leaves out: they may have been sent, so never `failed`
        // (a resend could duplicate them); settling reads the gateway's records instead.
        const doubt: StoredOutcome | null =
          disagreements.size > 0
            ? ['u', DISAGREES_CODE, `gateway answer disagrees with the call (${[...disagreements.keys()].join(', ')})`, calledAt]
            : null;
        for (const i of group) {
          const msgId = msgIds.get(i);
          if (msgId) set(i, ['s', msgId]);
          else if (doubt) set(i, doubt);
          else if (this.routes.hasFallback(i, account)) movable.push(i);
          else set(i, ['f', 'NOT_ACCEPTED', 'not accepted by gateway']);
        }
        if (doubt) this.disagreed(disagreements, group.length, msgIds.size);
        break;
      }
      case 'unknown':
        all(['u', v.code, v.reason, calledAt]);
        if (v.code === DISAGREES_CODE) this.disagreed(new Map([['status-with-entries', 1]]), group.length, 0);
        break;
      case 'permanent':
      case 'content-refused':
        all(['f', v.code, v.reason]);
        break;
      case 'number-refused':
        if (group.length === 1) all(['f', v.code, v.reason]);
        else if (this.extraCalls + 2 > this.ctx.config.splitMaxCalls) {
          all(['f', v.code, `${v.reason}; not isolated further: SMS_SPLIT_MAX_CALLS (${this.ctx.config.splitMaxCalls}) reached`]);
        }
        break;
      default:
        break;
    }
    return { outcomes: out, movable };
  }
}
