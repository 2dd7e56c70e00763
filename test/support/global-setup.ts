/**
 * Tests need a real Redis. With REDIS_URL set (CI, a developer's local Redis, or the redis-server `npm test` starts)
 * it is used as is; otherwise testcontainers starts redis:7 for the run, which is what a user with Docker gets.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  const { GenericContainer, Wait } = await import('testcontainers');
  let container;
  try {
    container = await new GenericContainer('redis:7')
      .withExposedPorts(6379)
      .withCommand(['redis-server', '--maxmemory-policy', 'noeviction'])
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .start();
  } catch (err) {
    throw new Error(
      `REDIS_URL is not set and testcontainers could not start redis:7 (${(err as Error).message}). ` +
        'Run them with `npm test`, which starts a redis-server of its own, or against a Redis of yours: REDIS_URL=redis://127.0.0.1:6379 npx jest',
    );
  }
  process.env.REDIS_URL = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  (globalThis as { __smsqRedis?: { stop(): Promise<unknown> } }).__smsqRedis = container;
}
