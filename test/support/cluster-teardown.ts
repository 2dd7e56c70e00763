import type { LocalCluster } from './redis-cluster';

export default async function clusterTeardown(): Promise<void> {
  (globalThis as { __smsqCluster?: LocalCluster }).__smsqCluster?.stop();
}
