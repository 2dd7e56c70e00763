/** A campaign's own fields (not its recipients) checked once, at the edge, by an enqueue and a preview alike. */
import { randomUUID } from 'node:crypto';
import { DEFAULT_PRIORITY, isPriority, PRIORITIES, type Priority } from '../shared/campaign/lanes';
import { checkWebhookUrl } from '../shared/config';
import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import { ownerOf } from '../shared/tenants/campaign-owner';
import { smartEncode } from '../shared/text/encoding';
import { findLinks } from '../shared/links/link-text';
import { isTemplate, parseTemplate, type Template } from '../shared/text/template';
import { pinnedAccounts, refuseUnknownAccounts } from './account-routes';
import { maxCostMicros } from './budget-check';
import { checkCanaryOptions, type CheckedCanary } from './canary-options';
import { checkVariantOptions, type CheckedVariants } from './variant-options';
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
  /** With trackLinks: LINK_BASE_URL, the base of the short links its texts will carry. */
  linkBase?: string;
  /** With A/B variants: their texts and templates, and the measure. `content` and `template` are the first's. */
  variants?: CheckedVariants;
  /** With a canary: its size, hold and gates (staging draws it). */
  canary?: CheckedCanary;
  /** The budget cap in millionths. */
  maxCost?: number;
  priority: Priority;
  maxRate?: number;
  timing: CampaignTiming;
  /** The accounts it pins (configured ones, each once); undefined: any account may send it. */
  accounts?: string[];
  /** The campaign it resends to. */
  parentId?: string;
}

/**
 * Checks the campaign's fields (not its recipients); throws VALIDATION_FAILED naming each bad one, and
 * UNKNOWN_ACCOUNT for a well-formed account name the configuration does not hold.
 */
export async function checkCampaign(ctx: Context, opts: Omit<EnqueueOptions, 'recipients' | 'rows'>): Promise<CheckedCampaign> {
  const campaignId = opts.campaignId ?? randomUUID();
  const prepare = (text: string) => (ctx.config.texts.smartEncoding ? smartEncode(text) : text);
  const variants = checkVariantOptions(opts, ctx.config, prepare);
  // With variants, the first text stands for the campaign's content (a canary batch renders each recipient's own).
  const given = variants.variants ? variants.variants.texts[0] : opts.variants !== undefined ? '' : opts.content;
  const content = typeof given === 'string' ? prepare(given) : given;
  const senderId = opts.senderId ?? ctx.config.gateway.senderId;
  const parsed = typeof content === 'string' && isTemplate(content) ? parseTemplate(content) : undefined;
  const cap = opts.maxCost === undefined ? undefined : maxCostMicros(opts.maxCost);
  const pinned = pinnedAccounts(opts.accounts);
  const { timing, problems: timingProblems } = resolveTiming(opts, ctx.clock.now());
  const canary = checkCanaryOptions(opts, ctx.config);
  const fieldProblems = [
    ...timingProblems,
    ...canary.problems,
    ...variants.problems,
    ['priority', opts.priority === undefined || isPriority(opts.priority) ? null : `must be one of ${PRIORITIES.join(', ')}`],
    ['maxRate', opts.maxRate === undefined ? null : checkMaxRate(opts.maxRate)],
    ['callbackUrl', opts.callbackUrl === undefined ? null : await checkCallbackUrl(ctx, campaignId, opts.callbackUrl)],
    ['campaignId', checkCampaignId(campaignId)],
    ['parentId', opts.parentId === undefined ? null : checkCampaignId(opts.parentId)],
    [
      'content',
      opts.variants !== undefined
        ? null
        : content === undefined
          ? 'is missing: give the text (or variants)'
          : (checkContent(content) ?? (parsed && !parsed.ok ? parsed.reason : null)),
    ],
    ['senderId', senderId === undefined ? null : checkSenderId(senderId)],
    ['maxCost', typeof cap === 'string' ? cap : null],
    ['accounts', pinned.problem],
    ['trackLinks', checkTrackLinks(ctx, opts.trackLinks, variants.variants?.texts ?? [content], parsed?.ok === true)],
  ].filter((p): p is [string, string] => p[1] !== null);
  if (fieldProblems.length > 0) {
    throw new SmsqError('VALIDATION_FAILED', fieldProblems.map(([f, r]) => `${f}: ${r}`).join('; '), {
      fields: Object.fromEntries(fieldProblems),
    });
  }
  if (pinned.names) refuseUnknownAccounts(ctx.router, pinned.names);
  return {
    campaignId,
    content: content ?? '',
    senderId,
    // Variants are templates over their shared fields, even plain texts: the first is the campaign's template.
    template: variants.variants ? variants.variants.templates[0] : parsed?.ok ? parsed.template : undefined,
    ...(variants.variants ? { variants: variants.variants } : {}),
    ...(opts.trackLinks === true ? { linkBase: ctx.config.links.baseUrl } : {}),
    ...(canary.canary ? { canary: canary.canary } : {}),
    maxCost: typeof cap === 'number' ? cap : undefined,
    priority: opts.priority ?? DEFAULT_PRIORITY,
    maxRate: opts.maxRate,
    timing,
    accounts: pinned.names,
    ...(opts.parentId !== undefined ? { parentId: opts.parentId } : {}),
  };
}

/**
 * Tracked links need LINK_BASE_URL (the address their short links point to), and a link to track: a fixed text
 * without one is refused rather than queued as if it were tracked. A template's links may come from its fields.
 */
function checkTrackLinks(ctx: Context, trackLinks: unknown, contents: readonly unknown[], template: boolean): string | null {
  if (trackLinks === undefined || trackLinks === false) return null;
  if (trackLinks !== true) return 'must be true or false';
  if (!ctx.config.links.baseUrl)
    return 'needs LINK_BASE_URL: the public address of smsq server that the short links point to (https://s.example.com)';
  if (!template && contents.every((c) => typeof c === 'string' && findLinks(c).length === 0))
    return 'the content has no http:// or https:// link to track';
  return null;
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
