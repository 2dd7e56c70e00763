import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { keysMatching, testRedis } from '../support/env';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq, SMSQ_BIN, type RunResult } from '../support/cli';
import { waitFor } from '../support/wait-for';

/**
 * What a recipients file, a reply or a gateway writes reaches smsq's users through the CLI: columns are taken by
 * name, exports never hold a formula a spreadsheet runs, the terminal never gets an escape sequence, and a reader
 * that stops (`| head -1`) ends a command quietly.
 */
const cli = useCampaignStack('cli-untrusted', { producer: false, dir: true, env: { REPLY_POLL_INTERVAL_MS: '200' } });
const redis = testRedis();
afterAll(() => redis.quit());

const csv = async (name: string, text: string) => {
  const file = path.join(cli.dir, name);
  await writeFile(file, text);
  return file;
};
const keys = async () => (await keysMatching(redis, `${cli.prefix}:*`)).sort();
const records = (stdout: string) => parse<Record<string, string>>(stdout, { columns: true });
const ESC = '\x1b';

async function sent(id: string): Promise<void> {
  const wait = await runSmsq(['wait', id, '--timeout', '60'], cli.env);
  expect(wait.code).toBe(0);
}

describe('CSV columns by name', () => {
  it('reads a number,name file with a template as the field name, generating the orderIds, and sends each its text', async () => {
    await startWorker();
    const file = await csv('names.csv', 'number,name\n447700900001,Ana\n447700900002,Bo\n');
    const enqueue = await runSmsq(['enqueue', file, '--content', 'Hi {{name}}', '--campaign-id', 'names'], cli.env);
    expect(enqueue.code).toBe(0);
    await sent('names');
    const texts = new Map([...cli.sim.ledger.entries()].map((e) => [e.number, e.content]));
    expect([texts.get('447700900001'), texts.get('447700900002')]).toEqual(['Hi Ana', 'Hi Bo']);
    const results = records((await runSmsq(['results', 'names'], cli.env)).stdout);
    expect(results.map((r) => [r.number, r.orderId, r.status])).toEqual([
      ['447700900001', 'smsq-2', 'sent'],
      ['447700900002', 'smsq-3', 'sent'],
    ]);

    // Without a template the name column is still a field, never the orderId: two Anas are two recipients.
    const plain = await csv('plain.csv', 'number,name\n447700900003,Ana\n447700900004,Ana\n');
    expect((await runSmsq(['enqueue', plain, '--content', 'Hello', '--campaign-id', 'plain'], cli.env)).code).toBe(0);
    await sent('plain');
    expect(records((await runSmsq(['results', 'plain'], cli.env)).stdout).map((r) => [r.orderId, r.status])).toEqual([
      ['smsq-2', 'sent'],
      ['smsq-3', 'sent'],
    ]);

    // A template's typo is one error naming the file's columns, not the same missing field on every row.
    const typo = await runSmsq(['enqueue', file, '--content', 'Hi {{nmae}}'], cli.env);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe(
      'smsq enqueue: line 1: the CSV header is refused: the content uses {{nmae}} without a fallback, and no column is named "nmae" ' +
        '(field names are case-sensitive). The file\'s columns are: "number", "name" [CSV_HEADER_INVALID]\n',
    );
  }, 180_000);

  it.each([
    ['number,number', 'the number column is named twice', '"number", "number"'],
    ['orderId,orderId', 'the orderId column is named twice', '"orderId", "orderId"'],
    ['name,city', 'no column is the number', '"name", "city"'],
  ])(
    'refuses a %j header from a file and from stdin, naming the columns, with nothing in Redis',
    async (header, problem, columns) => {
      const before = new Set(await keys());
      const text = `${header}\n447700900011,x\n`;
      const file = await csv('bad-header.csv', text);
      const runs: RunResult[] = [
        await runSmsq(['enqueue', file, '--content', 'Hi', '--campaign-id', 'bad-header'], cli.env),
        await runSmsq(['enqueue', '-', '--content', 'Hi', '--campaign-id', 'bad-header'], cli.env, text),
        await runSmsq(['preview', file, '--content', 'Hi'], cli.env),
      ];
      for (const run of runs) {
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(problem);
        expect(run.stderr).toContain(`The file's columns are: ${columns} [CSV_HEADER_INVALID]`);
      }
      expect((await keys()).filter((k) => !before.has(k))).toEqual([]);
    },
    120_000,
  );
});

