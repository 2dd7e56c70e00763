/**
 * JSON schemas of the API, written once: the routes validate requests with them and /openapi.json publishes
 * them. A request of the wrong shape (a field of the wrong type, an unknown field) is a 400 BAD_REQUEST; one
 * of the right shape whose values break the campaign rules (a bad number, content too long) is a 422 from the
 * library's own validation, so the API and the library refuse exactly the same campaigns.
 */
import { CALL_VERDICTS } from '../shared/batch/call-log';
import { OUTCOME_LETTERS, OUTCOMES } from '../shared/batch/outcomes';
import { MAX_VARIANTS, MIN_VARIANTS, WINNER_MEASURES } from '../shared/campaign/variants';
import { SHOWN_STATES } from '../shared/types';
import { TENANT_PATTERN } from '../shared/tenants/api-key';

const campaignId = {
  type: 'string',
  description: 'Letters, digits, _ . - (at most 64); generated when omitted. The same id twice never sends twice.',
} as const;
const content = {
  type: 'string',
  description:
    "The message, 1-1024 characters (code points), or a template with {{field}} / {{field|fallback}} placeholders filled from each recipient's fields (each rendered text 1-1024 characters).",
} as const;
const maxCost = {
  description:
    'Budget cap in the currency of the prices: refused (422 BUDGET_EXCEEDED, nothing queued) when the estimated cost is above it; paused while sending once the reported cost reaches it.',
} as const;
const dryRun = {
  type: 'string',
  enum: ['true', 'false'],
  description: 'true: validate and count as an enqueue would (a preview), queue nothing; answers 200 with the preview.',
} as const;
const senderId = { type: 'string', description: 'At most 32 characters; SMS_SENDER_ID when omitted.' } as const;
const accountsDescription =
  'Send only through these gateway accounts (SMS_ACCOUNTS names, at most 32); recipients none of them may send to end failed NO_ROUTE. A name not configured is 422 UNKNOWN_ACCOUNT. Default: any account.';
const priority = {
  type: 'string',
  enum: ['high', 'normal', 'low'],
  description:
    "The campaign's lane: a waiting batch of a higher priority always starts before one of a lower priority; campaigns of one priority take turns. Default normal.",
} as const;
const timing = {
  sendAt: {
    type: 'string',
    description:
      'ISO 8601 with an offset, a date and time that exist, from 24 hours ago to 366 days ahead: nothing is sent before it; the campaign is scheduled until then.',
  },
  window: {
    type: 'string',
    description: 'Local hours (and days) recipients may get the text: 08:00-21:00, Mon-Fri 09:00-18:00, or tcpa (at most 64 characters).',
  },
  timezone: { type: 'string', description: "IANA zone for the window; default: every zone of each number's country." },
  validFor: {
    type: 'string',
    description: 'How long after sendAt (or now) recipients may still be sent: 6h, 90m, 2d (or ms); 1 s to 366 days.',
  },
  expireAt: {
    type: 'string',
    description: 'ISO 8601 with an offset, at most 366 days after the start: recipients not sent by then end expired.',
  },
} as const;
const ignoreFrequencyCap = {
  type: 'boolean',
  description: 'Send even to numbers that reached SMS_FREQUENCY_CAP (one-time passwords, alerts).',
} as const;
const maxRateDescription =
  'Recipients per second this campaign may send at most, across all workers: 0.01 to 1000000 (422 VALIDATION_FAILED outside).';
const skipInvalid = { description: 'Queue the valid recipients and list the bad rows, instead of refusing the campaign.' } as const;
const balanceCheck = {
  type: 'string',
  enum: ['warn', 'require'],
  description:
    "Compare the gateway balance plus credit with the campaign's cost at the last reported price first: `warn` queues and lists a warning; `require` refuses (402 BALANCE_INSUFFICIENT).",
} as const;

const recoverSince = {
  type: 'string',
  maxLength: 64,
  description:
    "Recovery of a campaign Redis lost: ISO 8601 with an offset, when it started sending. Numbers the gateway's records (getSentRcd) show since then are recorded sent and not sent again; `recovered` in the answer says how many.",
} as const;

const callbackUrl = {
  type: 'string',
  description:
    "Where this campaign's webhook events go (http or https), instead of WEBHOOK_URL; needs WEBHOOK_SECRET on the server. A bad URL is a 422 VALIDATION_FAILED.",
} as const;

