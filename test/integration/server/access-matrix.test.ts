/**
 * Who may call what: every API route the server registers × every kind of caller (test/support/access-callers.ts)
 * × whose campaign it names (the caller's own, another tenant's, an admin's). Each answer is derived from the access
 * table (src/server/access.ts) and isolation's rule — 401 without a valid key, 403 FORBIDDEN where the scope does not
 * reach the route, 404 CAMPAIGN_NOT_FOUND for a campaign not the tenant's own — and each outcome is checked: a
 * refused change changed nothing, an allowed one did what it says. A route registered without a fixture here fails
 * the file, so none is added untested. The console's mounted API is walked the same way with its logins.
 */
import type { LightMyRequestResponse as Response } from 'fastify';
import { ownedId, ownerOf } from '../../../src/shared/tenants/campaign-owner';
import type { CampaignInfo } from '../../../src/shared/types';
import {
  apiCallers,
  type Caller,
  consoleCallers,
  describeExpected,
  expected,
  makeKeys,
  namings,
  OWNERS,
  type Owner,
  type Target,
  tenantOf,
  type Keys,
} from '../../support/access-callers';
import { useCampaignStack } from '../../support/campaigns';
import { errorCode } from '../../support/server';

const stack = useCampaignStack('access-matrix', { app: 'inject' });

const CONSOLE_API = '/console/api';
/** Far enough ahead that no campaign of the file ever sends (no worker runs either). */
const SEND_AT = new Date(Date.now() + 7 * 86_400_000).toISOString();
const LATER = new Date(Date.now() + 8 * 86_400_000).toISOString();
const STOP = { code: '-10', reason: 'balance insufficient', operatorAction: 'top up the account', at: Date.parse('2026-12-07T09:00:00Z') };

/** Routes other helpers are adding now: their fixtures run once the route is registered, and wait until then. */
const IN_PROGRESS = new Set(['GET /whoami', 'GET /campaigns/:id/audit', 'GET /tenants']);
/** The gateway's push addresses: no key, their secret is in the path (delivery-api and replies tests cover them). */
const PUSH_ROUTES = new Set(
  ['/v1/delivery-reports/:token', '/v1/replies/:token'].flatMap((url) => [`POST ${url}`, `POST ${url}/accounts/:account`]),
);

let keys: Keys;
let seq = 0;
let nextNumber = 447_700_500_000;
const number = () => String(nextNumber++);

/** The read campaigns: one per owner, each id its owner's only, plus `shared`, an id every owner uses for its own. */
const READ_IDS: Record<Owner, string> = { admin: 'only-admin', shop: 'only-shop', billing: 'only-billing' };
const readNumbers = new Map<string, string[]>();
const contentOf = (owner: Owner) => `for ${owner} only`;

async function enqueueFor(owner: Owner, plainId: string, count = 1): Promise<string> {
  const storedId = ownedId(tenantOf(owner), plainId);
  const recipients = Array.from({ length: count }, () => ({ number: number() }));
  await stack.producer.enqueueCampaign({ campaignId: storedId, content: contentOf(owner), sendAt: SEND_AT, recipients });
  readNumbers.set(
    storedId,
    recipients.map((r) => r.number),
  );
  return storedId;
}

