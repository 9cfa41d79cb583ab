// Replication's worker, built once: a destination in this deployment's region (another account
// here) is written through the registry's services, a peer's region over its registry protocol.
import type { Logger } from 'pino';
import { PeerTarget, UploadResumes } from '../client/replica-peer.js';
import type { Config } from '../config/schema.js';
import type { ReplicaTarget } from '../domain/replication.js';
import type { MetadataStore } from '../metadata/store.js';
import { ImageCopier } from '../registry/replication-copy.js';
import { LocalTarget } from '../registry/replication-local.js';
import { ReplicationWorker } from '../registry/replication-worker.js';
import { peerCredentials } from './peer-credentials.js';
import type { Wiring } from './services.js';

export function startReplication(
  config: Config,
  store: MetadataStore,
  nodeId: string,
  log: Logger,
  wired: Pick<Wiring, 'services' | 'auth' | 'creator' | 'secrets' | 'deployment' | 'events'>,
): ReplicationWorker {
  const region = config.registry.region;
  const peers = new Map(
    config.replication.peers.map((p) => [
      p.region,
      { ...p, credentials: peerCredentials(p, wired.secrets, wired.deployment.accountId) },
    ]),
  );
  // Where transfers to peers broke off, so that the next attempt at a blob resumes there.
  const resumes = new UploadResumes();
  const targetFor = (destination: { region: string; registryId: string }): ReplicaTarget | undefined => {
    if (destination.region === region)
      return new LocalTarget(wired.services, wired.auth.authorizer, wired.creator, region, destination.registryId);
    const peer = peers.get(destination.region);
    return peer && new PeerTarget(peer, resumes);
  };
  const worker = new ReplicationWorker(store, {
    node: nodeId,
    leaseMs: config.replication.leaseSeconds * 1000,
    maxAttempts: config.replication.maxAttempts,
    pollMs: config.replication.pollMilliseconds,
    replicatorFor: (task) => {
      const target = targetFor(task.destination);
      return target && new ImageCopier(wired.services, () => target);
    },
    // Where the replica was written here (another account of this region), it tells that account.
    replicated: async (task) => {
      if (task.destination.region !== region) return;
      for (const tag of task.tags.length > 0 ? task.tags : [undefined])
        await wired.events.outbox.replicated(task.destination.registryId, {
          repositoryName: task.repositoryName,
          digest: task.digest,
          ...(tag !== undefined && { tag }),
          sourceAccount: task.accountId,
          sourceRegion: region,
          result: 'SUCCESS',
        });
    },
    onError: (err, task) =>
      log.warn(
        { err, repository: task.repositoryName, digest: task.digest, destination: task.destination },
        'a replication attempt failed',
      ),
  });
  worker.start();
  return worker;
}
