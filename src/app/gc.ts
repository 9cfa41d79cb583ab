// Garbage collection's parts (registry/gc.ts, registry/gc-audit.ts) over the deployment's store
// and storage: used by the scheduled job (jobs.ts) and by `berth gc` (cli/gc.ts).
import type { Config } from '../config/schema.js';
import type { GcRootSource } from '../domain/gc-roots.js';
import type { GcLink, MetadataStore } from '../metadata/store.js';
import { DeletionProtectedError } from '../domain/deletion-protection.js';
import { DeletionProtections } from '../registry/deletion-protection.js';
import { GcAudit } from '../registry/gc-audit.js';
import { GarbageCollector } from '../registry/gc.js';
import { Trash } from '../registry/trash.js';
import { BlobStore } from '../storage/blob-store.js';
import { BlobSweep } from '../storage/blob-sweep.js';
import type { StorageDriver } from '../storage/driver.js';

export interface GcWiring {
  readonly collector: GarbageCollector;
  readonly audit: GcAudit;
}

/**
 * The trash's content is always kept (until its window ends); `roots`: what other areas keep;
 * `clock` for tests; `activity`: the requests a collection in the server yields to (gc.busyPercent,
 * runtime/activity.ts); without it (`berth gc`, its own process), collections run at full speed.
 */
export function wireGc(
  config: Config,
  store: MetadataStore,
  driver: StorageDriver,
  roots: readonly GcRootSource[] = [],
  clock: () => number = Date.now,
  activity?: { busy(): boolean },
): GcWiring {
  const blobs = new BlobStore(driver);
  const sweep = new BlobSweep(driver);
  const graceMs = config.gc.graceHours * 3_600_000;
  const kept = [new Trash(store, config.registry.trashDays), ...roots];
  const protections = new DeletionProtections(store);
  const untaggedGuards = {
    trashOn: config.registry.trashDays > 0,
    async protectedManifest({ repositoryId, digest }: GcLink): Promise<boolean> {
      const repository = await store.repositories.getById(repositoryId);
      if (!repository) return false;
      try {
        await protections.checkManifest(repository, digest);
        return false;
      } catch (err) {
        if (err instanceof DeletionProtectedError) return true;
        throw err;
      }
    },
  };
  return {
    collector: new GarbageCollector(
      store,
      blobs,
      sweep,
      {
        graceMs,
        deleteUntagged: config.gc.deleteUntagged,
        untaggedGuards,
        ...(activity && { pacing: { activity, busyPercent: config.gc.busyPercent } }),
      },
      kept,
      clock,
    ),
    audit: new GcAudit(store, blobs, sweep, graceMs, clock),
  };
}
