'use strict';
/**
 * Baseline (b), the obvious BullMQ design: one job per recipient, added with addBulk, and a Worker that sends
 * each job's number alone in one gateway call, keeping the msgId as the job's returnvalue. Same retention,
 * attempts and backoff as smsq's batch jobs; everything else is BullMQ's default (as a first design would be).
 *
 *   node bench/baselines/job-per-recipient.js produce FILE CONTENT    (prints the number of jobs added)
 *   node bench/baselines/job-per-recipient.js work                    (until SIGTERM; CONCURRENCY, default 8)
 * Both read REDIS_URL and QUEUE_PREFIX; `work` reads SMS_API_BASE_URL.
 */
const { Queue, Worker } = require('bullmq');
const IORedis = require('ioredis');
const { createSender, recipientsIn } = require('./common');

const QUEUE = 'naive';
const ADD_BULK_SIZE = 1000;
const RETENTION_SECONDS = 7 * 24 * 3600;
const JOB_OPTIONS = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: RETENTION_SECONDS },
  removeOnFail: { age: RETENTION_SECONDS },
};

async function produce(file, content) {
  const connection = new IORedis(process.env.REDIS_URL);
  const queue = new Queue(QUEUE, { connection, prefix: process.env.QUEUE_PREFIX });
  let jobs = [];
  let added = 0;
  for await (const { number, orderId } of recipientsIn(file, 'n')) {
    jobs.push({ name: 'send', data: { number, orderId, content }, opts: JOB_OPTIONS });
    if (jobs.length === ADD_BULK_SIZE) {
      added += (await queue.addBulk(jobs)).length;
      jobs = [];
    }
  }
  if (jobs.length > 0) added += (await queue.addBulk(jobs)).length;
  await queue.close();
  await connection.quit();
  process.stdout.write(`${added}\n`);
}

async function work() {
  const concurrency = Number(process.env.CONCURRENCY ?? 8);
  const send = createSender(process.env.SMS_API_BASE_URL, concurrency);
  const connection = new IORedis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUE,
    async (job) => {
      const [accepted] = await send([job.data], job.data.content);
      return { msgId: accepted.msgId };
    },
    { connection, prefix: process.env.QUEUE_PREFIX, concurrency },
  );
  worker.on('error', (err) => process.stderr.write(`worker error: ${err.message}\n`));
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await worker.close();
  await connection.quit();
}

const [role, ...args] = process.argv.slice(2);
(role === 'produce' ? produce(...args) : role === 'work' ? work() : Promise.reject(new Error('usage: produce FILE CONTENT | work'))).catch(
  (err) => {
    process.stderr.write(`job-per-recipient: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