const trackLinks = {
  description:
    "Replace every http(s) link of each recipient's text by a short link of its own under LINK_BASE_URL (`<LINK_BASE_URL>/<9-character code>`), which the server redirects to the link and counts clicks on (the campaign's `links`, the results' `clicks` and `firstClickAt`). Without LINK_BASE_URL on the server, or for a fixed text with no link, 422 VALIDATION_FAILED. Default false.",
} as const;

const canaryFields = {
  canary: {
    description:
      'Send this many recipients (a number), or this share of the list ("2%", at most 50%), drawn at random, first; the rest waits canaryHold, then goes only if the gates hold. At most 100,000.',
  },
  canaryHold: {
    description:
      'How long the canary is watched once its last recipient is settled: ms, or "10m", "1h" (at most 7 days). Default 10 minutes.',
  },
  maxFailedRate: { description: "Gate: at most this share (0 to 1) of the canary's called recipients failed." },
  minDeliveredRate: { description: "Gate: at least this share of the canary's sent messages reported delivered by the end of the hold." },
  maxOptOutRate: { description: 'Gate: at most this share of the canary replied STOP (needs SMS_CONTACT_HISTORY on the server).' },
} as const;
/**
 * A/B variants. The schema asks a list and a string (anything else is a 400, as for every field); what is in them —
 * the count (two to five), each text's type and limits (as content's: 1-1024 characters, a valid template) and the
 * measure — is the library's to check, so that a bad list is a 422 VALIDATION_FAILED naming `variants`,
 * `variants[k]` (with the variant) or `winnerBy`, exactly as the library refuses it. The published document says
 * what a good list and measure are (openapi.ts adds variantsShape and winnerByShape).
 */
const variantsDescription =
  "A/B variants: two to five texts (each a text or template, with content's limits), given instead of content and tried on the canary (needed), split evenly over it: in canary batch b the recipient at index i gets text (b + i) % count. Once the canary is judged, the best by winnerBy is sent to the rest of the list; ties go to the earlier text. A bad list (too few or many texts, one that is not a string, too long or not a valid template, two the same) is a 422 VALIDATION_FAILED naming variants or variants[k].";
/** What a good list of variants is, for the published document (the route leaves these checks to the library). */
export const variantsShape = {
  type: 'array',
  minItems: MIN_VARIANTS,
  maxItems: MAX_VARIANTS,
  items: { type: 'string', minLength: 1, maxLength: 1024 },
} as const;
export const winnerByShape = { type: 'string', enum: WINNER_MEASURES } as const;
const winnerBy = {
  type: 'string',
  description:
    'How the winning variant is chosen: delivered (its delivery reports by the end of the hold among its sent, the default), clicks (recipients who followed a tracked link among its sent; needs trackLinks) or replies (recipients who replied among its sent; needs SMS_CONTACT_HISTORY on the server). Anything else is a 422 VALIDATION_FAILED naming winnerBy.',
} as const;

const shareNumber = { type: 'number', minimum: 0, maximum: 1 } as const;
const shareString = { type: 'string', pattern: '^(0(\\.[0-9]+)?|1(\\.0+)?)$' } as const;

export const recipientSchema = {
  type: 'object',
  description: 'A recipient; any other field is refused with the row number (a misspelt orderID would otherwise get a generated id).',
  properties: {
    number: { type: 'string', description: 'Spaces, dashes, parentheses and one leading + or 00 are dropped; 6-15 digits must remain.' },
    orderId: { type: 'string', description: 'Your id for this recipient, unique in the campaign; smsq-<row> when omitted.' },
    fields: {
      type: 'object',
      additionalProperties: { type: ['string', 'number'] },
      description: "Values for the content's {{field}} placeholders; a field missing (or empty) without a fallback makes the row invalid.",
    },
  },
} as const;