/** What a refused change must leave as it was. */
async function snapshot(storedId: string) {
  const c = await stack.producer.getCampaign(storedId);
  return { state: c.state, paused: c.paused ?? null, schedule: c.schedule ?? null, maxCost: c.maxCost ?? null, counts: c.counts };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

async function exists(storedId: string): Promise<boolean> {
  return stack.producer.getCampaign(storedId).then(
    () => true,
    (err: { code?: string }) => {
      if (err.code === 'CAMPAIGN_NOT_FOUND') return false;
      throw err;
    },
  );
}

/** One call of a route, and what it was called with. */
interface Case {
  caller: Caller;
  target?: Target;
  /** The stored id of the target campaign. */
  storedId?: string;
  /** A number unique to the case, for ids and phone numbers it makes. */
  n: number;
  /** '' for the API, or the console's mount. */
  base: string;
  res: Response;
}

interface Request {
  url: string;
  payload?: string | object;
  headers?: Record<string, string>;
}

interface Fixture {
  /** The route as the access table names it (the console's own routes without /console/api). */
  route: string;
  /** Where it is registered: the /v1 API (default), the console's mounted API, or both. */
  where?: 'api' | 'console' | 'both';
  /** Takes a campaign id: `reads` one of the file's read campaigns, `changes` a fresh one per call. */
  campaign?: 'reads' | 'changes';
  request(id: string, n: number): Request;
  /**
   * Before each call: readies what the call acts on (a fresh campaign already exists, by its stored id); returns the
   * id the request names when it makes that itself (a key).
   */
  before?(n: number, storedId?: string): Promise<string | void>;
  /** After a success: a problem with the answer or what Redis holds, or null. */
  succeeded?(c: Case): Promise<string | null> | string | null;
  /** After a refusal: a problem if the call changed something, or null. */
  refused?(c: Case): Promise<string | null> | string | null;
  /** For `changes`: a problem if the campaign does not show the change, or null. */
  effect?(before: Snapshot, after: Snapshot): string | null;
  /** After each call: undoes what would change the next (the queue paused, an account stopped). */
  after?(): Promise<void>;
}

const routeUrl = (route: string) => route.slice(route.indexOf(' ') + 1);
/** The first number of the read campaign a caller names `id` (read campaigns' plain ids differ by owner). */
const firstNumberOf = (id: string): string => {
  for (const [storedId, numbers] of readNumbers) if (ownerOf(storedId).campaignId === ownerOf(id).campaignId) return numbers[0];
  return '447700000000';
};
const fill = (route: string, id: string) => routeUrl(route).replace(':id', encodeURIComponent(id));
const lines = (body: string) => body.split('\n').filter((l) => l.trim() !== '');
const problem = (ok: boolean, what: string) => (ok ? null : what);

/** The number a suppression call of case `n` adds, removes or imports: one of its own, no campaign's recipient. */
const listed = (n: number) => String(447_700_600_000 + n);

async function suppressed(num: string): Promise<boolean> {
  return (await stack.producer.suppressions.check(num)) !== null;
}

/** Every page of GET /v1/campaigns as the caller sees it. */
async function listAs(caller: Caller, base: string, filter = ''): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const res = await stack.server.app.inject({
      method: 'GET',
      url: `${base}/v1/campaigns?limit=500${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      headers: caller.headers,
    });
    const page = res.json<{ campaigns: CampaignInfo[]; next?: string }>();
    ids.push(...page.campaigns.map((x) => x.campaignId));
    cursor = page.next;
  } while (cursor);
  return ids.sort();
}

/**
 * Every campaign in Redis as its caller should see it: a tenant its own without the prefix, others every one as
 * stored, or with `only` one tenant's.
 */
async function truthFor(tenant: string | undefined, only?: string): Promise<string[]> {
  const all: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await stack.producer.listCampaigns({ limit: 500, cursor });
    all.push(...page.campaigns.map((x) => x.campaignId));
    cursor = page.next;
  } while (cursor);
  if (tenant === undefined) return all.filter((id) => only === undefined || ownerOf(id).tenant === only).sort();
  return all
    .filter((id) => ownerOf(id).tenant === tenant)
    .map((id) => ownerOf(id).campaignId)
    .sort();
}

const FIXTURES: Fixture[] = [
  {
    route: 'GET /openapi.json',
    request: () => ({ url: '/openapi.json' }),
    succeeded: ({ res }) => problem(typeof res.json().openapi === 'string', 'no OpenAPI document'),
  },
  {
    route: 'GET /metrics',
    request: () => ({ url: '/metrics' }),
    succeeded: ({ res }) => problem(res.body.includes('smsq_'), 'no smsq_ metric'),
  },
  {
    route: 'POST /v1/campaigns',
    request: (_id, n) => ({
      url: '/v1/campaigns',
      payload: { campaignId: `new-${n}`, content: 'matrix', sendAt: SEND_AT, recipients: [{ number: number() }] },
    }),
    succeeded: async ({ caller, n, res }) =>
      problem(
        res.json().campaignId === `new-${n}` && (await exists(ownedId(caller.who?.tenant, `new-${n}`))),
        `campaign new-${n} not queued as ${ownedId(caller.who?.tenant, `new-${n}`)}, or answered with another id`,
      ),
    refused: async ({ n }) => {
      const queued = await Promise.all(OWNERS.map((o) => exists(ownedId(tenantOf(o), `new-${n}`))));
      return problem(!queued.includes(true), `campaign new-${n} queued although refused`);
    },
  },
  {
    route: 'GET /v1/campaigns',
    where: 'both',
    request: () => ({ url: '/v1/campaigns' }),
    succeeded: async (c) => {
      const seen = await listAs(c.caller, c.base);
      const truth = await truthFor(c.caller.who?.tenant);
      return problem(JSON.stringify(seen) === JSON.stringify(truth), `listed ${seen.join(',')}; its campaigns are ${truth.join(',')}`);
    },
  },
  {
    route: 'GET /v1/campaigns/:id',
    where: 'both',
    campaign: 'reads',
    request: (id) => ({ url: fill('GET /v1/campaigns/:id', id) }),
    succeeded: ({ res, target }) =>
      problem(
        target !== undefined && res.json().campaignId === target.id && res.json().content === contentOf(target.owner),
        `answered ${res.json().campaignId} (${res.json().content})`,
      ),
    refused: ({ res, target }) => problem(!target || !res.body.includes(contentOf(target.owner)), 'the refusal shows the campaign'),
  },
  {
    route: 'GET /v1/campaigns/:id/results',
    where: 'both',
    campaign: 'reads',
    request: (id) => ({ url: fill('GET /v1/campaigns/:id/results', id) }),
    succeeded: ({ res, storedId }) => {
      const got = lines(res.body).map((l) => (JSON.parse(l) as { number: string }).number);
      return problem(JSON.stringify(got) === JSON.stringify(readNumbers.get(storedId ?? '')), `streamed ${got.join(',')}`);
    },
    refused: ({ res, storedId }) =>
      problem(
        !(readNumbers.get(storedId ?? '') ?? []).some((num) => res.body.includes(num)) && lines(res.body).length <= 1,
        `the refusal streamed results: ${res.body.slice(0, 200)}`,
      ),
  },
  {
    route: 'GET /v1/campaigns/:id/recipients/:number',
    where: 'both',
    campaign: 'reads',
    request: (id) => ({ url: fill('GET /v1/campaigns/:id/recipients/:number', id).replace(':number', firstNumberOf(id)) }),
    succeeded: ({ res, storedId }) => {
      const trace = res.json<{ number: string; steps: Array<{ kind: string }> }>();
      return problem(
        trace.number === readNumbers.get(storedId ?? '')?.[0] && trace.steps[0]?.kind === 'staged',
        `answered ${res.body.slice(0, 200)}`,
      );
    },
    refused: ({ res, storedId }) =>
      problem(!(readNumbers.get(storedId ?? '') ?? []).some((num) => res.body.includes(num)), 'the refusal shows the recipient'),
  },
  {
    route: 'POST /v1/campaigns/:id/cancel',
    where: 'both',
    campaign: 'changes',
    request: (id) => ({ url: fill('POST /v1/campaigns/:id/cancel', id) }),
    effect: (_b, a) => problem(a.state === 'cancelled', `state ${a.state}, not cancelled`),
  },
  {
    route: 'POST /v1/campaigns/:id/pause',
    where: 'both',
    campaign: 'changes',
    request: (id) => ({ url: fill('POST /v1/campaigns/:id/pause', id), payload: { reason: 'matrix' } }),
    effect: (_b, a) => problem(a.paused?.reason === 'matrix', 'not paused'),
  },
  {
    route: 'POST /v1/campaigns/:id/resume',
    where: 'both',
    campaign: 'changes',
    before: async (_n, storedId) => void (await stack.producer.pauseCampaign(storedId ?? '', { reason: 'to resume' })),
    request: (id) => ({ url: fill('POST /v1/campaigns/:id/resume', id) }),
    effect: (b, a) => problem(b.paused !== null && a.paused === null, 'still paused'),
  },
  {
    route: 'POST /v1/campaigns/:id/reschedule',
    where: 'both',
    campaign: 'changes',
    request: (id) => ({ url: fill('POST /v1/campaigns/:id/reschedule', id), payload: { sendAt: LATER } }),
    effect: (_b, a) => problem(a.schedule?.sendAt === Date.parse(LATER), `sendAt ${a.schedule?.sendAt}, not ${LATER}`),
  },
  {
    route: 'POST /v1/campaigns/:id/max-cost',
    where: 'both',
    campaign: 'changes',
    request: (id) => ({ url: fill('POST /v1/campaigns/:id/max-cost', id), payload: { maxCost: 12.5 } }),
    effect: (_b, a) => problem(Number(a.maxCost) === 12.5, `maxCost ${a.maxCost}`),
  },
  // Resending a cancelled campaign to its cancelled recipient: a new campaign, its parent named; refused, none is made.
  {
    route: 'POST /v1/campaigns/:id/resend',
    where: 'both',
    campaign: 'changes',
    before: async (_n, storedId) => void (await stack.producer.cancelCampaign(storedId ?? '')),
    request: (id) => ({ url: fill('POST /v1/campaigns/:id/resend', id), payload: { status: ['cancelled'] } }),
    succeeded: async ({ res, target, storedId }) =>
      problem(
        res.statusCode === 201 && res.json().parentId === target?.id && res.json().total === 1 && (await exists(`${storedId}-resend`)),
        `answered ${res.statusCode} ${res.body.slice(0, 200)}`,
      ),
    refused: async ({ storedId }) => problem(!(await exists(`${storedId}-resend`)), 'a resend made although refused'),
  },
  // Settling a cancelled campaign: nothing unknown to settle, and the answer says so; a refusal changes nothing either.
  ...['settle', 'reconcile'].map((name): Fixture => ({
    route: `POST /v1/campaigns/:id/${name}`,
    where: 'both',
    campaign: 'changes',
    before: async (_n, storedId) => void (await stack.producer.cancelCampaign(storedId ?? '')),
    request: (id) => ({ url: fill(`POST /v1/campaigns/:id/${name}`, id) }),
    succeeded: ({ res, target }) =>
      problem(res.json().campaignId === target?.id && res.json().unknown === 0, `answered ${res.body.slice(0, 200)}`),
  })),
  {
    route: 'GET /v1/balance',
    where: 'both',
    request: () => ({ url: '/v1/balance' }),
    succeeded: ({ res }) => problem(res.json().balance !== undefined, `no balance in ${res.body.slice(0, 200)}`),
  },
  {
    route: 'POST /v1/queue/pause',
    request: () => ({ url: '/v1/queue/pause' }),
    succeeded: async () => problem(await stack.ctx.queues.batches.isPaused(), 'the queue is not paused'),
    refused: async () => problem(!(await stack.ctx.queues.batches.isPaused()), 'the queue was paused although refused'),
    after: () => stack.producer.resume(),
  },
  {
    route: 'POST /v1/queue/resume',
    before: () => stack.producer.pause(),
    request: () => ({ url: '/v1/queue/resume' }),
    succeeded: async () => problem(!(await stack.ctx.queues.batches.isPaused()), 'the queue is still paused'),
    refused: async () => problem(await stack.ctx.queues.batches.isPaused(), 'the queue was resumed although refused'),
    after: () => stack.producer.resume(),
  },
  {
    route: 'GET /v1/accounts',
    where: 'both',
    request: () => ({ url: '/v1/accounts?balance=false' }),
    succeeded: ({ res }) => problem(res.json().accounts?.[0]?.name === 'default', `answered ${res.body.slice(0, 200)}`),
  },
  {
    route: 'POST /v1/accounts/:name/resume',
    where: 'both',
    before: async () => void (await stack.ctx.accountStates.stop('default', STOP)),
    request: () => ({ url: '/v1/accounts/default/resume' }),
    succeeded: async () =>
      problem((await stack.ctx.accountStates.read(true)).get('default')?.stop === null, 'the account is still stopped'),
    refused: async () =>
      problem((await stack.ctx.accountStates.read(true)).get('default')?.stop?.code === '-10', 'the stop was cleared although refused'),
    after: () => stack.ctx.accountStates.clear(),
  },
  {
    route: 'POST /v1/suppressions',
    request: (_id, n) => ({ url: '/v1/suppressions', payload: { numbers: [listed(n)] } }),
    succeeded: async ({ n }) => problem(await suppressed(listed(n)), 'the number is not suppressed'),
    refused: async ({ n }) => problem(!(await suppressed(listed(n))), 'suppressed although refused'),
  },
  {
    // Whose entries a tenant may take off is the tenant suppression test's; here: a refusal takes off nothing.
    route: 'POST /v1/suppressions/remove',
    before: async (n) => void (await stack.producer.suppressions.add([listed(n)])),
    request: (_id, n) => ({ url: '/v1/suppressions/remove', payload: { numbers: [listed(n)] } }),
    refused: async ({ n }) => problem(await suppressed(listed(n)), 'removed although refused'),
  },
  {
    route: 'POST /v1/suppressions/import',
    request: (_id, n) => ({
      url: '/v1/suppressions/import',
      headers: { 'content-type': 'text/csv' },
      payload: `number\n${listed(n)}\n`,
    }),
    succeeded: async ({ n }) => problem(await suppressed(listed(n)), 'the number is not suppressed'),
    refused: async ({ n }) => problem(!(await suppressed(listed(n))), 'suppressed although refused'),
  },
  { route: 'GET /v1/suppressions', request: () => ({ url: '/v1/suppressions' }) },
  {
    route: 'GET /v1/suppressions/:number',
    request: () => ({ url: '/v1/suppressions/447700400000' }),
    succeeded: ({ res }) => problem(typeof res.json().suppressed === 'boolean', `answered ${res.body.slice(0, 200)}`),
  },
  { route: 'GET /v1/replies', request: () => ({ url: '/v1/replies' }) },
  {
    route: 'GET /v1/webhooks/failed',
    request: () => ({ url: '/v1/webhooks/failed' }),
    succeeded: ({ res }) => problem(Array.isArray(res.json().failed), `answered ${res.body.slice(0, 200)}`),
  },
  { route: 'POST /v1/webhooks/retry', request: () => ({ url: '/v1/webhooks/retry', payload: { all: true } }) },
  // The console's own reads.
  { route: 'GET /status', where: 'console', request: () => ({ url: '/status' }) },
  {
    route: 'GET /campaigns/:id/overview',
    where: 'console',
    campaign: 'reads',
    request: (id) => ({ url: fill('GET /campaigns/:id/overview', id) }),
    succeeded: ({ res, target }) => problem(res.json().campaign?.campaignId === target?.id, `answered ${res.body.slice(0, 200)}`),
    refused: ({ res, target }) => problem(!target || !res.body.includes(contentOf(target.owner)), 'the refusal shows the campaign'),
  },

  // Keys, the audit trail, and the console's who-am-I, tenants and campaign audit (IN_PROGRESS until registered).
  {
    route: 'POST /v1/keys',
    request: (_id, n) => ({ url: '/v1/keys', payload: { name: `matrix-${n}`, scope: 'read' } }),
    succeeded: async ({ n }) =>
      problem(
        (await stack.ctx.apiKeys.list()).keys.some((k) => k.name === `matrix-${n}`),
        'no key made',
      ),
    refused: async ({ n }) =>
      problem(!(await stack.ctx.apiKeys.list()).keys.some((k) => k.name === `matrix-${n}`), 'a key made although refused'),
  },
  {
    route: 'GET /v1/keys',
    request: () => ({ url: '/v1/keys' }),
    succeeded: ({ res }) => problem(!Object.values(keys).some((k) => res.body.includes(k)), 'a key is in the list'),
  },
  {
    route: 'POST /v1/keys/:id/revoke',
    before: async (n) => (await stack.ctx.apiKeys.create({ name: `to-revoke-${n}`, scope: 'read' })).record.id,
    request: (id) => ({ url: `/v1/keys/${id}/revoke` }),
    succeeded: async ({ n }) => problem((await keyNamed(`to-revoke-${n}`))?.status === 'revoked', 'the key is not revoked'),
    refused: async ({ n }) => problem((await keyNamed(`to-revoke-${n}`))?.status === 'active', 'the key was revoked although refused'),
  },
  {
    route: 'PATCH /v1/keys/:id',
    before: async (n) => (await stack.ctx.apiKeys.create({ name: `to-update-${n}`, scope: 'tenant', tenant: 'matrix' })).record.id,
    request: (id) => ({ url: `/v1/keys/${id}`, payload: { limits: { maxRate: 5 } } }),
  },
  { route: 'GET /v1/audit', request: () => ({ url: '/v1/audit' }) },
  {
    route: 'GET /whoami',
    where: 'console',
    request: () => ({ url: '/whoami' }),
    succeeded: ({ res, caller }) =>
      problem(res.json().tenant === caller.who?.tenant && !Object.values(keys).some((k) => res.body.includes(k)), `answered ${res.body}`),
  },
  {
    route: 'GET /campaigns/:id/audit',
    where: 'console',
    campaign: 'reads',
    request: (id) => ({ url: fill('GET /campaigns/:id/audit', id) }),
    succeeded: ({ res, target }) => {
      const entries = (res.json().entries ?? []) as Array<{ campaignId?: string }>;
      return problem(entries.length > 0 && entries.every((e) => e.campaignId === target?.id), `answered ${res.body.slice(0, 300)}`);
    },
  },
  { route: 'GET /tenants', where: 'console', request: () => ({ url: '/tenants' }) },
];

async function keyNamed(name: string) {
  return (await stack.ctx.apiKeys.list()).keys.find((k) => k.name === name);
}

const methodOf = (route: string) => route.slice(0, route.indexOf(' ')) as 'GET' | 'POST' | 'PATCH';
const registered = (method: string, url: string) => stack.server.app.smsqRoutes.some((r) => r.method === method && r.url === url);
const onApi = (f: Fixture) => f.where !== 'console';
const onConsole = (f: Fixture) => f.where === 'console' || f.where === 'both';

/** What one call of `f` by `caller` names: each owner's campaign as the caller may name it, or nothing. */
async function targetsOf(f: Fixture, caller: Caller): Promise<Array<Target | undefined>> {
  if (f.campaign === 'reads') return OWNERS.flatMap((o) => namings(caller.who, o, READ_IDS[o]));
  if (f.campaign !== 'changes') return [undefined];
  // A fresh campaign for every name a caller may try, so that each call changes one campaign of its own.
  const targets: Target[] = [];
  for (const o of OWNERS)
    for (let i = 0; i < namings(caller.who, o, 'x').length; i++) {
      const plainId = `c-${++seq}`;
      await enqueueFor(o, plainId);
      targets.push(namings(caller.who, o, plainId)[i]);
    }
  return targets;
}

/** The request as the caller sends it: the console's script sends JSON from its own origin. */
function injected(f: Fixture, caller: Caller, base: string, req: Request) {
  const method = methodOf(f.route);
  const write = method !== 'GET';
  const json = req.payload !== undefined && typeof req.payload !== 'string' ? { 'content-type': 'application/json' } : {};
  const browser = base && write ? { 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' } : {};
  const body = typeof req.payload === 'object' ? JSON.stringify(req.payload) : req.payload;
  return {
    method,
    url: `${base}${req.url}`,
    headers: { ...json, ...req.headers, ...browser, ...caller.headers },
    payload: body ?? (base && write ? '{}' : undefined),
  };
}

/** A problem with one call's answer or outcome, or null. */
async function verdict(f: Fixture, c: Case, before: Snapshot | undefined): Promise<string | null> {
  const want = expected(f.route, c.caller.who, c.target);
  const code = c.res.statusCode >= 400 ? safeCode(c.res) : '';
  if (want === 'ok' ? c.res.statusCode >= 300 : c.res.statusCode !== want.status || code !== want.code)
    return `expected ${describeExpected(want)}, got ${c.res.statusCode} ${c.res.body.slice(0, 300)}`;
  const found = (await (want === 'ok' ? f.succeeded : f.refused)?.(c)) ?? null;
  if (found || !before || !c.storedId) return found;
  const after = await snapshot(c.storedId);
  if (want === 'ok') return f.effect?.(before, after) ?? null;
  refusedOn.set(c.storedId, before);
  if (JSON.stringify(after) !== JSON.stringify(before)) return `refused, yet the campaign changed: ${JSON.stringify(after)}`;
  // The campaign was queued past the API: any entry of it in the audit trail would record a change that was refused.
  const audited = await stack.ctx.audit.list({ campaignId: c.storedId });
  return problem(audited.length === 0, `refused, yet audited: ${JSON.stringify(audited)}`);
}

/** Calls one fixture as one caller on every campaign it may name; the problems found, each naming route, caller and target. */
async function walk(f: Fixture, caller: Caller, base: '' | typeof CONSOLE_API): Promise<string[]> {
  const problems: string[] = [];
  for (const target of await targetsOf(f, caller)) {
    const n = ++seq;
    const storedId = target && ownedId(tenantOf(target.owner), ownerOf(target.id).campaignId);
    const made = await f.before?.(n, storedId);
    const before = f.campaign === 'changes' && storedId ? await snapshot(storedId) : undefined;
    const res = await stack.server.app.inject(injected(f, caller, base, f.request(made ?? target?.id ?? '', n)));
    const found = await verdict(f, { caller, target, storedId, n, base, res }, before);
    await f.after?.();
    if (found)
      problems.push(`${base ? 'console ' : ''}${f.route} as ${caller.name}${target ? ` on ${target.label} (${target.id})` : ''}: ${found}`);
  }
  return problems;
}

/** Each campaign a caller was refused a change on, as it was before: checked again once every call has run. */
const refusedOn = new Map<string, Snapshot>();

function safeCode(res: Response): string {
  try {
    return errorCode(res);
  } catch {
    return '';
  }
}

beforeAll(async () => {
  keys = await makeKeys(stack.server.ctx);
  for (const o of OWNERS) {
    const storedId = await enqueueFor(o, READ_IDS[o], 3);
    // An entry of each read campaign in the audit trail, for the console's audit beside it to show or keep to itself.
    await stack.ctx.audit.record(
      { keyId: 'matrix', keyName: 'matrix' },
      { action: 'campaign.enqueue', campaignId: storedId, tenant: tenantOf(o) },
    );
  }
  for (const o of OWNERS) await enqueueFor(o, 'shared', 2);
});

describe('the /v1 API', () => {
  it('has a fixture for every route it registers behind a key', () => {
    const covered = new Set(FIXTURES.filter(onApi).map((f) => f.route));
    const api = stack.server.app.smsqRoutes
      .filter((r) => !r.hidden && r.method !== 'HEAD' && (r.url.startsWith('/v1/') || r.url === '/metrics' || r.url === '/openapi.json'))
      .map((r) => `${r.method} ${r.url}`)
      .filter((route) => !PUSH_ROUTES.has(route));
    expect(api.filter((route) => !covered.has(route))).toEqual([]);
  });

  it.each(FIXTURES.filter(onApi).map((f) => [f.route, f] as const))('%s answers each caller as the access table says', async (route, f) => {
    if (!registered(methodOf(route), routeUrl(route))) {
      expect([...IN_PROGRESS]).toContain(route);
      return;
    }
    const problems: string[] = [];
    for (const caller of apiCallers(keys)) problems.push(...(await walk(f, caller, '')));
    expect(problems).toEqual([]);
  });
});

describe("the console's mounted API", () => {
  it('has a fixture for every route it mounts', () => {
    const covered = new Set(FIXTURES.filter(onConsole).map((f) => f.route));
    const mounted = stack.server.app.smsqRoutes
      .filter((r) => r.method !== 'HEAD' && r.url.startsWith(`${CONSOLE_API}/`))
      .map((r) => `${r.method} ${r.url.slice(CONSOLE_API.length)}`);
    expect(mounted.filter((route) => !covered.has(route))).toEqual([]);
  });

  it.each(FIXTURES.filter(onConsole).map((f) => [f.route, f] as const))(
    '%s answers each login as the access table says',
    async (route, f) => {
      if (!registered(methodOf(route), `${CONSOLE_API}${routeUrl(route)}`)) {
        expect([...IN_PROGRESS]).toContain(route);
        return;
      }
      const problems: string[] = [];
      for (const caller of consoleCallers(keys)) problems.push(...(await walk(f, caller, CONSOLE_API)));
      expect(problems).toEqual([]);
    },
  );
});

// These read what the matrix above made: run with the whole file.
describe('after every call', () => {
  it('left each campaign a caller was refused a change on as it was', async () => {
    expect(refusedOn.size).toBeGreaterThan(100);
    const changed: string[] = [];
    for (const [id, before] of refusedOn) if (JSON.stringify(await snapshot(id)) !== JSON.stringify(before)) changed.push(id);
    expect(changed).toEqual([]);
  });

  it('lists to each tenant exactly its own campaigns, by the ids it gave, and to an admin every one as stored', async () => {
    const shop = (await truthFor('shop')).length;
    expect(shop).toBeGreaterThan(50);
    for (const caller of apiCallers(keys).filter((c) => c.who)) {
      const seen = await listAs(caller, '');
      expect({ caller: caller.name, seen }).toEqual({ caller: caller.name, seen: await truthFor(caller.who?.tenant) });
      // Asking for another tenant's is an admin's filter; a tenant's key still lists its own.
      const asked = await listAs(caller, '', '&tenant=billing');
      expect({ caller: caller.name, asked }).toEqual({ caller: caller.name, asked: await truthFor(caller.who?.tenant, 'billing') });
    }
  });
});

describe('campaign ids across tenants', () => {
  it("refuses a tenant's campaignId that names another tenant (billing~x), queueing nothing", async () => {
    const shop = apiCallers(keys).find((c) => c.who?.tenant === 'shop');
    const res = await stack.server.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { ...shop?.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ campaignId: 'billing~spoof', content: 'spoof', sendAt: SEND_AT, recipients: [{ number: number() }] }),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.fields.campaignId).toMatch(/letters, digits/);
    expect(await exists('billing~spoof')).toBe(false);
    expect(await exists('shop~billing~spoof')).toBe(false);
  });

  it('keeps the same campaignId in each tenant as a campaign of its own', async () => {
    for (const caller of apiCallers(keys).filter((c) => c.who)) {
      const res = await stack.server.app.inject({ method: 'GET', url: '/v1/campaigns/shared', headers: caller.headers });
      const owner: Owner = (caller.who?.tenant as Owner | undefined) ?? 'admin';
      expect({ caller: caller.name, content: res.json().content }).toEqual({ caller: caller.name, content: contentOf(owner) });
    }
  });
});
