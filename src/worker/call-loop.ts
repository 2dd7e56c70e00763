import { sendChecks, type BatchRecord, type BeginRefusal, type EndResult, type Finished, type RecordResult } from '../shared/batch/store';
import { LIFECYCLE } from '../shared/campaign/lifecycle';
import type { CampaignRecord } from '../shared/campaign/record';
import type { Context } from '../shared/context';
import type { BatchElement, CallResult, GatewayClient } from '../shared/gateway/client';
import { compileJsonTemplate, type JsonText } from '../shared/gateway/json-text';
import { matchAccepted } from '../shared/gateway/match-accepted';
import { classify, DISAGREES_CODE, type Verdict } from '../shared/gateway/outcome-table';
import type { Logger } from '../shared/logger';
import { countOutcomes, metrics } from '../shared/metrics';
import { settleIdleBatches } from '../shared/settling/idle-batches';
import { renderStored } from '../shared/text/template';
import type { BatchJobData, Recipient, StoredOutcome } from '../shared/types';

/** How one run of a batch ended. */
export type LoopEnd =
  | { kind: 'settled' }
  | { kind: 'transient'; code: string; reason: string }
  | { kind: 'account-stop'; code: string; reason: string; operatorAction: string }
  | { kind: 'permanent'; code: string; reason: string }
  | { kind: 'lost' }
  /** REDIS_DURABILITY: a call's in-flight record was not acknowledged in time; nothing was sent. */
  | { kind: 'not-durable' };

/** -16 is usually a request that waited too long; two fresh timestamps tell that apart from a wrong clock. */
const CLOCK_SKEW_RETRIES = 2;
const CLOCK_ACTION = "check this host's clock (NTP): the gateway refuses timestamps far from its own";

type CallStep = { verdict: Verdict } | { stop: BeginRefusal | 'lost' } | { noneLeft: true };

/**
 * Sends a batch's pending recipients in as few calls as the gateway allows: one call, unless -9 makes it
 * split the recipients in halves to isolate refused numbers (bounded by SMS_SPLIT_MAX_CALLS). A personalised
 * campaign's call whose recipients' texts differ goes to sendSms/batch, one element per distinct text; its answer
 * is read by the same outcome table, so everything below (at most once, splitting, retries) is the same.
 */
export class CallLoop {
  private readonly outcomes: Map<number, StoredOutcome>;
  private readonly recipients: Recipient[];
  private readonly groups: number[][];
  /**
   * A personalised campaign's template, compiled to render texts as they are written into a sendSms/batch body:
   * JSON-escaped. Equal texts escape alike, so they group as they are. Rendered per call, not kept for the run: kept,
   * a thousand texts would live (and be copied by each young-generation collection) for as long as the call waits
   * on the gateway; the rare -9 split renders its halves again.
   */
  private readonly render: ((values: readonly string[] | undefined) => JsonText) | null;
  private extraCalls = 0;
  /** What each call's start checks and records (suppression, contact history, frequency cap), from the config. */
  private readonly checks: ReturnType<typeof sendChecks>;
  /** The batch's version as this run last wrote or read it. */
  private version: number;
  /** False once a write met outcomes another run had stored: the local map is then not the stored one. */
  private exact = true;
  /** Whether the campaign's events go to a webhook: the end of the batch's last call reserves them. */
  private readonly webhooks: boolean;
  /** The batch counted in by the end of its last call (or found counted); null while it is not. */
  private counted: Finished | null = null;

