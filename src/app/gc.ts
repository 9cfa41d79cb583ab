// Garbage collection's parts (registry/gc.ts, registry/gc-audit.ts) over the deployment's store
// and storage: used by the scheduled job (jobs.ts) and by `berth gc` (cli/gc.ts).
import type { Config } from '../config/schema.js';
import type { GcRootSource } from '../domain/gc-roots.js';
import type { MetadataStore } from '../metadata/store.js';
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

/** The trash's content is always kept (until its window ends); `roots`: what other areas keep; `clock` for tests. */
export function wireGc(
  config: Config,
  store: MetadataStore,
  driver: StorageDriver,
  roots: readonly GcRootSource[] = [],
  clock: () => number = Date.now,
): GcWiring {
  const blobs = new BlobStore(driver);
  const sweep = new BlobSweep(driver);
  const graceMs = config.gc.graceHours * 3_600_000;
  const kept = [new Trash(store, config.registry.trashDays), ...roots];
  return {
    collector: new GarbageCollector(
      store,
      blobs,
      sweep,
      { graceMs, deleteUntagged: config.gc.deleteUntagged },
      kept,
      clock,
    ),
    audit: new GcAudit(store, blobs, sweep, graceMs, clock),
  };
}