/** POST /v1/campaigns with `Content-Type: application/json`. Recipients are checked row by row by the library. */
export const enqueueJsonBody = {
  type: 'object',
  required: ['recipients'],
  additionalProperties: false,
  properties: {
    campaignId,
    content: { ...content, description: `${content.description} Required, unless variants gives the texts.` },
    variants: { type: 'array', description: variantsDescription },
    winnerBy,
    senderId,
    accounts: { type: 'array', items: { type: 'string' }, description: accountsDescription },
    recipients: { type: 'array', items: { type: 'object' } },
    skipInvalid: { ...skipInvalid, type: 'boolean' },
    balanceCheck,
    priority,
    maxRate: { type: 'number', exclusiveMinimum: 0, description: maxRateDescription },
    ignoreFrequencyCap,
    ...timing,
    validFor: { oneOf: [{ type: 'string' }, { type: 'number' }], description: timing.validFor.description },
    maxCost: { ...maxCost, type: 'number', exclusiveMinimum: 0 },
    callbackUrl,
    trackLinks: { ...trackLinks, type: 'boolean' },
    canary: { ...canaryFields.canary, oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }] },
    canaryHold: { ...canaryFields.canaryHold, oneOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] },
    maxFailedRate: { ...canaryFields.maxFailedRate, ...shareNumber },
    minDeliveredRate: { ...canaryFields.minDeliveredRate, ...shareNumber },
    maxOptOutRate: { ...canaryFields.maxOptOutRate, ...shareNumber },
    recoverSince,
  },
} as const;

/** POST /v1/campaigns with a streamed NDJSON or CSV body: the campaign's fields travel in the query string. */
export const enqueueStreamQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    campaignId,
    content: { ...content, description: `${content.description} Required, unless variant gives the texts.` },
    variant: {
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      description: `The parameter repeated once per text, in order: ?variant=A%20text&variant=B%20text. ${variantsDescription}`,
    },
    winnerBy,
    senderId,
    accounts: { type: 'string', description: `Comma-separated: a,b. ${accountsDescription}` },
    skipInvalid: { ...skipInvalid, type: 'string', enum: ['true', 'false'] },
    balanceCheck,
    priority,
    maxRate: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$', description: maxRateDescription },
    ignoreFrequencyCap: { ...ignoreFrequencyCap, type: 'string', enum: ['true', 'false'] },
    ...timing,
    maxCost: { ...maxCost, type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' },
    dryRun,
    callbackUrl,
    trackLinks: { ...trackLinks, type: 'string', enum: ['true', 'false'] },
    canary: { ...canaryFields.canary, type: 'string' },
    canaryHold: { ...canaryFields.canaryHold, type: 'string' },
    maxFailedRate: { ...canaryFields.maxFailedRate, ...shareString },
    minDeliveredRate: { ...canaryFields.minDeliveredRate, ...shareString },
    maxOptOutRate: { ...canaryFields.maxOptOutRate, ...shareString },
    recoverSince,
  },
} as const;

/** POST /v1/suppressions and /v1/suppressions/remove */
export const numbersBody = {
  type: 'object',
  required: ['numbers'],
  additionalProperties: false,
  properties: {
    numbers: {
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      items: { type: 'string' },
      description: 'Normalised as recipients are; one bad number refuses the call (422), nothing changed.',
    },
    reason: {
      type: 'string',
      maxLength: 24,
      description: 'Why (default manual): stop-reply, manual, import, complaint… Kept with each number.',
    },
  },
} as const;

/** POST /v1/suppressions/import */
export const suppressImportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 24, description: 'Reason for rows that give none (default import).' } },
} as const;

/** POST /v1/campaigns/:id/reschedule */
export const rescheduleBody = {
  type: 'object',
  required: ['sendAt'],
  additionalProperties: false,
  properties: { sendAt: timing.sendAt },
} as const;

/** POST /v1/campaigns/:id/pause */
export const pauseBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 500, description: 'Shown with the paused state.' } },
} as const;

/** POST /v1/campaigns/:id/max-cost: a new budget cap, or null to remove it. */
export const maxCostBody = {
  type: 'object',
  required: ['maxCost'],
  additionalProperties: false,
  properties: { maxCost: { type: ['number', 'null'], description: "The new cap in the prices' currency (above 0), or null for none." } },
} as const;

