// The recurring jobs, each run by one node at a time (leased through the database): key
// rotation and deletion, abandoned uploads, ended rate limit windows, garbage collection.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { PullRateLimiter } from '../public/rate-limits.js';
import { JobScheduler } from '../jobs/scheduler.js';
import type { KeyService } from '../kms/key-service.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RegistryServices } from '../registry/services.js';
import type { GcWiring } from './gc.js';

const JANITOR_INTERVAL_MS = 10 * 60 * 1000;
const KEY_ROTATION_INTERVAL_MS = 60 * 60 * 1000;
/** How often keys whose deletion date has passed are deleted (they are treated as gone from that date on). */
const KEY_DELETION_INTERVAL_MS = 60 * 60 * 1000;
const RATE_WINDOW_PRUNE_MS = 30 * 60 * 1000;

export async function startJobs(
  config: Config,
  store: MetadataStore,
  nodeId: string,
  log: Logger,
  wired: { keyService: KeyService; services: RegistryServices; limiter: PullRateLimiter; gc?: GcWiring },
): Promise<JobScheduler> {
  const { keyService, services, limiter, gc } = wired;
  const gcIntervalMs = config.gc.intervalHours * 3_600_000;
  const scheduler = new JobScheduler(store, nodeId, log, [
    {
      name: 'rotate-kms-keys',
      intervalMs: KEY_ROTATION_INTERVAL_MS,
      leaseMs: KEY_ROTATION_INTERVAL_MS,
      async run() {
        const rotated = await keyService.rotateDue(Date.now());
        if (rotated > 0) log.info({ rotated }, 'rotated KMS keys whose rotation period ended');
      },
    },
    {
      name: 'delete-kms-keys',
      intervalMs: KEY_DELETION_INTERVAL_MS,
      leaseMs: KEY_DELETION_INTERVAL_MS,
      async run() {
        const deleted = await keyService.deleteDue(Date.now());
        if (deleted > 0) log.info({ deleted }, 'deleted KMS keys whose waiting period ended');
      },
    },
    {
      name: 'expire-uploads',
      intervalMs: JANITOR_INTERVAL_MS,
      leaseMs: JANITOR_INTERVAL_MS,
      async run() {
        const removed = await services.uploadExpiry.expire(Date.now() - config.registry.uploadExpiryHours * 3_600_000);
        if (removed > 0) log.info({ removed }, 'expired abandoned uploads');
      },
    },
    {
      // Ended rate limit windows only take room: forgetting them now and then is enough.
      name: 'prune-rate-windows',
      intervalMs: RATE_WINDOW_PRUNE_MS,
      leaseMs: JANITOR_INTERVAL_MS,
      async run() {
        await limiter.prune();
      },
    },
    ...(gc && gcIntervalMs > 0
      ? [
          {
            name: 'garbage-collection',
            intervalMs: gcIntervalMs,
            // A collection that outlives its lease may meet another node's: the protocol allows it.
            leaseMs: KEY_ROTATION_INTERVAL_MS,
            async run() {
              const report = await gc.collector.collect();
              log.info({ freed: report.summary, ms: report.ms }, 'garbage collection finished');
            },
          },
        ]
      : []),
  ]);
  await scheduler.start();
  return scheduler;
}
