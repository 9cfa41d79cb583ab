// Replication's worker, built once: a destination in this deployment's region (another account
// here) is written through the registry's services, a peer's region over its registry protocol.
import type { Logger } from 'pino';
import { PeerLogins, PeerTarget } from '../client/replica-peer.js';
import type { Config } from '../config/schema.js';
import type { ReplicationTask } from '../domain/records/replication.js';
import type { ReplicaTarget, ResumePoints } from '../domain/replication.js';
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
      { ...p, sourceRegion: region, credentials: peerCredentials(p, wired.secrets, wired.deployment.accountId) },
    ]),
  );
  // Where a task's transfer to a peer broke off is kept in its row: the next attempt at the blob,
  // on this node after a restart or on another, continues there.
  const resumesOf = (task: ReplicationTask): ResumePoints => {
    let point = task.resume;
    return {
      get: (digest) => (point?.digest === digest ? point : undefined),
      set: async (resume) => {
        point = resume;
        await store.replication.saveResume(task.id, nodeId, resume);
      },
      clear: async (digest) => {
        if (point?.digest !== digest) return;
        point = null;
        await store.replication.saveResume(task.id, nodeId, null);
      },
    };
  };
  const logins = new PeerLogins();
  const targetFor = (task: ReplicationTask): ReplicaTarget | undefined => {
    const { destination } = task;
    if (destination.region === region)
      return new LocalTarget(wired.services, wired.auth.authorizer, wired.creator, region, destination.registryId);
    const peer = peers.get(destination.region);
    return peer && new PeerTarget(peer, resumesOf(task), config.replication.chunkMebibytes * 1024 * 1024, logins);
  };
  const worker = new ReplicationWorker(store, {
    node: nodeId,
    leaseMs: config.replication.leaseSeconds * 1000,
    maxAttempts: config.replication.maxAttempts,
    pollMs: config.replication.pollMilliseconds,
    concurrency: config.replication.concurrency,
    replicatorFor: (task) => {
      const target = targetFor(task);
      return target && new ImageCopier(wired.services, () => target);
    },
    // Where the replica was written here (another account of this region), it tells that account,
    // in the transaction that completes the task.
    events: async (task) => {
      if (task.destination.region !== region) return [];
      return wired.events.outbox.replicated(
        task.destination.registryId,
        (task.tags.length > 0 ? task.tags : [undefined]).map((tag) => ({
          repositoryName: task.repositoryName,
          digest: task.digest,
          ...(tag !== undefined && { tag }),
          sourceAccount: task.accountId,
          sourceRegion: region,
          result: 'SUCCESS' as const,
        })),
      );
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
