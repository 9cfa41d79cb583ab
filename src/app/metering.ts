// Metering's wiring: the node's transfer counter (its meters go to the private and the public
// registry services; flushed every metering.flushSeconds and on close), the storage sampler the
// leased `sample-storage` job runs, and the usage service the CLI and GET /admin/usage read.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { TransferMeter } from '../domain/transfer-meter.js';
import type { JobDefinition } from '../jobs/scheduler.js';
import type { MetadataStore } from '../metadata/store.js';
import { StorageSampler } from '../metering/storage-sampler.js';
import { TransferCounter } from '../metering/transfer-counter.js';
import { UsageService } from '../metering/usage.js';

export interface MeteringWiring {
  /** This node's transfer counts; undefined when metering is off. */
  readonly counter: TransferCounter | undefined;
  readonly sampler: StorageSampler;
  readonly usage: UsageService;
  /** The meter of a listener's registry services (`main`, `public`); undefined when metering is off. */
  meter(listener: 'main' | 'public'): TransferMeter | undefined;
  /** Deletes counts and samples older than metering.retentionDays (the leased purge-metering job); how many. */
  purge(now: number): Promise<{ transfer: number; storage: number }>;
}

export function wireMetering(config: Config, store: MetadataStore, log?: Pick<Logger, 'error'>): MeteringWiring {
  const settings = config.metering;
  const counter = settings.enabled
    ? new TransferCounter(store, {
        node: config.nodeId || `${hostname()}-${process.pid}`,
        endpoint: settings.endpoint,
        flushMs: settings.flushSeconds * 1000,
        onError: (err) => log?.error({ err }, 'flushing transfer counts failed (kept for the next flush)'),
      })
    : undefined;
  counter?.start();
  return {
    counter,
    sampler: new StorageSampler(store),
    usage: new UsageService(store, settings),
    meter: (listener) => counter?.forListener(listener),
    purge: (now) => store.metering.deleteBefore(now - settings.retentionDays * 86_400_000),
  };
}

/** The leased jobs that sample storage (at least hourly; one node per interval) and delete what is past the retention (daily). */
export function storageSamplingJob(config: Config, metering: MeteringWiring, log: Logger): JobDefinition[] {
  if (!config.metering.enabled) return [];
  const intervalMs = config.metering.sampleMinutes * 60_000;
  return [
    {
      name: 'sample-storage',
      intervalMs,
      leaseMs: intervalMs,
      async run() {
        const repositories = await metering.sampler.sample();
        log.debug({ repositories }, 'sampled storage');
      },
    },
    {
      // Retention: counts and samples older than metering.retentionDays, once a day by one node.
      name: 'purge-metering',
      intervalMs: 86_400_000,
      leaseMs: 3_600_000,
      async run() {
        const deleted = await metering.purge(Date.now());
        log.debug(deleted, 'deleted metering rows past their retention');
      },
    },
  ];
}
