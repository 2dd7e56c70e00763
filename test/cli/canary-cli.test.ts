/**
 * A canary through the CLI as a user runs it: `smsq enqueue --canary … --max-failed-rate …` sends the canary alone
 * when a gate fails, `smsq status` shows the canary's figures and the pause, and `smsq resume` sends the rest.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { waitFor } from '../support/env';

const stack = useCampaignStack('cli-canary', { producer: false, dir: true, env: { LOG_LEVEL: 'info' } });

it('stops after a canary whose failures pass the gate, says why in smsq status, and sends the rest on smsq resume', async () => {
  const numbers = Array.from({ length: 1_200 }, (_, i) => String(447_766_200_000 + i));
  await writeFile(path.join(stack.dir, 'list.csv'), `number\n${numbers.join('\n')}\n`);
  // A third of the list is refused: the canary's failed rate is about a third.
  stack.sim.setFaults({ refuseNumbers: numbers.filter((_, i) => i % 3 === 0) });
  const worker = stack.workerProcess();
  await worker.started();
  const args = ['enqueue', path.join(stack.dir, 'list.csv'), '--content', 'Hello', '--canary', '10%', '--canary-hold', '0'];
  const enqueued = await runSmsq([...args, '--max-failed-rate', '0.05'], stack.env);
  expect(enqueued.code).toBe(0);
  const id = enqueued.stdout.trim().split('\n').at(-1)!;

  // Each look is a process of its own: once a second, not at waitFor's usual pace.
  const status = await waitFor(
    'smsq status showing the canary stopped',
    async () => {
      const s = await runSmsq(['status', id], stack.env);
      return /canary 1\d\d, stopped/.test(s.stdout) ? s : undefined;
    },
    90_000,
    1_000,
  );
  expect(status.stdout).toMatch(/paused/);
  expect(status.stdout).toMatch(/failed \d+\.\d% \(limit 5\.0%\)/);
  const json = JSON.parse((await runSmsq(['status', id, '--json'], stack.env)).stdout) as {
    paused: { by: string; reason: string };
    canary: { size: number; state: string; figures: { called: number; sent: number } };
  };
  expect(json.paused.by).toBe('canary');
  expect(json.canary.state).toBe('stopped');
  const reached = numbers.filter((n) => stack.sim.ledger.countFor(n) > 0);
  expect(reached).toHaveLength(json.canary.figures.sent);

  stack.sim.setFaults({ refuseNumbers: [] });
  expect((await runSmsq(['resume', id], stack.env)).code).toBe(0);
  expect((await runSmsq(['wait', id], stack.env, undefined, 120_000)).code).toBe(0);
  for (const n of numbers) expect(stack.sim.ledger.countFor(n)).toBeLessThanOrEqual(1);
  expect(numbers.filter((n) => stack.sim.ledger.countFor(n) > 0).length).toBe(1_200 - json.canary.size + json.canary.figures.sent);

  const bad = await runSmsq([...args, '--max-failed-rate', 'lots'], stack.env);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/--max-failed-rate must be a share from 0 to 1/);
}, 240_000);
