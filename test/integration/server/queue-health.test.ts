import { useCampaignStack } from '../../support/campaigns';
import { BEARER } from '../../support/server';

const app = useCampaignStack('api-queue', { simulator: false, producer: false, app: 'inject' });

const call = (method: 'GET' | 'POST', url: string) => app.server.app.inject({ method, url, headers: BEARER });

it('answers /healthz while the process is up', async () => {
  const res = await app.server.app.inject({ method: 'GET', url: '/healthz' });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ ok: true });
});

it('pauses and resumes sending for the whole queue, and stays ready while an operator has paused it', async () => {
  expect((await call('POST', '/v1/queue/pause')).json()).toEqual({ paused: true });
  expect(await app.server.ctx.queues.batches.isPaused()).toBe(true);
  const ready = await call('GET', '/readyz');
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toEqual({ ready: true, redis: 'ok', queue: 'paused' });

  expect((await call('POST', '/v1/queue/resume')).json()).toEqual({ paused: false, clearedAccountStop: null });
  expect(await app.server.ctx.queues.batches.isPaused()).toBe(false);
  expect((await call('GET', '/readyz')).json()).toMatchObject({ ready: true, queue: 'running' });
});

it('is not ready during an account-level stop, says why, and is ready again after resume clears it', async () => {
  // What a worker records when the gateway answers -10 (balance), with the queue paused.
  const stop = { code: '-10', reason: 'insufficient balance', operatorAction: 'top up the account', at: Date.now() };
  await app.server.ctx.redis.set(app.server.ctx.keys.accountStop(), JSON.stringify(stop));
  await app.server.ctx.queues.batches.pause();

  const notReady = await call('GET', '/readyz');
  expect(notReady.statusCode).toBe(503);
  const shown = { ...stop, at: new Date(stop.at).toISOString() };
  expect(notReady.json()).toEqual({ ready: false, redis: 'ok', queue: 'account-stop', accountStop: shown });

  const resumed = await call('POST', '/v1/queue/resume');
  expect(resumed.json()).toEqual({ paused: false, clearedAccountStop: shown });
  expect((await call('GET', '/readyz')).statusCode).toBe(200);
});
