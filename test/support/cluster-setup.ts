import { LocalCluster } from './redis-cluster';

/** globalSetup of `npm run test:cluster`: the integration and CLI suites on a local three-master cluster. */
export default async function clusterSetup(): Promise<void> {
  const cluster = new LocalCluster(7_100 + Math.floor(Math.random() * 800));
  await cluster.start();
  process.env.REDIS_CLUSTER_NODES = cluster.nodes;
  process.env.REDIS_URL = `redis://127.0.0.1:${cluster.ports[0]}`;
  (globalThis as { __smsqCluster?: LocalCluster }).__smsqCluster = cluster;
}