/** POST /v1/campaigns/:id/resend. Statuses are checked by the library, so that `unknown` is refused with its reason (422). */
export const resendBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: { type: 'string', maxLength: 20 },
      description:
        'Resend to the recipients whose result is one of these: failed, expired, undelivered (sent, reported undelivered), not-sent, cancelled. Default failed, expired, undelivered, not-sent. unknown is refused (422): those may have been sent.',
    },
    content: { ...content, description: `${content.description} Default: the first campaign's.` },
    campaignId: { ...campaignId, description: "The new campaign's id; default `<id>-resend` (`-resend-2`, … for a resend of a resend)." },
  },
} as const;

export const campaignParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: 'The campaign id.' } },
} as const;

const count = { type: 'integer', minimum: 0 } as const;

/** GET /v1/campaigns. The server's Ajv never coerces types: limit is text of digits, turned into a number by the route. */
export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: {
      type: 'string',
      enum: SHOWN_STATES,
      description: 'Only campaigns in this state, as shown (`running` leaves out those shown as `waiting-window`).',
    },
    priority: { type: 'string', enum: ['high', 'normal', 'low'], description: 'Only campaigns of this priority.' },
    tenant: {
      type: 'string',
      pattern: TENANT_PATTERN.source,
      description:
        "Only this tenant's campaigns. A tenant's key (or a read key bound to a tenant) always lists its own, whatever it gives.",
    },
    since: { type: 'string', description: 'Only campaigns created at or after this time (ISO 8601).' },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'Campaigns per page, 1 to 500 (default 50).' },
    cursor: { type: 'string', description: 'The `next` of the previous page.' },
  },
} as const;

