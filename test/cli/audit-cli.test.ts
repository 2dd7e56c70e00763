/** `smsq audit` as a process: the CLI's own changes recorded as cli:<os user>, read back as a table and as NDJSON. */
import { userInfo } from 'node:os';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';

const cli = useCampaignStack('audit-cli', { simulator: false });
const cliKey = { keyId: 'cli', keyName: `cli:${userInfo().username}` };

interface Line {
  at: string;
  keyId: string;
  keyName: string;
  action: string;
  tenant?: string;
  campaignId?: string;
  changes?: Record<string, unknown>;
}
const ndjson = (text: string): Line[] =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

it("records the CLI's enqueue, pause and cancel as its OS user's, and prints them newest first", async () => {
  const sendAt = new Date(Date.now() + 3_600_000).toISOString();
  const queued = await runSmsq(
    ['enqueue', '-', '--format', 'csv', '--content', 'Hi there', '--campaign-id', 'cli-audit', '--send-at', sendAt, '--no-balance-check'],
    cli.env,
    '447744000001\n447744000002\n447744000003\n',
  );
  expect(queued).toMatchObject({ code: 0, stdout: 'cli-audit\n' });
  expect((await runSmsq(['pause', 'cli-audit', '--reason', 'holding'], cli.env)).code).toBe(0);
  expect((await runSmsq(['cancel', 'cli-audit'], cli.env)).code).toBe(0);
  // Entries of another campaign, and of a tenant, that the filters below must leave out.
  await cli.ctx.audit.record(
    { keyId: 'k1', keyName: 'shop-backend', tenant: 'shop' },
    { action: 'campaign.pause', campaignId: 'shop~spring' },
  );

  const json = await runSmsq(['audit', '--campaign', 'cli-audit', '--json'], cli.env);
  expect(json.code).toBe(0);
  const entries = ndjson(json.stdout);
  expect(entries).toEqual([
    {
      id: expect.any(String),
      at: expect.stringMatching(/Z$/),
      ...cliKey,
      action: 'campaign.cancel',
      campaignId: 'cli-audit',
      changes: { state: 'cancelled' },
    },
    {
      id: expect.any(String),
      at: expect.stringMatching(/Z$/),
      ...cliKey,
      action: 'campaign.pause',
      campaignId: 'cli-audit',
      changes: { reason: 'holding' },
    },
    {
      id: expect.any(String),
      at: expect.stringMatching(/Z$/),
      ...cliKey,
      action: 'campaign.enqueue',
      campaignId: 'cli-audit',
      changes: { created: true, total: 3, priority: 'normal', sendAt, contentLength: 'Hi there'.length },
    },
  ]);
  // What the stream holds: the CLI wrote exactly these three, then the tenant's entry written above.
  expect(await cli.ctx.redis.xlen(cli.ctx.keys.audit())).toBe(4);

  const table = await runSmsq(['audit', '--campaign', 'cli-audit'], cli.env);
  expect(table.code).toBe(0);
  const [header, ...rows] = table.stdout.trimEnd().split('\n');
  expect(header.split(/\s+/)).toEqual(['TIME', 'KEY', 'ACTION', 'TENANT', 'CAMPAIGN', 'CHANGES']);
  expect(rows).toHaveLength(3);
  expect(rows[0]).toMatch(
    new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+${cliKey.keyName}\\s+campaign.cancel\\s+-\\s+cli-audit\\s+state=cancelled$`),
  );
  expect(rows[1]).toMatch(/campaign\.pause\s+-\s+cli-audit\s+reason=holding$/);
  expect(rows[2]).toMatch(/campaign\.enqueue .* created=true total=3 priority=normal sendAt=\S+ contentLength=8$/);

  const shop = ndjson((await runSmsq(['audit', '--tenant', 'shop', '--campaign', 'spring', '--json'], cli.env)).stdout);
  expect(shop).toEqual([expect.objectContaining({ keyName: 'shop-backend', tenant: 'shop', campaignId: 'shop~spring' })]);
  expect(ndjson((await runSmsq(['audit', '--limit', '2', '--json'], cli.env)).stdout).map((e) => e.action)).toEqual([
    'campaign.pause',
    'campaign.cancel',
  ]);
  expect(ndjson((await runSmsq(['audit', '--since', '1h', '--json'], cli.env)).stdout)).toHaveLength(4);
});

it.each([
  [['--limit', '0'], /--limit: give a whole number from 1 to 1000/],
  [['--since', 'last week'], /--since: give an ISO 8601 date or time/],
  [['--tenant', 'Shop'], /--tenant: a tenant is 1 to 16 .* "Shop" is not one/],
  [['extra'], /expected no positional arguments/],
])('refuses smsq audit %j as a usage error (exit 2)', async (args, message) => {
  const res = await runSmsq(['audit', ...args], cli.env);
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(message);
  expect(res.stdout).toBe('');
});

it('explains itself with --help', async () => {
  const res = await runSmsq(['audit', '--help'], cli.env);
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(/^Usage: smsq audit /);
});
