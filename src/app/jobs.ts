// The recurring jobs, each run by one node at a time (leased through the database): key
// rotation and deletion, abandoned uploads, the trash past its window, unfinished storage class
// moves, ended rate limit windows, lifecycle policies, garbage collection, secrets past their
// recovery window.
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import type { PullRateLimiter } from '../public/rate-limits.js';
import { JobScheduler } from '../jobs/scheduler.js';
import type { KeyService } from '../kms/key-service.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RegistryServices } from '../registry/services.js';
import type { GcWiring } from './gc.js';
import type { SecretService } from '../secrets/secret-service.js';
import { type MeteringWiring, storageSamplingJob } from './metering.js';
import type { ImageSigner } from '../registry/image-signer.js';
import type { JobDefinition } from '../jobs/scheduler.js';

const JANITOR_INTERVAL_MS = 10 * 60 * 1000;
const KEY_ROTATION_INTERVAL_MS = 60 * 60 * 1000;
/** How often keys whose deletion date has passed are deleted (they are treated as gone from that date on). */
const KEY_DELETION_INTERVAL_MS = 60 * 60 * 1000;
/** How often secrets past their recovery window are deleted. */
const SECRET_DELETION_INTERVAL_MS = 60 * 60 * 1000;
const RATE_WINDOW_PRUNE_MS = 30 * 60 * 1000;
/** How often audit events past their retention are deleted. */
const AUDIT_PURGE_INTERVAL_MS = 60 * 60 * 1000;
// After expire-uploads (tests make that one due first by its earlier next run).
const STORAGE_MOVES_INTERVAL_MS = 15 * 60 * 1000;
/** How long one lifecycle run may hold its job before another node may take it over. */
const LIFECYCLE_LEASE_MS = 60 * 60 * 1000;
/** How often signings a stopped node left IN_PROGRESS are taken up (after expire-uploads, like the storage moves). */
const SIGNING_RECOVERY_INTERVAL_MS = 15 * 60 * 1000;

export async function startJobs(
  config: Config,
  store: MetadataStore,
  nodeId: string,
  log: Logger,
  wired: {
    keyService: KeyService;
    services: RegistryServices;
    limiter: PullRateLimiter;
    secrets: SecretService;
    audit?: AuditTrail;
    gc?: GcWiring;
    metering?: MeteringWiring;
    signer?: ImageSigner;
  },
): Promise<JobScheduler> {
  const { keyService, services, limiter, secrets, audit, gc, metering } = wired;
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
      // Secrets whose recovery window ended (DeleteSecret): reads refused them from the start.
      name: 'delete-secrets',
      intervalMs: SECRET_DELETION_INTERVAL_MS,
      leaseMs: SECRET_DELETION_INTERVAL_MS,
      async run() {
        let deleted = 0;
        for (let batch = await secrets.purgeDue(); batch > 0; batch = await secrets.purgeDue()) deleted += batch;
        if (deleted > 0) log.info({ deleted }, 'deleted secrets whose recovery window ended');
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
      // Trash entries past registry.trashDays go (with trashDays 0 nothing enters the trash).
      name: 'purge-trash',
      intervalMs: JANITOR_INTERVAL_MS,
      leaseMs: JANITOR_INTERVAL_MS,
      async run() {
        const purged = await services.trash.purge(Date.now());
        if (purged > 0) log.info({ purged }, 'purged trash entries past the trash window');
      },
    },
    {
      // Moves of archived or restored images' layers that no node finished (it died, or failed).
      name: 'storage-class-moves',
      intervalMs: STORAGE_MOVES_INTERVAL_MS,
      leaseMs: JANITOR_INTERVAL_MS,
      async run() {
        const moved = await services.storageClasses.runPending();
        if (moved > 0) log.info({ moved }, 'finished moves of images between storage classes');
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
    {
      name: 'run-lifecycle-policies',
      intervalMs: config.lifecycle.intervalHours * 3_600_000,
      leaseMs: LIFECYCLE_LEASE_MS,
      async run() {
        const results = await services.lifecycle.runner.runAll();
        const expired = results.reduce((n, r) => n + r.done.filter((a) => a.action === 'EXPIRE').length, 0);
        const archived = results.reduce((n, r) => n + r.done.filter((a) => a.action === 'TRANSITION').length, 0);
        const kept = results.reduce((n, r) => n + r.kept.length, 0);
        log.info({ repositories: results.length, expired, archived, kept }, 'ran lifecycle policies');
      },
    },
    ...(audit
      ? [
          {
            // Audit events past audit.retentionDays.
            name: 'purge-audit-events',
            intervalMs: AUDIT_PURGE_INTERVAL_MS,
            leaseMs: JANITOR_INTERVAL_MS,
            async run() {
              const purged = await audit.purge(Date.now());
              if (purged > 0) log.info({ purged }, 'deleted audit events past the retention');
            },
          },
        ]
      : []),
    ...(gc && gcIntervalMs > 0
      ? [
          {
            name: 'garbage-collection',
            intervalMs: gcIntervalMs,
            // A collection that outlives its lease may meet another node's: the protocol allows it.
            leaseMs: KEY_ROTATION_INTERVAL_MS,
            async run() {
              const report = await gc.collector.collect();
              log.info(
                { freed: report.summary, ms: report.ms, restedMs: report.restedMs },
                'garbage collection finished',
              );
            },
          },
        ]
      : []),
    // Storage samples for metering (app/metering.ts).
    ...(metering ? storageSamplingJob(config, metering, log) : []),
    ...(wired.signer ? [recoverSignings(wired.signer, log)] : []),
  ]);
  await scheduler.start();
  return scheduler;
}

/** Signs the images a node that stopped left IN_PROGRESS (managed signing's outbox). */
function recoverSignings(signer: ImageSigner, log: Logger): JobDefinition {
  return {
    name: 'recover-signings',
    intervalMs: SIGNING_RECOVERY_INTERVAL_MS,
    leaseMs: SIGNING_RECOVERY_INTERVAL_MS,
    async run() {
      const signed = await signer.recover();
      if (signed > 0) log.info({ signed }, 'signed images a stopped node left unsigned');
    },
  };
}
