/** A campaign's own fields (not its recipients) checked once, at the edge, by an enqueue and a preview alike. */
import { randomUUID } from 'node:crypto';
import { DEFAULT_PRIORITY, isPriority, PRIORITIES, type Priority } from '../shared/campaign/lanes';
import { checkWebhookUrl } from '../shared/config';
import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import { ownerOf } from '../shared/tenants/campaign-owner';
import { smartEncode } from '../shared/text/encoding';
import { isTemplate, parseTemplate, type Template } from '../shared/text/template';
import { pinnedAccounts, refuseUnknownAccounts } from './account-routes';
import { maxCostMicros } from './budget-check';
import { resolveTiming, type CampaignTiming } from './campaign-timing';
import type { EnqueueOptions } from './enqueue';
import { checkCampaignId, checkContent, checkMaxRate, checkSenderId } from './validate';

/** A campaign's own fields, checked and ready: the content after smart encoding, parsed as a template when it is one. */
export interface CheckedCampaign {
  campaignId: string;
  content: string;
  /** Its own, or SMS_SENDER_ID: the sender ID its calls carry, and which accounts may send them. */
  senderId?: string;
  template?: Template;
  /** The budget cap in millionths. */
  maxCost?: number;
  priority: Priority;
  maxRate?: number;
  timing: CampaignTiming;
  /** The accounts it pins (configured ones, each once); undefined: any account may send it. */
  accounts?: string[];
}

/**
 * Checks the campaign's fields (not its recipients); throws VALIDATION_FAILED naming each bad one, and
 * UNKNOWN_ACCOUNT for a well-formed account name the configuration does not hold.
 */
export async function checkCampaign(ctx: Context, opts: Omit<EnqueueOptions, 'recipients' | 'rows'>): Promise<CheckedCampaign> {
  const campaignId = opts.campaignId ?? randomUUID();
  const content = typeof opts.content === 'string' && ctx.config.texts.smartEncoding ? smartEncode(opts.content) : opts.content;
  const senderId = opts.senderId ?? ctx.config.gateway.senderId;
  const parsed = typeof content === 'string' && isTemplate(content) ? parseTemplate(content) : undefined;
  const cap = opts.maxCost === undefined ? undefined : maxCostMicros(opts.maxCost);
  const pinned = pinnedAccounts(opts.accounts);
  const { timing, problems: timingProblems } = resolveTiming(opts, ctx.clock.now());
  const fieldProblems = [
    ...timingProblems,
    ['priority', opts.priority === undefined || isPriority(opts.priority) ? null : `must be one of ${PRIORITIES.join(', ')}`],
    ['maxRate', opts.maxRate === undefined ? null : checkMaxRate(opts.maxRate)],
    ['callbackUrl', opts.callbackUrl === undefined ? null : await checkCallbackUrl(ctx, campaignId, opts.callbackUrl)],
    ['campaignId', checkCampaignId(campaignId)],
    ['content', checkContent(content) ?? (parsed && !parsed.ok ? parsed.reason : null)],
    ['senderId', senderId === undefined ? null : checkSenderId(senderId)],
    ['maxCost', typeof cap === 'string' ? cap : null],
    ['accounts', pinned.problem],
  ].filter((p): p is [string, string] => p[1] !== null);
  if (fieldProblems.length > 0) {
    throw new SmsqError('VALIDATION_FAILED', fieldProblems.map(([f, r]) => `${f}: ${r}`).join('; '), {
      fields: Object.fromEntries(fieldProblems),
    });
  }
  if (pinned.names) refuseUnknownAccounts(ctx.router, pinned.names);
  return {
    campaignId,
    content,
    senderId,
    template: parsed?.ok ? parsed.template : undefined,
    maxCost: typeof cap === 'number' ? cap : undefined,
    priority: opts.priority ?? DEFAULT_PRIORITY,
    maxRate: opts.maxRate,
    timing,
    accounts: pinned.names,
  };
}

/**
 * A callback URL is refused when it is not http(s), or when there is no secret to sign its events with: an admin's
 * campaign's are signed with WEBHOOK_SECRET, a tenant's with its tenant's own (read now), never with another's.
 */
async function checkCallbackUrl(ctx: Context, campaignId: string, url: unknown): Promise<string | null> {
  const problem = checkWebhookUrl(url);
  if (problem) return problem;
  const { tenant } = ownerOf(campaignId);
  if (tenant === undefined) return ctx.config.webhooks.secret ? null : 'needs WEBHOOK_SECRET to be set, so that its events can be signed';
  return (await ctx.tenants.get(tenant)).webhook
    ? null
    : `needs a webhook set for tenant ${tenant} (its URL and secret), so that its events can be signed with the tenant's own secret`;
}
