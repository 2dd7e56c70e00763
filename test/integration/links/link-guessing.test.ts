/**
 * Guessing tracked links (LINK_MISS_LIMIT): a client that asks for more unknown codes than the limit in a minute is
 * answered 429 on every link path — a real link too, so a lucky guess tells it nothing — while another client's
 * links still redirect. Behind a proxy named by TRUST_PROXY, the client is the address it forwards.
 */
import { campaignSettled, useCampaignStack } from '../../support/campaigns';
import { BROWSER_UA } from '../../support/links';

const stack = useCampaignStack('link-guessing', {
  app: 'listen',
  env: { LINK_BASE_URL: 'https://s.example.com', LINK_MISS_LIMIT: '5', TRUST_PROXY: '127.0.0.1' },
  workers: 1,
});

/** GET <server>/<code> as `client` (forwarded by the proxy at 127.0.0.1), without following the redirect. */
async function visit(code: string, client: string): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch(`${stack.url}/${code}`, {
    redirect: 'manual',
    headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': client },
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

it('refuses a client past its unknown codes this minute, a real link included, and still redirects another client', async () => {
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'See https://shop.example/a',
    recipients: [{ number: '447700900991' }, { number: '447700900992' }],
    trackLinks: true,
  });
  await campaignSettled(stack.producer, campaignId);
  const [real, other] = [...stack.sim.ledger.entries()].map((e) => /s\.example\.com\/(\w{9})/.exec(e.content)![1]);

  const guesser = '198.51.100.23';
  for (let i = 0; i < 5; i++) expect((await visit(`guess${String(i).padStart(4, '0')}`, guesser)).status).toBe(404);
  expect((await visit(real, guesser)).status).toBe(302);
  expect((await visit('guess0005', guesser)).status).toBe(404);
  // Past the limit: refused, whatever the code.
  const refused = await visit(real, guesser);
  expect(refused.status).toBe(429);
  expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
  expect((await visit('guess0006', guesser)).status).toBe(429);
  // Another client, and the guesser's real link counted only once (the refused visit is no click).
  expect((await visit(other, '203.0.113.5')).status).toBe(302);
  const info = await stack.producer.getCampaign(campaignId);
  expect(info.links).toMatchObject({ clicks: 2, clickers: 2 });
});
