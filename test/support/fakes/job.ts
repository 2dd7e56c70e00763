/**
 * A BullMQ job in memory, with the methods the processors call, and `runJob`: one run of a processor as a BullMQ
 * worker makes it (attempts counted, DelayedError and WaitingError using none, UnrecoverableError failing the job).
 * Typed by Pick<Job>, so that a change of the real signatures breaks this file at compile time.
 */
import { DelayedError, UnrecoverableError, WaitingError, type JobsOptions } from 'bullmq';
import type { JobOf, QueueName } from '../../../src/shared/queues';
import { WorkerCrash } from './gateway';

type Used =
  'id' | 'data' | 'opts' | 'timestamp' | 'attemptsMade' | 'attemptsStarted' | 'queueName' | 'moveToDelayed' | 'moveToWait' | 'promote';

export type FakeJobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

/** What a run did to its job besides ending: moved it to the delayed set (until when), back to waiting, promoted it. */
export type JobMove = { to: 'delayed'; until: number } | { to: 'wait' } | { to: 'promoted' };

export class FakeJob<Q extends QueueName> implements Pick<JobOf<Q>, Used> {
  attemptsMade = 0;
  attemptsStarted = 0;
  readonly timestamp = Date.now();
  state: FakeJobState = 'waiting';
  readonly moves: JobMove[] = [];

  constructor(
    readonly queueName: Q,
    readonly id: string,
    readonly data: JobOf<Q>['data'],
    readonly opts: JobsOptions = {},
  ) {}

  async moveToDelayed(timestamp: number): Promise<void> {
    this.state = 'delayed';
    this.moves.push({ to: 'delayed', until: timestamp });
  }

  async moveToWait(): Promise<number> {
    this.state = 'waiting';
    this.moves.push({ to: 'wait' });
    return 0;
  }

  /** As BullMQ's: only a delayed job can be promoted. */
  async promote(): Promise<void> {
    if (this.state !== 'delayed') throw new Error(`Job ${this.id} is not in the delayed state`);
    this.state = 'waiting';
    this.moves.push({ to: 'promoted' });
  }

  /** This object where a processor wants a BullMQ Job: it has every member processors use (see `Used`). */
  asJob(): JobOf<Q> {
    return this as unknown as JobOf<Q>;
  }
}

/** How one run of a job ended, as BullMQ would take it. */
export type RunEnd<R> =
  | { kind: 'completed'; value: R }
  /** Moved to the delayed set by the processor itself (DelayedError): no attempt used; `promoted` when it promoted itself too. */
  | { kind: 'delayed'; until: number; promoted: boolean }
  /** Moved back to waiting by the processor itself (WaitingError): no attempt used. */
  | { kind: 'waiting' }
  /** The worker died mid-run (WorkerCrash): BullMQ finds the job stalled and runs it again, using no attempt. */
  | { kind: 'stalled' }
  /** An attempt used; BullMQ retries it with back-off. */
  | { kind: 'retry'; error: Error }
  /** Failed for good: UnrecoverableError, or the last attempt failed. */
  | { kind: 'failed'; error: Error };

/** Runs `processor` once on `job` as a BullMQ worker would, with a token of the run's own. */
export async function runJob<Q extends QueueName, R>(
  job: FakeJob<Q>,
  processor: (job: JobOf<Q>, token: string) => Promise<R>,
): Promise<RunEnd<R>> {
  job.state = 'active';
  job.attemptsStarted++;
  const token = `run-${job.id}-${job.attemptsStarted}`;
  const movesBefore = job.moves.length;
  try {
    const value = await processor(job.asJob(), token);
    job.state = 'completed';
    return { kind: 'completed', value };
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    const moves = job.moves.slice(movesBefore);
    if (err instanceof DelayedError) {
      const delayed = moves.filter((m) => m.to === 'delayed');
      if (delayed.length !== 1)
        throw new Error(`DelayedError thrown by a run that moved its job to the delayed set ${delayed.length} times`);
      return { kind: 'delayed', until: delayed[0].until, promoted: moves.some((m) => m.to === 'promoted') };
    }
    if (err instanceof WaitingError) {
      if (moves.length !== 1 || moves[0].to !== 'wait')
        throw new Error('WaitingError thrown by a run that did not move its job back to waiting');
      return { kind: 'waiting' };
    }
    if (err instanceof WorkerCrash) {
      job.state = 'waiting';
      return { kind: 'stalled' };
    }
    job.attemptsMade++;
    if (err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1)) {
      job.state = 'failed';
      return { kind: 'failed', error: err };
    }
    job.state = 'delayed';
    return { kind: 'retry', error: err };
  }
}

/** Runs the job again after each retry or stall (back-off skipped) until it completes or fails; every run's end, in order. */
export async function runToEnd<Q extends QueueName, R>(
  job: FakeJob<Q>,
  processor: (job: JobOf<Q>, token: string) => Promise<R>,
  maxRuns = 20,
): Promise<RunEnd<R>[]> {
  const ends: RunEnd<R>[] = [];
  for (let run = 0; run < maxRuns; run++) {
    const end = await runJob(job, processor);
    ends.push(end);
    if (end.kind === 'completed' || end.kind === 'failed') return ends;
    if (end.kind !== 'retry' && end.kind !== 'stalled')
      throw new Error(`run ${run + 1} ended ${end.kind}: runToEnd only replays retries; drive held jobs with runJob`);
  }
  throw new Error(`job ${job.id} neither completed nor failed in ${maxRuns} runs`);
}