export const campaignInfoSchema = {
  type: 'object',
  required: ['campaignId', 'state', 'content', 'batches', 'counts', 'createdAt'],
  properties: {
    campaignId: { type: 'string' },
    tenant: {
      type: 'string',
      description:
        "The tenant whose key queued it; absent: an admin's campaign. An admin sees such a campaign's campaignId as stored, `<tenant>~<id>`.",
    },
    parentId: {
      type: 'string',
      description: 'Set for a resend (POST /v1/campaigns/{id}/resend): the campaign whose recipients it sends to again.',
    },
    state: { type: 'string', enum: SHOWN_STATES },
    content: { type: 'string' },
    senderId: { type: 'string' },
    accounts: { type: 'array', items: { type: 'string' }, description: 'The gateway accounts the campaign pins; absent: any.' },
    priority: { type: 'string', enum: ['high', 'normal', 'low'] },
    maxRate: { type: 'number' },
    paused: {
      type: 'object',
      description: 'While paused: by whom (operator, account, budget), why, and when (ISO 8601; absent for a queue-wide pause).',
      properties: { by: { type: 'string' }, reason: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
    },
    schedule: {
      type: 'object',
      description:
        'With a schedule, window or validity: sendAt, window, timezone, expireAt (ISO 8601), and waiting: { batches, nextOpenAt } while recipients wait for their window.',
      properties: {
        sendAt: { type: 'string', format: 'date-time' },
        window: { type: 'string' },
        timezone: { type: 'string' },
        expireAt: { type: 'string', format: 'date-time' },
        waiting: { type: 'object', properties: { batches: count, nextOpenAt: { type: 'string', format: 'date-time' } } },
      },
    },
    batches: count,
    counts: {
      type: 'object',
      properties: Object.fromEntries(
        ['total', ...OUTCOME_LETTERS.map((l) => OUTCOMES[l].counter), 'pending', 'duplicatesSkipped', 'invalidSkipped'].map((k) => [
          k,
          count,
        ]),
      ),
    },
    delivery: {
      type: 'object',
      description: 'What delivery reports say of the sent messages; pending (no report yet) = sent - delivered - undelivered - expired.',
      properties: {
        ...Object.fromEntries(['delivered', 'undelivered', 'expired', 'pending', 'priced'].map((k) => [k, count])),
        deliveryRate: {
          type: 'number',
          nullable: true,
          description:
            'delivered / (delivered + undelivered): of the messages with a final report; null before the first. See pending for those without one yet.',
        },
        cost: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'Sum of the reports\' pricedetail.pay per currency, e.g. {"USD": "12.34"}.',
        },
      },
    },
    createdAt: { type: 'string', format: 'date-time', description: 'ISO 8601.' },
    firstBatchAt: { type: 'string', format: 'date-time', description: 'ISO 8601: when its first batch started.' },
    lastBatchAt: { type: 'string', format: 'date-time', description: 'ISO 8601: when its latest batch started.' },
    finishedAt: { type: 'string', format: 'date-time', description: 'ISO 8601; when the last recipient was settled.' },
    failure: { type: 'object', properties: { code: { type: 'string' }, reason: { type: 'string' } } },
    maxCost: { type: 'string', description: 'The budget cap, when the campaign has one.' },
    staging: {
      type: 'object',
      description:
        'Set while the campaign sends as its file is still being staged: recipients written so far of counts.total, and whether the producer staging it is alive (if not, queue the same campaign again to stage the rest, or cancel it).',
      properties: { staged: count, producerAlive: { type: 'boolean' } },
    },
    unstaged: {
      type: 'object',
      description:
        'Set when staging ended before the whole file was written (cancelled, failed or expired meanwhile; the file changed): recipients never queued, not in counts, and why.',
      properties: { count, reason: { type: 'string' } },
    },
    settleError: {
      type: 'string',
      description: "Set while automatic settling cannot read the gateway's records (getSentRcd): why the unknown recipients stay unknown.",
    },
    damaged: {
      type: 'array',
      items: { type: 'string' },
      description:
        "Set when fields of the campaign's record in Redis cannot be read (corrupt, or from another version): they are left out of this answer.",
    },
    canary: {
      type: 'object',
      description:
        'Set for a campaign with a canary: its size, hold (ms) and gates; its state (sending, holding, released, or stopped: a gate failed and the campaign is paused by canary); when its hold began; and, once judged, what it did.',
      properties: {
        size: count,
        holdMs: count,
        gates: {
          type: 'object',
          properties: { maxFailedRate: { type: 'number' }, minDeliveredRate: { type: 'number' }, maxOptOutRate: { type: 'number' } },
        },
        state: { type: 'string', enum: ['sending', 'holding', 'released', 'stopped'] },
        sentAt: { type: 'string', format: 'date-time' },
        failedGates: {
          type: 'array',
          description: 'With the figures: the gates they failed (empty when they held), each with its limit and the figure.',
          items: {
            type: 'object',
            properties: {
              gate: { type: 'string', enum: ['maxFailedRate', 'minDeliveredRate', 'maxOptOutRate'] },
              limit: { type: 'number' },
              value: { type: 'number' },
            },
          },
        },
        figures: {
          type: 'object',
          properties: {
            called: count,
            sent: count,
            failed: count,
            delivered: count,
            optOuts: count,
            failedRate: { type: 'number', nullable: true },
            deliveredRate: { type: 'number', nullable: true },
            optOutRate: { type: 'number', nullable: true },
          },
        },
      },
    },
    variants: {
      type: 'object',
      required: ['texts', 'winnerBy'],
      description:
        "Set for a campaign with A/B variants: its texts (variant A first), the measure (winnerBy), and once the canary is judged the index of the winning text (winner; the rest of the list gets it) and what each text did on its share of the canary (figures, in the texts' order). Rates are of its sent recipients, null when none was sent.",
      properties: {
        texts: { type: 'array', items: { type: 'string' } },
        winnerBy: winnerByShape,
        winner: { type: 'integer', minimum: 0, maximum: MAX_VARIANTS - 1, description: 'The winning text: 0 is variant A.' },
        figures: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              recipients: { ...count, description: 'Canary recipients given this text.' },
              called: { ...count, description: 'Those a call went to (sent, failed, unknown, not-sent).' },
              sent: count,
              failed: count,
              delivered: { ...count, description: 'Delivery reports of delivered received by the end of the hold.' },
              clickers: { ...count, description: 'Recipients who followed one of its tracked links at least once.' },
              replies: { ...count, description: 'Recipients who replied: counted when winnerBy is replies, 0 otherwise.' },
              deliveredRate: { type: 'number', nullable: true, description: 'delivered / sent.' },
              clickRate: { type: 'number', nullable: true, description: 'clickers / sent.' },
              replyRate: { type: 'number', nullable: true, description: 'replies / sent (with winnerBy replies).' },
            },
          },
        },
      },
    },
    links: {
      type: 'object',
      description:
        "Set for a campaign with tracked links: clicks on its short links, the recipients who clicked at least once (clickers), clickRate = clickers / sent (null before the first send), and the robots' and HEAD requests' visits, counted apart (previews).",
      properties: {
        baseUrl: { type: 'string', description: 'The LINK_BASE_URL its short links were made under.' },
        clicks: count,
        clickers: count,
        clickRate: { type: 'number', nullable: true },
        previews: count,
      },
    },
    outcomeCodes: {
      type: 'object',
      description: 'Failed and unknown recipients per gateway status or error code.',
      properties: { failed: { type: 'object', additionalProperties: count }, unknown: { type: 'object', additionalProperties: count } },
    },
  },
} as const;

