/**
 * BullMQ queues in memory: the jobs a unit adds (an add whose job id exists adds nothing, as in BullMQ) and whether
 * the queue is paused. Each queue of fakeQueues() is checked against Pick<> of the real queue's type, so that a
 * change of the real signatures breaks this file at compile time.
 */
import type { BulkJobOptions, JobsOptions } from 'bullmq';
import type { JobNameIn, JobOf, QueueName, QueueOf } from '../../../src/shared/queues';

type Used = 'add' | 'addBulk' | 'pause' | 'resume' | 'getJob';
import { FakeJob } from './job';

export class FakeQueue<Q extends QueueName> {
  /** Jobs by id, in the order they were added. */
  readonly jobs = new Map<string, FakeJob<Q>>();
  paused = false;
  private generated = 0;

  constructor(readonly name: Q) {}

  async add(_name: JobNameIn<Q>, data: JobOf<Q>['data'], opts: JobsOptions = {}): Promise<JobOf<Q>> {
    const id = opts.jobId ?? `${++this.generated}`;
    const existing = this.jobs.get(id);
    if (existing) return existing.asJob();
    const job = new FakeJob(this.name, id, data, opts);
    if (opts.delay) job.state = 'delayed';
    this.jobs.set(id, job);
    return job.asJob();
  }

  async addBulk(jobs: Array<{ name: JobNameIn<Q>; data: JobOf<Q>['data']; opts?: BulkJobOptions }>): Promise<JobOf<Q>[]> {
    const added: JobOf<Q>[] = [];
    for (const j of jobs) added.push(await this.add(j.name, j.data, j.opts));
    return added;
  }

  async pause(): Promise<void> {
    this.paused = true;
  }

  async resume(): Promise<void> {
    this.paused = false;
  }

  async getJob(jobId: string): Promise<JobOf<Q> | undefined> {
    return this.jobs.get(jobId)?.asJob();
  }

  /** The ids of the jobs added, in order. */
  ids(): string[] {
    return [...this.jobs.keys()];
  }
}

/** The queues the worker's units use; any other is refused by the fake context. */
export function fakeQueues() {
  const queues = { batches: new FakeQueue('batches'), campaigns: new FakeQueue('campaigns'), settle: new FakeQueue('settle') };
  // Checked per queue: the generic class cannot be, its job types being a conditional type of Q.
  queues satisfies { [Q in keyof typeof queues]: Pick<QueueOf<Q>, Used> };
  return queues;
}
export type FakeQueues = ReturnType<typeof fakeQueues>;
