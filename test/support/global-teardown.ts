export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __smsqRedis?: { stop(): Promise<unknown> } }).__smsqRedis?.stop();
}