const rowProblemSchema = {
  type: 'object',
  properties: {
    row: count,
    field: {
      type: 'string',
      description: 'The field at fault (number, orderId, timezone, fields.NAME, text); absent when the whole row is.',
    },
    value: { type: 'string' },
    reason: { type: 'string' },
  },
} as const;

export const enqueueResultSchema = {
  type: 'object',
  properties: {
    campaignId: { type: 'string' },
    created: { type: 'boolean', description: 'False when the same campaign was already queued: nothing new was queued.' },
    resumed: {
      type: 'boolean',
      description:
        'True when that campaign was still being staged by a producer that stopped: the batches it had not written were written now.',
    },
    total: count,
    batches: count,
    duplicatesSkipped: count,
    invalidSkipped: count,
    recovered: {
      ...count,
      description:
        "With recoverSince, when the campaign was created: recipients found in the gateway's records, recorded sent and not sent again.",
    },
    invalidRows: { type: 'array', items: rowProblemSchema, description: 'With skipInvalid: the skipped rows (first 1,000).' },
    warnings: {
      type: 'array',
      items: { type: 'string' },
      description:
        'With balanceCheck=warn: why the balance (of each account, named when SMS_ACCOUNTS is set) may not cover the campaign; characters that force texts into UCS-2 and what they cost; a maxCost that could not be checked; recipients with no gateway account that may send to them (NO_ROUTE).',
    },
    noRoute: {
      type: 'object',
      description:
        'Set when recipients have no gateway account that may send to them: queued, they end failed NO_ROUTE. rows: the first 20 (line of a file, position in a list); numbers: theirs.',
      properties: { count, rows: { type: 'array', items: count }, numbers: { type: 'array', items: { type: 'string' } } },
    },
    texts: {
      type: 'object',
      description: 'Encodings, segments and estimated cost of the queued texts.',
      properties: {
        encodings: { type: 'object', properties: { 'GSM-7': count, 'UCS-2': count } },
        segments: count,
        cost: { type: 'object', additionalProperties: { type: 'string' } },
        priceSource: { type: 'string' },
        unpriced: count,
        warnings: { type: 'array', items: { type: 'string' } },
      },
    },
  },
} as const;

export const recipientResultSchema = {
  type: 'object',
  properties: {
    number: { type: 'string' },
    orderId: { type: 'string' },
    status: { type: 'string', enum: ['sent', 'failed', 'unknown', 'cancelled', 'not-sent', 'suppressed', 'capped', 'expired', 'pending'] },
    msgId: { type: 'string' },
    code: { type: 'string' },
    reason: { type: 'string' },
    delivery: { type: 'string', enum: ['delivered', 'undelivered', 'pending', 'expired'], description: 'Sent recipients only.' },
    deliveryCode: { type: 'string' },
    deliveryReason: { type: 'string' },
    reportedAt: { type: 'string', description: 'ISO 8601: when the report says the message was delivered or failed.' },
    price: { type: 'string' },
    currency: { type: 'string' },
    account: {
      type: 'string',
      description:
        'The gateway account the call went to: on sent, unknown and not-sent recipients (`default` without SMS_ACCOUNTS), and on failed ones a call of a named account failed.',
    },
    clicks: {
      type: 'integer',
      description: "With tracked links: how many times the recipient followed its links (robots' and HEAD requests not counted).",
    },
    firstClickAt: { type: 'string', description: 'With tracked links: ISO 8601, when the recipient first followed one.' },
    variant: {
      type: 'string',
      enum: ['A', 'B', 'C', 'D', 'E'],
      description:
        "With A/B variants: the text the recipient got or will get (A is the first). A canary recipient's own; outside the canary the winner's once the canary is judged, absent before.",
    },
    content: {
      type: 'string',
      description: "With withContent=true: the recipient's text, rendered from the template for a personalised campaign.",
    },
  },
} as const;