  constructor(
    private readonly ctx: Context,
    private readonly client: GatewayClient,
    private readonly data: BatchJobData,
    private readonly token: string,
    private readonly campaign: CampaignRecord,
    record: BatchRecord,
    private readonly log: Logger,
    /** Recipients outside their send window now: this run calls none of them (ends settle them like the rest). */
    held: ReadonlySet<number> = new Set(),
  ) {
    this.outcomes = new Map(record.outcomes);
    this.checks = sendChecks(ctx.config);
    this.version = record.version;
    this.recipients = record.recipients;
    this.render = campaign.template ? compileJsonTemplate(campaign.template) : null;
    this.webhooks = ctx.webhooks.target(data.campaignId, campaign) !== undefined;
    const callable = this.pending().filter((i) => !held.has(i));
    this.groups = callable.length > 0 ? [callable] : [];
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
    while (this.groups.length > 0) {
      const group = this.groups[0];
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
      switch (v.kind) {
        case 'accepted':
        case 'unknown':
          this.groups.shift();
          break;
        case 'number-refused':
          this.groups.shift();
          if (!group.every((i) => this.outcomes.has(i))) {
            const half = Math.ceil(group.length / 2);
            this.groups.unshift(group.slice(0, half), group.slice(half));
            this.extraCalls += 2;
          }
          break;
        case 'content-refused': {
          const fields = { failCode: v.code, failReason: v.reason, finishedAt: String(Date.now()) };
          if ((await this.ctx.campaigns.transition(this.data.campaignId, LIFECYCLE.fail, fields)) === 'ok') {
            this.log.error(
              { code: v.code },
              `campaign failed: the gateway refuses its content (${v.reason}); its remaining batches will not be sent`,
            );
            await this.ctx.webhooks.emit(this.data.campaignId, 'campaign.failed', { code: v.code, reason: v.reason });
          }
          const end = await this.endAs(['f', v.code, v.reason]);
          await settleIdleBatches(this.ctx, this.data.campaignId, this.campaign.batches, ['f', v.code, `campaign failed: ${v.reason}`]);
          return end;
        }
        case 'permanent':
          this.log.error(
            { code: v.code, bug: v.bug },
            v.bug ? `gateway says our request is malformed (${v.reason}): a bug in smsq` : `batch failed: ${v.reason}`,
          );
          return (await this.settleRest(['f', v.code, v.reason]))
            ? { kind: 'permanent', code: v.code, reason: v.reason }
            : { kind: 'lost' };
        case 'transient':
          return { kind: 'transient', code: v.code, reason: v.reason };
        case 'clock-skew':
          return { kind: 'account-stop', code: v.code, reason: v.reason, operatorAction: CLOCK_ACTION };
        case 'account-stop':
          return { kind: 'account-stop', code: v.code, reason: v.reason, operatorAction: v.operatorAction };
      }
    }
    return { kind: 'settled' };
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
  private async call(group: number[]): Promise<CallStep> {
    const { campaignId, batch } = this.data;
    const checks = this.checks;
    for (let tries = 0; ; tries++) {
      const at = Date.now();
      let numbers = this.numbersOf(group);
      const begin = await this.ctx.batches.beginCall(
        campaignId,
        batch,
        this.token,
        { indices: group, numbers, at, clockNow: this.ctx.clock.now() },
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
      const result = await this.send(group, numbers);
      const verdict = classify(result, this.ctx.config.retryUnknown);
      const outcomes = this.decide(verdict, group, calledAt);
      if (!this.recorded(await this.endCall(verdict, outcomes, calledAt))) return { stop: 'lost' };
      for (const [i, o] of outcomes) this.outcomes.set(i, o);
      countOutcomes(outcomes.values());
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
        this.log.debug({ verdict: verdict.kind, code: verdict.code, recipients: group.length }, 'call not accepted');
      return { verdict };
    }
  }

  /**
   * Ends the call in one script: its outcomes, the msgIds it sent indexed for delivery reports, and, when it
   * settles the batch's last recipients, the batch counted in. Not for a content refusal: the campaign fails first
   * (a last batch counted before would complete it).
   */
  private async endCall(verdict: Verdict, outcomes: ReadonlyMap<number, StoredOutcome>, calledAt: number): Promise<EndResult> {
    const { ctx, recipients } = this;
    const { campaignId, batch } = this.data;
    // The call's recipients had no outcome (the group is the batch's pending ones): none is counted twice here. Were
    // it wrong, END_CALL would only answer 'incomplete', or leave the count to sendBatch's FINISH_BATCH.
    const last = this.outcomes.size + outcomes.size === recipients.length && verdict.kind !== 'content-refused';
    const index = ctx.config.delivery.tracking ? await ctx.delivery.sentIndexing(campaignId, batch, recipients, outcomes, calledAt) : null;
    const end = await ctx.batches.endCall(campaignId, batch, this.token, outcomes, {
      index,
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
  private send(group: number[], groupNumbers: string[]): Promise<CallResult> {
    const { senderId } = this.campaign;
    const numbers = (indices: number[]) => indices.map((i) => this.recipients[i].number);
    const orderIds = (indices: number[]) => indices.map((i) => this.recipients[i].orderId);
    const { render } = this;
    const { template } = this.campaign;
    if (render === null || template === undefined)
      return this.client.send({ numbers: groupNumbers, orderIds: orderIds(group), content: this.campaign.content, senderId });
    const byText = new Map<JsonText, number[]>();
    for (const i of group) {
      const text = render(this.recipients[i].values);
      const same = byText.get(text);
      if (same) same.push(i);
      else byText.set(text, [i]);
    }
    if (byText.size === 1) {
      const content = renderStored(template, this.recipients[group[0]].values);
      return this.client.send({ numbers: groupNumbers, orderIds: orderIds(group), content, senderId });
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
    return this.client.sendBatch({ elements, senderId });
  }

  /** Logs and counts an answer that disagrees with the call: how, never whom (no numbers in logs). */
  private disagreed(how: ReadonlyMap<string, number>, recipients: number, attributed: number): void {
    for (const [kind, n] of how) metrics.gatewayDisagreements.labels(kind).inc(n);
    this.log.warn(
      { disagreements: Object.fromEntries(how), recipients, attributed },
      'gateway answer disagrees with the call: the recipients it does not name unmistakably are unknown',
    );
  }

  /** The outcomes a verdict settles for the call's recipients; none when they stay pending. */
  private decide(v: Verdict, group: number[], calledAt: number): Map<number, StoredOutcome> {
    const out = new Map<number, StoredOutcome>();
    const all = (o: StoredOutcome) => group.forEach((i) => out.set(i, o));
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
          out.set(i, msgId ? ['s', msgId] : (doubt ?? ['f', 'NOT_ACCEPTED', 'not accepted by gateway']));
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
    return out;
  }
}
