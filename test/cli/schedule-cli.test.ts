import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CampaignJson } from '../../src/shared/campaign/json';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';

/** Schedules and windows as a user types them: `smsq enqueue --send-at/--window/--valid-for`, `smsq reschedule`. */
const cli = useCampaignStack('schedule-cli', { producer: false, dir: true });

/** A day this many days ahead, as YYYY-MM-DD: schedules may be at most 366 days ahead, so none is a fixed year. */
const daysAhead = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const day = daysAhead(60);
const laterDay = daysAhead(90);

it('queues a scheduled campaign with a window and a validity, shows them, moves it, and refuses a bad window with exit 1', async () => {
  const file = path.join(cli.dir, 'list.csv');
  await writeFile(file, '819012340500\n819012340501\n');
  const enq = await runSmsq(
    [
      'enqueue',
      file,
      '--content',
      'later',
      '--send-at',
      `${day}T09:00:00+09:00`,
      '--window',
      'tcpa',
      '--timezone',
      'Asia/Tokyo',
      '--valid-for',
      '6h',
    ],
    cli.env,
  );
  expect(enq.code).toBe(0);
  const id = enq.stdout.trim();
  const status = await runSmsq(['status', id], cli.env);
  expect(status.stdout).toContain(`campaign ${id}: scheduled`);
  expect(status.stdout).toContain(`send at ${day}T00:00:00.000Z  window 08:00-21:00 (Asia/Tokyo)  valid until ${day}T06:00:00.000Z`);

  const moved = await runSmsq(['reschedule', id, '--send-at', `${laterDay}T10:00:00Z`], cli.env);
  expect(moved.code).toBe(0);
  const info = JSON.parse((await runSmsq(['status', id, '--json'], cli.env)).stdout) as CampaignJson;
  expect(info.schedule).toMatchObject({ sendAt: `${laterDay}T10:00:00.000Z`, window: '08:00-21:00', timezone: 'Asia/Tokyo' });
  expect((await runSmsq(['cancel', id], cli.env)).stdout).toContain('cancelled');

  // A CSV column named timezone gives each recipient its own zone: a one-hour window across Australia is then fine.
  const zoned = path.join(cli.dir, 'zoned.csv');
  await writeFile(zoned, 'number,timezone\n61412340500,Australia/Perth\n61412340501,Australia/Sydney\n');
  const perRecipient = await runSmsq(
    ['enqueue', zoned, '--content', 'zoned', '--window', '09:00-10:00', '--send-at', `${day}T09:00:00+09:00`],
    cli.env,
  );
  expect(perRecipient.code).toBe(0);
  const unzoned = path.join(cli.dir, 'unzoned.csv');
  await writeFile(unzoned, '61412340502\n');
  const refused = await runSmsq(['enqueue', unzoned, '--content', 'unzoned', '--window', '09:00-10:00'], cli.env);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('never open at once in all');

  const bad = await runSmsq(['enqueue', file, '--content', 'x', '--window', '9am-5pm'], cli.env);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('window: "9am-5pm" is not a window such as 08:00-21:00');
  const usage = await runSmsq(['reschedule', id], cli.env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('--send-at');
});