/** GET /v1/campaigns/:id/recipients/:number: a number as people write it, normalised as recipients are. */
export const recipientParams = {
  type: 'object',
  required: ['id', 'number'],
  properties: {
    id: { type: 'string', description: 'The campaign id.' },
    number: { type: 'string', maxLength: 32, description: "The recipient's number (`+44 7700 900123` or `447700900123`)." },
  },
} as const;

const at = { type: 'string', description: 'ISO 8601.' } as const;
const traceStep = (kind: string, required: readonly string[], properties: Record<string, object>) =>
  ({ type: 'object', required: ['kind', ...required], properties: { kind: { type: 'string', enum: [kind] }, ...properties } }) as const;

/** A recipient's trace (producer/operator/trace-steps.ts): its steps in time order, each told apart by `kind`. */
export const recipientTraceSchema = {
  type: 'object',
  required: ['campaignId', 'number', 'orderId', 'batch', 'index', 'status', 'steps', 'notes'],
  properties: {
    campaignId: { type: 'string' },
    number: { type: 'string' },
    orderId: { type: 'string' },
    batch: count,
    index: count,
    status: recipientResultSchema.properties.status,
    steps: {
      type: 'array',
      items: {
        oneOf: [
          traceStep('staged', ['at', 'batch', 'index', 'orderId'], { at, batch: count, index: count, orderId: { type: 'string' } }),
          traceStep('canary', ['part', 'state'], {
            part: { type: 'string', enum: ['canary', 'rest'] },
            state: { type: 'string', enum: ['sending', 'holding', 'released', 'stopped'] },
            variant: { type: 'string', description: 'With A/B variants: the text the recipient got or gets, "A" to "E".' },
            winner: { type: 'string' },
            winnerBy: { type: 'string', enum: ['delivered', 'clicks', 'replies'] },
          }),
          traceStep('window-hold', ['until'], { until: at }),
          traceStep('call', ['at', 'attempt', 'account', 'recipients', 'verdict', 'code', 'reason', 'next'], {
            at,
            attempt: { type: 'integer', minimum: 1 },
            account: { type: 'string' },
            recipients: count,
            verdict: {
              type: 'string',
              enum: CALL_VERDICTS,
            },
            code: { type: 'string', description: "The gateway's status (`0` accepted), or smsq's code for an answer it could not read." },
            reason: { type: 'string' },
            next: { type: 'string', enum: ['sent', 'retried', 'split', 'stopped', 'failed', 'unknown', 'retried-at-once'] },
            msgId: { type: 'string' },
          }),
          traceStep('kept-out', ['status'], { status: { type: 'string', enum: ['suppressed', 'capped'] }, reason: { type: 'string' } }),
          traceStep('outcome', ['status'], {
            at,
            status: recipientResultSchema.properties.status,
            msgId: { type: 'string' },
            code: { type: 'string' },
            reason: { type: 'string' },
            account: { type: 'string' },
          }),
          traceStep('delivery', ['state'], {
            at,
            state: { type: 'string', enum: ['delivered', 'undelivered', 'expired'] },
            code: { type: 'string' },
            reason: { type: 'string' },
            price: { type: 'string' },
            currency: { type: 'string' },
          }),
          traceStep('webhook', ['at', 'event', 'id', 'delivery'], {
            at,
            event: { type: 'string', enum: ['recipients.settled'] },
            id: { type: 'string' },
            delivery: { type: 'string', enum: ['delivered', 'failed', 'pending'] },
          }),
          traceStep('reply', ['at', 'text'], { at, text: { type: 'string' }, keyword: { type: 'string' } }),
          traceStep('clicks', ['at', 'clicks'], { at, clicks: count }),
        ],
      },
    },
    notes: { type: 'array', items: { type: 'string' }, description: 'What the trace could not show.' },
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable; see docs/http-api.md, Error codes.' },
        message: { type: 'string' },
        details: { type: 'object', description: 'VALIDATION_FAILED: rows [{row, value, reason}] (first 1,000) and invalidCount.' },
      },
    },
  },
} as const;

