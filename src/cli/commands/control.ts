import { openProducer } from '../open-producer';
import { parse } from '../args';
import { formatStatus } from '../format';

/** `smsq cancel ID` */
export async function cancelCommand(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, { min: 1, max: 1, names: 'a campaign id' });
  const smsq = await openProducer();
  try {
    const info = await smsq.cancelCampaign(positionals[0]);
    process.stdout.write(`${formatStatus(info)}\n`);
    return 0;
  } finally {
    await smsq.close();
  }
}

/** `smsq pause`: no worker takes a batch until `smsq resume`; batches in flight finish. */
export async function pauseCommand(argv: string[]): Promise<number> {
  parse(argv, {}, { min: 0, max: 0, names: 'no arguments' });
  const smsq = await openProducer();
  try {
    await smsq.pause();
    process.stdout.write('sending paused\n');
    return 0;
  } finally {
    await smsq.close();
  }
}

/** `smsq resume`: also clears an account-level stop recorded by a worker (e.g. after a top-up). */
export async function resumeCommand(argv: string[]): Promise<number> {
  parse(argv, {}, { min: 0, max: 0, names: 'no arguments' });
  const smsq = await openProducer();
  try {
    const stop = await smsq.accountStop();
    await smsq.resume();
    process.stdout.write(stop ? `sending resumed (cleared account-level stop: gateway status ${stop.code}, ${stop.reason})\n` : 'sending resumed\n');
    return 0;
  } finally {
    await smsq.close();
  }
}