describe('exports a spreadsheet opens', () => {
  it('neutralises results, suppression and reply cells that start a formula, keeping numbers as they are', async () => {
    await startWorker();
    const orderIds = ['=1+2', '+SUM(A1)', '-3', '@cmd'];
    const file = await csv('formulas.csv', `number,orderId\n${orderIds.map((o, i) => `44770090010${i},${o}`).join('\n')}\n`);
    expect((await runSmsq(['enqueue', file, '--content', 'Hi', '--campaign-id', 'formulas'], cli.env)).code).toBe(0);
    await sent('formulas');
    const results = records((await runSmsq(['results', 'formulas'], cli.env)).stdout);
    expect(results.map((r) => [r.number, r.orderId, r.status])).toEqual(orderIds.map((o, i) => [`44770090010${i}`, `'${o}`, 'sent']));

    expect((await runSmsq(['suppress', 'add', '+447700900200', '--reason', '=HYPERLINK("x")'], cli.env)).code).toBe(0);
    const suppressed = records((await runSmsq(['suppress', 'list'], cli.env)).stdout);
    expect(suppressed).toContainEqual(expect.objectContaining({ number: '447700900200', reason: `'=HYPERLINK("x")` }));

    await injectReplies([
      { number: '447700900100', content: "=cmd|' /C calc'!A0" },
      { number: '447700900101', content: `clear${ESC}[2J${ESC}]0;owned\x07\x9b` },
    ]);
    const replies = await waitFor(
      'both replies stored',
      async () => {
        const run = await runSmsq(['replies'], cli.env);
        const rows = records(run.stdout);
        return rows.length === 2 ? { run, rows } : undefined;
      },
      30_000,
      200,
    );
    expect(replies.rows.map((r) => [r.number, r.content])).toEqual([
      ['447700900100', "'=cmd|' /C calc'!A0"],
      ['447700900101', 'clear\\u001b[2J\\u001b]0;owned\\u0007\\u009b'],
    ]);
    // Neither CSV nor NDJSON output sends the terminal a control character.
    const ndjson = await runSmsq(['replies', '--format', 'ndjson'], cli.env);
    for (const out of [replies.run.stdout, ndjson.stdout]) expect(out).not.toMatch(/[\x1b\x07\x9b]/);
  }, 180_000);
});

describe('the command line itself', () => {
  it('ends `smsq results ID | head -1` quietly, with exit 0 and nothing on stderr', async () => {
    const file = await csv('many.csv', `${Array.from({ length: 5_000 }, (_, i) => String(447_700_910_000 + i)).join('\n')}\n`);
    expect((await runSmsq(['enqueue', file, '--content', 'Hi', '--campaign-id', 'many'], cli.env)).code).toBe(0);
    for (const args of ['results many', 'results many --format ndjson']) {
      // The pipeline's own exit code is head's: smsq's is said on stderr, after whatever smsq wrote there.
      const piped = await sh(`{ "${process.execPath}" "${SMSQ_BIN}" ${args}; echo "smsq exit $?" >&2; } | head -1`);
      expect(piped.stderr).toBe('smsq exit 0\n');
      expect(piped.stdout).toMatch(
        args.includes('ndjson') ? /^\{"number":"447700910000".*\}\n$/ : /^number,orderId,status,msgId,code,reason,/,
      );
    }
  }, 120_000);

  it('says "did you mean" for a mistyped option or command', async () => {
    const option = await runSmsq(['enqueue', 'x.csv', '--contnet', 'Hi'], cli.env);
    expect(option).toMatchObject({ code: 2, stderr: 'smsq enqueue: unknown option --contnet: did you mean --content?\n' });
    const command = await runSmsq(['enqeue'], cli.env);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/^smsq: unknown command "enqeue": did you mean enqueue\?\n/);
    expect((await runSmsq(['status', 'x', '--jsno'], cli.env)).stderr).toBe('smsq status: unknown option --jsno: did you mean --json?\n');
  });

  it('names the queue prefix when no worker is connected', async () => {
    const file = await csv('idle.csv', '447700900300\n');
    expect((await runSmsq(['enqueue', file, '--content', 'Hi', '--campaign-id', 'idle'], cli.env)).code).toBe(0);
    const status = await runSmsq(['status', 'idle'], cli.env);
    expect(status.stderr).toContain(`no worker is connected to the queue (QUEUE_PREFIX=${cli.prefix})`);
  });
});

/** A worker process; it says it started at LOG_LEVEL info, which the commands run here keep at warn. */
const startWorker = () => cli.workerProcess({ ...cli.env, LOG_LEVEL: 'info' }).started();

async function injectReplies(replies: unknown): Promise<void> {
  const res = await fetch(`${new URL(cli.sim.baseUrl).origin}/__sim/replies`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(replies),
  });
  expect(res.status).toBe(200);
}

/** Runs a shell pipeline with the CLI's environment, as a user types it. */
function sh(command: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { env: cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
