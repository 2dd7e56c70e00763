import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';

const cli = useCampaignStack('cli-personalised', {
  producer: false,
  dir: true,
  env: { LOG_LEVEL: 'info', SMS_PRICE_PER_SEGMENT: '0.0125' },
  simulator: { faults: { pricePerSegment: 0.0125 } },
});

const CONTENT = 'Hi {{name}}, order {{order}} ships {{day|today}} – reply STOP to opt out';

interface Row {
  number: string;
  name: string;
  order: string;
  day: string;
}

/** A CSV with three fields: names in Latin, Cyrillic and with a curly apostrophe; every fourth row without a day. */
async function personalisedCsv(name: string, n: number, first: number): Promise<{ file: string; rows: Row[] }> {
  const rows = Array.from({ length: n }, (_, i) => ({
    number: String(first + i),
    name: i % 7 === 0 ? `Дарья ${i}` : i % 11 === 0 ? `O’Neil ${i}` : `Ana "${i}"`,
    order: String(10_000 + i),
    day: i % 4 === 0 ? '' : 'Monday',
  }));
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const file = path.join(cli.dir, name);
  await writeFile(file, `number,name,order,day\n${rows.map((r) => [r.number, quote(r.name), r.order, r.day].join(',')).join('\n')}\n`);
  return { file, rows };
}

/** The text smsq must send: the template filled, with smart encoding (the default) applied. */
const rendered = (r: Row) => `Hi ${r.name.replace('’', "'")}, order ${r.order} ships ${r.day || 'today'} - reply STOP to opt out`;

it('sends a personalised CSV campaign through smsq enqueue and two workers: each ledger text is its rendered template, no number twice', async () => {
  const { file, rows } = await personalisedCsv('people.csv', 5_000, 3_350_000_000);
  const preview = await runSmsq(['preview', file, '--content', CONTENT, '--json'], cli.env);
  expect(preview.code).toBe(0);
  const p = JSON.parse(preview.stdout);
  expect(p).toMatchObject({ recipients: 5_000, invalidCount: 0, priceSource: 'SMS_PRICE_PER_SEGMENT' });

  const workers = [cli.workerProcess(), cli.workerProcess()];
  await Promise.all(workers.map((w) => w.started()));
  cli.sim.setFaults({ transientRate: 0.1 });
  const enqueue = await runSmsq(['enqueue', file, '--content', CONTENT, '--campaign-id', 'people'], cli.env);
  expect(enqueue.code).toBe(0);
  expect(enqueue.stdout).toBe('people\n');
  expect(enqueue.stderr).toContain(`${p.segments} segments`);
  const wait = await runSmsq(['wait', 'people', '--timeout', '120'], cli.env);
  expect(wait.code).toBe(0);

  expect(cli.sim.stats().duplicates).toBe(0);
  const byNumber = new Map([...cli.sim.ledger.entries()].map((e) => [e.number, e]));
  for (const r of rows) {
    expect(cli.sim.ledger.countFor(r.number)).toBe(1);
    expect(byNumber.get(r.number)!.content).toBe(rendered(r));
  }
  const charged = rows.reduce((n, r) => n + byNumber.get(r.number)!.chargeCnt, 0);
  expect(charged).toBe(p.segments);
  expect(Number(cli.sim.stats().cost.USD)).toBeCloseTo(Number(p.estimatedCost.USD), 6);

  const results = await runSmsq(['results', 'people', '--with-content'], cli.env);
  expect(results.code).toBe(0);
  const records = parse<Record<string, string>>(results.stdout, { columns: true });
  expect(records).toHaveLength(5_000);
  records.forEach((rec, i) => expect(rec).toMatchObject({ number: rows[i].number, status: 'sent', content: rendered(rows[i]) }));
});

it('names the row and the field a template misses, and refuses over --max-cost, queueing nothing', async () => {
  const file = path.join(cli.dir, 'missing.csv');
  await writeFile(file, 'number,name,order\n447700900001,Ana,1\n447700900002,,2\n');
  const missing = await runSmsq(['enqueue', file, '--content', 'Hi {{name}} {{order}}'], cli.env);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain(
    `line 3, fields.name: field 'name' is missing or empty, and the content uses {{name}} without a fallback: "name"`,
  );

  const { file: big } = await personalisedCsv('big.csv', 1_000, 3_351_000_000);
  const tooDear = await runSmsq(['enqueue', big, '--content', CONTENT, '--max-cost', '5', '--campaign-id', 'too-dear'], cli.env);
  expect(tooDear.code).toBe(1);
  expect(tooDear.stderr).toContain('[BUDGET_EXCEEDED]');
  const status = await runSmsq(['status', 'too-dear'], cli.env);
  expect(status.stderr).toContain('CAMPAIGN_NOT_FOUND');

  const preview = await runSmsq(['preview', big, '--content', CONTENT, '--max-cost', '5'], cli.env);
  expect(preview.code).toBe(1);
  expect(preview.stdout).toMatch(/segments +\d/);
  expect(preview.stdout).toContain('prices: SMS_PRICE_PER_SEGMENT');
  expect(preview.stderr).toContain('BUDGET_EXCEEDED');

  const cap = await runSmsq(['max-cost', 'people', '300'], cli.env);
  expect(cap.code).toBe(0);
  expect(cap.stdout).toContain('budget cap (maxCost) 300.00');
  expect((await runSmsq(['max-cost', 'people', '0'], cli.env)).code).toBe(2);
});
