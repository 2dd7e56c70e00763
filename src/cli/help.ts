/**
 * `smsq <command> --help`: one text per command, printed before the command loads (so help needs no Redis and no
 * configuration). `smsq simulator --help` keeps its own, longer text beside its options.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ENV = 'Configuration comes from the environment (REDIS_URL, QUEUE_PREFIX, ...): see docs/configuration.md.';

export const COMMAND_HELP: Record<string, string> = {
  worker: `Usage: smsq worker

Runs a worker until SIGINT/SIGTERM: it takes campaigns and batches from the queue and calls the gateway. On the
first signal it stops taking batches and finishes those in flight (up to SHUTDOWN_GRACE_MS); a second exits at once.
With METRICS_PORT set it serves /metrics and /healthz. Needs SMS_API_BASE_URL and the gateway credentials.`,
  server: `Usage: smsq server [--port N]

Serves the campaign console (/), the HTTP API (/v1, described at /openapi.json), bull-board (/admin/queues) and
/metrics until SIGINT/SIGTERM.

  --port N   port to listen on (default SERVER_PORT, or 3000; 0 picks a free one)

The console and bull-board need DASHBOARD_USER and DASHBOARD_PASSWORD (without them the server listens on
127.0.0.1 only); the API needs API_TOKEN.`,
  enqueue: `Usage: smsq enqueue FILE|- (--content TEXT | --content-file F | --variant TEXT --variant TEXT...) [options]

Queues a campaign from a CSV or NDJSON ({"number","orderId"} per line) file, or from stdin with -. A CSV header
names its columns (number, orderId, timezone, and template fields by name; docs/campaigns.md, CSV files); without one a
row is number[,orderId]. Prints the campaign id on stdout; bad rows go to stderr and, unless --skip-invalid, nothing
is queued (exit 1). A FILE is read twice: validated whole, then queued and staged while its first batches send;
if the command stops before it ends, run it again with the --campaign-id it printed to stage the rest. stdin is
staged whole before the campaign starts.

  --content TEXT         the message (1-1024 characters)
  --content-file F       the message, read from a file (its final newline dropped)
  --variant TEXT         A/B variants instead of --content: give it once per text, two to five times (variant A
                         first; each a text or template as --content). Needs --canary: the texts are split evenly
                         over the canary, and once it is judged the best one is sent to the rest
  --winner-by M          how the best variant is chosen: delivered (delivery reports by the hold's end, the
                         default), clicks (needs --track-links) or replies (needs SMS_CONTACT_HISTORY); ties go to
                         the earlier text
  --sender-id ID         sender id (default SMS_SENDER_ID)
  --accounts a,b         send only through these gateway accounts (SMS_ACCOUNTS names; UNKNOWN_ACCOUNT otherwise);
                         recipients no account may send to are queued, named in a warning and end failed NO_ROUTE
  --campaign-id ID       your id; the same id twice never sends twice (default: generated)
  --format csv|ndjson    the file's format when its name does not say (.csv, .ndjson, .jsonl)
  --skip-invalid         queue the valid rows and list the bad ones
  --keep-duplicates      send a number listed twice twice
  --check-balance        compare the gateway balance with the campaign's cost first, and warn
  --require-balance      ... and refuse when it does not cover it (BALANCE_INSUFFICIENT)
  --no-balance-check     do not look at the balance at all
  --max-cost AMOUNT      refuse above this estimated cost (BUDGET_EXCEEDED); pause when the reported cost reaches it
  --priority P           the campaign's lane: high, normal (default) or low
  --max-rate N           at most N recipients per second for this campaign, across all workers
  --ignore-frequency-cap send even to numbers that reached SMS_FREQUENCY_CAP (one-time passwords)
  --send-at ISO          send nothing before this time (ISO 8601 with an offset); scheduled until then
  --window SPEC          recipients' local hours: 08:00-21:00, 'Mon-Fri 09:00-18:00', or tcpa
  --timezone ZONE        the window's IANA zone (default: every zone of each number's country)
  --valid-for 6h         recipients not sent within this (from --send-at, or now) end expired
  --expire-at ISO        ... or not sent by this time
  --callback-url URL     send this campaign's webhook events there (http or https) instead of WEBHOOK_URL
  --track-links          give each recipient's http(s) links short links of their own under LINK_BASE_URL (needed),
                         which smsq server redirects and counts clicks on (smsq status, smsq results)
  --canary N|P%          send N recipients (or P% of the list), drawn at random, first; the rest waits
  --canary-hold 10m      ... this long once the canary is settled (default 10m, at most 7d), then goes only if:
  --max-failed-rate R    ... at most R (0.05 = 5%) of the canary failed,
  --min-delivered-rate R ... at least R of its sent messages were reported delivered,
  --max-opt-out-rate R   ... at most R of it replied STOP (needs SMS_CONTACT_HISTORY); otherwise the campaign is
                         paused by canary with the figures (smsq status): smsq resume sends the rest, smsq cancel not
  --json                 print the result as JSON (campaignId, counts, texts' segments and cost, warnings: the API's
                         answer) on stdout instead of the id alone
  --recover-since ISO    Redis lost this campaign: numbers the gateway's records show since ISO (when it started
                         sending) are recorded sent, not sent again; the file is staged whole first`,
  preview: `Usage: smsq preview FILE|- (--content TEXT | --content-file F | --variant TEXT...) [enqueue's options] [--json]

What smsq enqueue would queue, validated and counted by the same code, queueing nothing: recipients, invalid rows,
duplicates, numbers on the suppression list, encodings, segments, estimated cost (and where the prices come from),
how the recipients split over the gateway accounts and those no account may send to (NO_ROUTE), and a few
rendered texts. With --track-links the segments and samples count each link as its short link, written
LINK_BASE_URL/xxxxxxxxx (a code is 9 characters). With --variant, each variant's encodings, segments and estimated
cost as if every recipient got it; the campaign's segments and cost (and the --max-cost check) are the costliest
variant's. Exit 1 when the enqueue would refuse the campaign.`,
  'max-cost': `Usage: smsq max-cost ID AMOUNT|none

Sets, raises or (with none) removes a campaign's budget cap; a campaign paused by its budget then needs
smsq resume ID.`,
  reschedule: `Usage: smsq reschedule ID --send-at ISO

Moves a scheduled campaign's start (only while it is scheduled: CAMPAIGN_STARTED after).`,
  suppress: `Usage: smsq suppress add NUMBER... [--reason R] | remove NUMBER... | import FILE|- [--reason R] [--format csv|ndjson]
                     | list [--format csv|ndjson] | check NUMBER

The suppression list: numbers never sent to, checked at the start of every call. add and remove normalise numbers
as recipients are (one bad number changes nothing); import streams a list (CSV: a number per line; NDJSON:
{"number","reason"}) and imports its valid rows, naming the bad ones (exit 1 when some were bad); check exits 0
when the number is suppressed, 1 when not.`,
  replies: `Usage: smsq replies [--campaign ID] [--since ISO] [--format csv|ndjson]

The replies received (polled with recordMo and pushed to /v1/replies/:token), oldest first, streamed.

  --campaign ID   only replies attributed to this campaign (the last that sent to the number)
  --since ISO     only replies the gateway received at or after this time
  --format F      csv (default) or ndjson`,
  status: `Usage: smsq status ID [--json]

State and counts of a campaign: its recipients' outcomes (sent, failed, unknown, cancelled, and not-sent,
suppressed, capped, expired when there are some) and how many are still pending; delivery reports (delivered,
undelivered, pending, expired, delivery rate = delivered / (delivered + undelivered)) and cost; with tracked links,
the clicks, the recipients who clicked (and their share of those sent) and the robot or HEAD visits not counted;
with a canary, its state, figures and gates; with A/B variants, each variant's share of the canary, sent, delivered
rate (and click or reply rate when that is the measure) and, once the canary is judged, the winner. Says so when no worker is connected to the queue. --json prints the API's JSON (times in ISO 8601).`,
  wait: `Usage: smsq wait ID [--timeout SECONDS] [--interval MS]

Blocks until the campaign has ended with every recipient settled, with a progress bar on a terminal, then prints
its status. Exit 0 when it completed, 1 when it failed, was cancelled or the timeout passed. Says so on stderr
while no worker is connected to the queue.

  --timeout SECONDS   give up after this long (default: never)
  --interval MS       how often to look (default 500)`,
  results: `Usage: smsq results ID [--format csv|ndjson] [--with-content]

One line per recipient, in the order queued, streamed to stdout: number, orderId, status, msgId, code, reason,
the delivery report's fields, the gateway account the call went to, clicks and firstClickAt (tracked links; empty
without them) and, last, variant (A/B variants: the text the recipient got, A to E; empty without them). CSV by default. --with-content adds each recipient's text, rendered from the template
(the column before account).`,
  trace: `Usage: smsq trace ID NUMBER [--json]

Every step smsq keeps about one recipient of a campaign, in time order: its row (batch, index, orderId), each call it
went in (time, gateway account, the gateway's answer and what smsq did next: sent, retried, split…), a suppression or
frequency cap that settled it at a call's start, its outcome, its delivery report, the recipients.settled webhook
event that carried it, replies from its number attributed to the campaign and its clicks. Kept as long as results
(RESULT_RETENTION_SECONDS). Exit 1 with RECIPIENT_NOT_FOUND for a number that is not one of its recipients.

  --json   the trace as JSON (the shape of GET /v1/campaigns/:id/recipients/:number)`,
  list: `Usage: smsq list [--state S] [--priority P] [--since TIME] [--limit N] [--json]

Campaigns, newest first, with state, progress and delivery rate; all of them, page by page.

  --state S        only campaigns shown in this state (scheduled, queued, running, waiting-window, paused,
                   completed, failed, cancelled)
  --priority P     only campaigns of this priority (high, normal, low)
  --since TIME     only campaigns created at or after TIME (ISO 8601, e.g. 2026-01-31 or 2026-01-31T08:00:00Z)
  --limit N        at most N campaigns (default: all)
  --json           one JSON object per line (NDJSON), as GET /v1/campaigns lists them`,
  cancel: `Usage: smsq cancel ID

Cancels a campaign: no call of it starts once this returns; its unsent recipients end cancelled. Calls in
flight finish.`,
  settle: `Usage: smsq settle ID [--resend] [--json]

Settles the campaign's unknown recipients from the gateway's sent records (getSentRcd): found → sent with its
msgId; not found once the gateway had time to record it → not-sent. Exit 1 while some remain unknown (too recent).

  --resend   queue the not-sent recipients again
  --json     print the result as JSON`,
  resend: `Usage: smsq resend ID [--status failed,expired,undelivered,not-sent] [--content TEXT] [--campaign-id NEW] [--json]

Queues a new campaign, linked to campaign ID (its parentId), to ID's recipients whose result is one of --status,
each with its orderId and fields, with ID's settings (sender ID, priority, accounts, max rate, window, tracked
links, callback URL) and its content unless --content is given. ID must have ended. Those on the suppression list
or at the frequency cap now are left out and counted. The new id is the last line of stdout (ID-resend, or
ID-resend-2, … for a resend of a resend); running the same resend again queues nothing new.

  --status S,S        failed, expired, undelivered (sent, reported undelivered), not-sent, cancelled; default
                      failed,expired,undelivered,not-sent. unknown is refused: those may have been sent (settle first)
  --content TEXT      the new campaign's text (a template is filled from the same fields)
  --campaign-id NEW   the new campaign's id
  --json              print the result as JSON
Exit 1 with NOTHING_TO_RESEND (no campaign created) when no recipient is left to send to.`,
  reconcile: `Usage: smsq reconcile ID [--resend] [--json]

The old name of smsq settle, which it runs (deprecated): see smsq settle --help.`,
  balance: `Usage: smsq balance [--json]

The gateway balance, gift and credit, and how many messages they pay for at the last price a delivery report gave.`,
  accounts: `Usage: smsq accounts [--json] | smsq accounts resume NAME

Every gateway account (SMS_ACCOUNTS; without it the one account SMS_API_* describe, named default), in the
configuration's order: its state, its gateway (scheme, host and port), its balance, its limits (priority, weight,
max rate) and whom it may send to (prefixes, countries, sender IDs). The state is one of
  ok                          it sends
  stopped CODE reason — action  its gateway refused it (-10: no balance, -1: bad key, ...); fix it, then resume it
  breaker open until TIME     transient failures in a row: its traffic goes to the other accounts until then
  probe                       the breaker's time is up: the next call through it tries it
An account whose balance cannot be read says why; the others are listed all the same.

  --json         the list as GET /v1/accounts answers it (times in ISO 8601)
  resume NAME    clear that account's stop and breaker, so that every worker sends through it again (a name not
                 configured is a usage error, exit 2); smsq resume clears every account's and restarts the queue`,
  audit: `Usage: smsq audit [--tenant T] [--campaign ID] [--since ISO|24h] [--limit N] [--json]

The audit trail, newest first: every change (enqueue, pause, resume, cancel, reschedule, max-cost, settle,
suppression add, remove and import, queue pause and resume, account resume, webhook retry, keys) with when, the key
that made it (its name: an API key's, API_TOKEN, dashboard:USER, cli:USER), the tenant and campaign it concerns
and what changed. Kept as long as results (RESULT_RETENTION_SECONDS).

  --tenant T       only entries about this tenant
  --campaign ID    only entries about this campaign: its stored id (shop~spring-sale), or with --tenant its own id
  --since TIME     only entries from TIME on: ISO 8601 (2026-01-31, 2026-01-31T08:00:00Z) or how long ago (24h, 7d)
  --limit N        at most N entries, 1 to 1000 (default 100)
  --json           one JSON object per line (NDJSON), as GET /v1/audit gives each entry`,
  keys: `Usage: smsq keys create --name N --scope admin|tenant|read [--tenant T] [--expires 90d] [limits] [webhook] [--json]
       smsq keys list [--json]
       smsq keys revoke ID
       smsq keys update ID [limits, each N|none] [--webhook-url URL|none] [--webhook-secret S] [--json]

API keys for the HTTP API. create prints the key once (Redis keeps only its SHA-256): store it then. Scopes: admin
(everything, as API_TOKEN), tenant (its tenant's own campaigns and suppression entries; --tenant, or its name), read
(reads only; with --tenant, that tenant's). list shows each key without the key: its status, when it was created,
expires and was last used (to the minute), and its tenant's limits and use today (UTC). revoke refuses the key on
every server from its next request. update changes the limits and webhook of the key's tenant, shared by all its
keys. Every change is in the audit trail as cli:USER.

  --name N                    what the audit trail and the list call it: letters, digits, _ . - (at most 48)
  --scope S                   admin, tenant or read
  --tenant T                  the tenant: lower-case letters, digits, - (at most 16)
  --expires 90d               the key's life (m, h or d; at most 3650d); default: until revoked
  --json                      create: {"id","name","scope","key"} (and tenant, webhookSecret); list: {keys, unreadable}
Limits of the tenant (update: none removes one):
  --lanes high,normal         the priorities its campaigns may use
  --max-rate N                the highest maxRate (recipients/s) a campaign may ask; also its default
  --recipients-per-day N      recipients it may queue per UTC day
  --spend-per-day AMOUNT      estimated cost (price table) it may queue per UTC day
The tenant's webhook (its own events only, signed with its own secret):
  --webhook-url URL|none      where its campaigns' events go (update: none removes the webhook)
  --webhook-secret whsec_...  its signing secret; without one the tenant keeps its own, or gets a new one, printed
                              once (update: alone, it replaces the secret of the tenant's webhook)`,
  pause: `Usage: smsq pause [ID] [--reason TEXT]

With an id: pauses that campaign — none of its batches starts until smsq resume ID, batches in flight finish, other
campaigns go on. Without one: stops sending for the whole queue until smsq resume.`,
  resume: `Usage: smsq resume [ID]

With an id: resumes that campaign. Without one: restarts sending for the whole queue, and clears an account-level
stop a worker recorded (after a top-up).`,
};

/** The help text of `command`, with the configuration note; undefined for a command that prints its own. */
export function commandHelp(command: string): string | undefined {
  const text = COMMAND_HELP[command];
  return text === undefined ? undefined : `${text}\n\n${ENV}`;
}

export const wantsHelp = (argv: string[]): boolean => argv.includes('--help') || argv.includes('-h');

/** The version in package.json, read from the installed package (dist/cli or src/cli, both two levels down). */
export function version(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}
