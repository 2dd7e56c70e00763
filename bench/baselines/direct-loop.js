'use strict';
/**
 * Baseline (a), the ceiling of this machine: the CSV read and posted to the gateway 1000 numbers a call with
 * CONCURRENCY calls in flight — no Redis, no queue, no record kept. Prints `{"sent":…,"calls":…}`.
 *
 *   SMS_API_BASE_URL=http://127.0.0.1:PORT/sms CONCURRENCY=8 node bench/baselines/direct-loop.js FILE CONTENT
 */
const { createSender, recipientsIn } = require('./common');

/** The gateway's limit, and smsq's batch size. */
const CALL_SIZE = 1000;

async function* calls(recipients) {
  let call = [];
  for await (const r of recipients) {
    call.push(r);
    if (call.length === CALL_SIZE) {
      yield call;
      call = [];
    }
  }
  if (call.length > 0) yield call;
}

async function main([file, content]) {
  const concurrency = Number(process.env.CONCURRENCY ?? 8);
  const send = createSender(process.env.SMS_API_BASE_URL, concurrency);
  const next = calls(recipientsIn(file, 'd'));
  let sent = 0;
  let made = 0;
  // Each lane takes the next call when its previous one ends, keeping `concurrency` calls in flight as a
  // worker keeps its batches; an async generator serves concurrent next() calls in order.
  const lane = async () => {
    for (let c = await next.next(); !c.done; c = await next.next()) {
      sent += (await send(c.value, content)).length;
      made++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  process.stdout.write(`${JSON.stringify({ sent, calls: made })}\n`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`direct-loop: ${err.stack}\n`);
  process.exitCode = 1;
});
