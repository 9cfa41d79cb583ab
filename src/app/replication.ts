// Replication's worker, built once: same-region destinations (other accounts of this
// deployment) get the in-process replicator; peers get theirs when their transport exists.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { ImageReplicator } from '../domain/replication.js';
import type { MetadataStore } from '../metadata/store.js';
import { LocalReplicator } from '../registry/replication-local.js';
import { ReplicationWorker } from '../registry/replication-worker.js';
import type { Wiring } from './services.js';

export function startReplication(
  config: Config,
  store: MetadataStore,
  nodeId: string,
  log: Logger,
  wired: Pick<Wiring, 'services' | 'auth' | 'creator'>,
  peers: ReadonlyMap<string, ImageReplicator> = new Map(),
): ReplicationWorker {
  const local = new LocalReplicator(wired.services, wired.auth.authorizer, wired.creator, config.registry.region);
  const worker = new ReplicationWorker(store, {
    node: nodeId,
    leaseMs: config.replication.leaseSeconds * 1000,
    maxAttempts: config.replication.maxAttempts,
    pollMs: config.replication.pollMilliseconds,
    replicatorFor: (task) =>
      task.destination.region === config.registry.region ? local : peers.get(task.destination.region),
    onError: (err, task) =>
      log.warn(
        { err, repository: task.repositoryName, digest: task.digest, destination: task.destination },
        'a replication attempt failed',
      ),
  });
  worker.start();
  return worker;
}