export const readinessSchema = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    redis: {
      type: 'string',
      enum: ['ok', 'unreachable', 'full', 'read-only'],
      description: 'full or read-only: Redis refuses writes (OOM, a replica, NOREPLICAS, MISCONF).',
    },
    queue: { type: 'string', enum: ['running', 'paused', 'account-stop', 'unknown'] },
    accountStop: { type: 'object', description: 'Why sending stopped: code, reason, operatorAction, at.' },
  },
} as const;

/** GET /v1/accounts */
export const accountsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    balance: {
      type: 'string',
      enum: ['true', 'false'],
      description: "false: leave out each account's balance (no getBalance call), for a page that polls; default true.",
    },
  },
} as const;

/** POST /v1/accounts/:name/resume. Any name is taken: one not configured is a 404 ACCOUNT_NOT_FOUND. */
export const accountParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 100, description: 'The account name, as in SMS_ACCOUNTS (default without it).' } },
} as const;

const accountStopSchema = {
  type: 'object',
  nullable: true,
  description:
    'Why its gateway stopped it (a status no retry mends: -1, -2, -10, -13, -19…), until an operator resumes it; null when not stopped.',
  properties: {
    code: { type: 'string' },
    reason: { type: 'string' },
    operatorAction: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
  },
} as const;

export const accountSchema = {
  type: 'object',
  required: ['name', 'gateway', 'state', 'stop', 'breaker', 'maxRate', 'priority', 'weight', 'prefixes', 'countries', 'senderIds'],
  properties: {
    name: { type: 'string' },
    gateway: { type: 'string', description: "The base URL's scheme, host and port: never its path or credentials." },
    state: {
      type: 'string',
      enum: ['ok', 'stopped', 'open', 'probe'],
      description:
        'stopped: see stop; open: its circuit breaker routes its traffic to the other accounts until breaker.probeAt; probe: that time is up, the next call through it tries it.',
    },
    stop: accountStopSchema,
    breaker: {
      type: 'object',
      properties: {
        failures: { ...count, description: 'Transient failures in a row.' },
        probeAt: { type: 'string', format: 'date-time', description: 'While open: when one call may try the account again.' },
      },
    },
    balance: {
      type: 'object',
      description: 'Its getBalance, as GET /v1/balance gives it; absent with balance=false or when it could not be read.',
      properties: {
        balance: { type: 'string' },
        gift: { type: 'string' },
        credit: { type: 'string' },
        available: { type: 'string' },
        lastPrice: { type: 'object', nullable: true },
        messages: { type: 'integer', nullable: true },
      },
    },
    balanceUnavailable: { type: 'string', description: 'Why its balance could not be read (the other accounts are listed all the same).' },
    maxRate: { type: 'number', description: 'Recipients per second through it, across all workers; 0: no limit of its own.' },
    priority: { type: 'integer', description: 'Lower is tried first.' },
    weight: { type: 'integer', description: 'Its share of the traffic among the accounts of its priority.' },
    prefixes: { type: 'array', items: { type: 'string' }, description: 'Leading digits of the numbers it may send to; empty: any.' },
    countries: { type: 'array', items: { type: 'string' }, description: 'ISO 3166 countries it may send to; empty: any.' },
    senderIds: { type: 'array', items: { type: 'string' }, description: 'Sender IDs it may send with; empty: any.' },
  },
} as const;

export const accountResumedSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    cleared: {
      type: 'object',
      description: 'What was cleared: its stop (null if none) and its breaker.',
      properties: { stop: accountStopSchema, failures: count, breakerOpen: { type: 'boolean' } },
    },
  },
} as const;

/** POST /v1/webhooks/retry: which failed events to re-send. */
export const webhookRetryBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ids: { type: 'array', items: { type: 'string' }, maxItems: 10_000, description: 'webhook-ids from GET /v1/webhooks/failed.' },
    all: { type: 'boolean', description: 'Re-send every failed event.' },
  },
} as const;

export const failedWebhookSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'The webhook-id.' },
    type: { type: 'string' },
    campaignId: { type: 'string' },
    url: { type: 'string', description: 'The target, without credentials or query string.' },
    attempts: count,
    reason: { type: 'string', description: 'The last failure and why it stopped (retries exhausted, 410 Gone).' },
    createdAt: { type: 'integer' },
    failedAt: { type: 'integer' },
  },
} as const;
