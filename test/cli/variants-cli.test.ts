/**
 * A/B variants through the CLI as a user runs it: `smsq preview --variant … --variant …` prices each text, and
 * `smsq enqueue --variant … --variant … --canary N --canary-hold 0` sends the canary both texts, the winner to the
 * rest; `smsq status` names the winner and `smsq results` each recipient's variant, which is the text the gateway got.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';

const stack = useCampaignStack('cli-variants', { producer: false, dir: true, env: { LOG_LEVEL: 'info' } });

interface VariantsJson {
  texts: string[];
  winnerBy: string;
  winner?: number;
  figures?: Array<{ recipients: number; sent: number }>;
}

it('prices each variant in smsq preview, and refuses --variant given once or beside --content', async () => {
  const numbers = Array.from({ length: 400 }, (_, i) => String(447_766_300_000 + i));
  const file = path.join(stack.dir, 'people.csv');
  await writeFile(file, `number,name\n${numbers.map((n, i) => `${n},N${i}`).join('\n')}\n`);
  const long = `Hello {{name}}, ${'a'.repeat(170)}`;
  const args = ['preview', file, '--variant', 'Hi {{name}}', '--variant', long, '--canary', '100'];

  const text = await runSmsq(args, stack.env);
  expect(text.code).toBe(0);
  // Each variant as if every recipient got it: A one segment each, B two; the campaign's segments are B's.
  expect(text.stdout).toMatch(/^segments {8}800$/m);
  expect(text.stdout).toMatch(/^ {2}A {2}400 segments \(GSM-7 400, UCS-2 0\), cost .*: Hi \{\{name\}\}$/m);
  expect(text.stdout).toMatch(/^ {2}B {2}800 segments \(GSM-7 400, UCS-2 0\), cost .*: Hello \{\{name\}\}, a+…$/m);

  const json = await runSmsq([...args, '--json'], stack.env);
  expect(json.code).toBe(0);
  const preview = JSON.parse(json.stdout) as { segments: number; variants: Array<{ variant: string; content: string; segments: number }> };
  expect(preview.variants.map((v) => [v.variant, v.content, v.segments])).toEqual([
    ['A', 'Hi {{name}}', 400],
    ['B', long, 800],
  ]);
  expect(preview.segments).toBe(800);

  const once = await runSmsq(['preview', file, '--variant', 'Hi', '--canary', '10'], stack.env);
  expect(once.code).toBe(2);
  expect(once.stderr).toMatch(/give --variant once per text, 2 to 5 times/);
  const both = await runSmsq(['preview', file, '--variant', 'Hi', '--variant', 'Ho', '--content', 'Hey', '--canary', '10'], stack.env);
  expect(both.code).toBe(2);
  expect(both.stderr).toMatch(/--content \(or --content-file\) or --variant, not both/);
  const measure = await runSmsq(['preview', file, '--variant', 'Hi', '--variant', 'Ho', '--winner-by', 'opens'], stack.env);
  expect(measure.code).toBe(2);
  expect(measure.stderr).toMatch(/--winner-by must be one of delivered, clicks, replies/);
  // A field only variant B uses must be a column of the file.
  const header = await runSmsq(['preview', file, '--variant', 'Hi {{name}}', '--variant', 'Code {{code}}', '--canary', '10'], stack.env);
  expect(header.code).toBe(1);
  expect(header.stderr).toMatch(/CSV_HEADER_INVALID/);
});

it('sends the canary both texts and the winner to the rest; status names the winner, results each recipient’s variant', async () => {
  const numbers = Array.from({ length: 1_000 }, (_, i) => String(447_766_400_000 + i));
  await writeFile(path.join(stack.dir, 'list.csv'), `number\n${numbers.join('\n')}\n`);
  const A = 'Spring sale: 20% off everything today';
  const B = 'Our spring sale starts today, 20% off';
  const worker = stack.workerProcess();
  await worker.started();
  const enqueued = await runSmsq(
    ['enqueue', path.join(stack.dir, 'list.csv'), '--variant', A, '--variant', B, '--canary', '200', '--canary-hold', '0', '--json'],
    stack.env,
  );
  expect(enqueued.code).toBe(0);
  const result = JSON.parse(enqueued.stdout) as { campaignId: string; created: boolean; total: number };
  expect(result).toMatchObject({ created: true, total: 1_000 });
  const id = result.campaignId;
  const waited = await runSmsq(['wait', id], stack.env, undefined, 180_000);
  expect(waited.code).toBe(0);

  const info = JSON.parse((await runSmsq(['status', id, '--json'], stack.env)).stdout) as {
    counts: { total: number; sent: number };
    canary: { size: number };
    variants: VariantsJson;
  };
  expect(info.counts).toMatchObject({ total: 1_000, sent: 1_000 });
  const v = info.variants;
  expect(v).toMatchObject({ texts: [A, B], winnerBy: 'delivered' });
  expect([0, 1]).toContain(v.winner);
  const winner = v.winner!;
  const loser = 1 - winner;
  // Split evenly over the canary: each text within one recipient per canary batch of half.
  expect(v.figures!.map((f) => f.recipients).reduce((a, b) => a + b)).toBe(info.canary.size);
  for (const f of v.figures!) expect(Math.abs(f.recipients - info.canary.size / 2)).toBeLessThanOrEqual(1);

  // The gateway got every number once; the loser's text only its share of the canary, the winner's everyone else.
  const texts = new Map<string, string>();
  const wanted = new Set(numbers);
  for (const e of stack.sim.ledger.entries()) {
    if (!wanted.has(e.number)) continue;
    expect(texts.has(e.number)).toBe(false);
    texts.set(e.number, e.content);
  }
  expect(texts.size).toBe(1_000);
  const sent = [...texts.values()];
  expect(sent.filter((t) => t === v.texts[loser])).toHaveLength(v.figures![loser].recipients);
  expect(sent.filter((t) => t === v.texts[winner])).toHaveLength(1_000 - v.figures![loser].recipients);

  const status = await runSmsq(['status', id], stack.env);
  expect(status.code).toBe(0);
  const name = 'AB'[winner];
  expect(status.stdout).toContain(`variants by delivered rate: ${name} won`);
  expect(status.stdout).toMatch(new RegExp(`^ {4}${name} .*<- winner$`, 'm'));
  expect(status.stdout).toMatch(new RegExp(`^ {4}${'AB'[loser]} .*\\d%\\s+${v.texts[loser].slice(0, 20)}`, 'm'));

  // The results' last column names each recipient's text: the one the gateway got.
  const csv = await runSmsq(['results', id], stack.env);
  expect(csv.code).toBe(0);
  const [head, ...lines] = csv.stdout.trim().split('\n');
  const columns = head.split(',');
  expect(columns.at(-1)).toBe('variant');
  const numberAt = columns.indexOf('number');
  expect(lines).toHaveLength(1_000);
  const byVariant = { A: 0, B: 0 };
  for (const line of lines) {
    const cells = line.split(',');
    const variant = cells.at(-1) as 'A' | 'B';
    expect(['A', 'B']).toContain(variant);
    byVariant[variant]++;
    expect(texts.get(cells[numberAt])).toBe(variant === 'A' ? A : B);
  }
  expect(byVariant['AB'[loser] as 'A' | 'B']).toBe(v.figures![loser].recipients);
}, 240_000);
