// Usage, as `berth usage` and GET /admin/usage show it: the report of a range (usage-report.ts)
// over what the store holds, and one repository's view (its storage now, growth over 30 days,
// counts against the limits, last pull, top pullers, estimated cost of the last 30 days).
import type { MeteringConfig } from '../config/schema-metering.js';
import type { RegistryRef } from '../domain/registry.js';
import { ANONYMOUS_CALLER } from '../domain/transfer-meter.js';
import { registryKey } from '../metadata/registry-key.js';
import type { MetadataStore } from '../metadata/store.js';
import { storageSamples } from './storage-sampler.js';
import { type UsageGrouping, type UsageReport, type UsageRow, usageReport } from './usage-report.js';

const DAY_MS = 86_400_000;
const TOP_PULLERS = 10;

/** A time given as ISO 8601 (a date, or a date and time) or epoch milliseconds; undefined if it is neither. */
export function parseUsageTime(value: string): number | undefined {
  const at = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(at) ? at : undefined;
}

/** The start of the month (UTC) `now` is in: a report's default `from`, as a bill's period. */
export function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export interface UsageQuery {
  /** An account (its private and public registries); all accounts when absent. */
  accountId?: string;
  from: number;
  to: number;
  by: UsageGrouping;
}

export interface RepositoryUsage {
  accountId: string;
  repository: string;
  visibility: 'private' | 'public';
  /** Now, from the blob links. */
  physicalBytes: number;
  sharedBytes: number;
  attributedBytes: number;
  archiveBytes: number;
  growth30Days: { fromBytes: number | null; toBytes: number; bytes: number | null; percent: number | null };
  images: { count: number; limit: number | null };
  tags: { count: number; limit: number | null };
  lastPulledAt: string | null;
  topPullers: { principal: string; anonymous: boolean; bytes: number; requests: number }[];
  /** The last 30 days. */
  last30Days: UsageRow | null;
}

export class UsageService {
  constructor(
    private readonly store: Pick<MetadataStore, 'metering' | 'repositories'>,
    private readonly config: MeteringConfig,
  ) {}

  async report(query: UsageQuery, now = Date.now()): Promise<UsageReport> {
    const accountIds = query.accountId
      ? [query.accountId, registryKey({ accountId: query.accountId, visibility: 'public' })]
      : undefined;
    const range = { from: query.from, to: query.to, ...(accountIds && { accountIds }) };
    const [before, inRange, transfer] = await Promise.all([
      this.store.metering.samplesBefore(query.from, accountIds),
      this.store.metering.storageSamples(range),
      this.store.metering.transfer({
        ...range,
        // Hours that began before `from` are counted whole when `from` is inside them.
        from: query.from - (query.from % 3_600_000),
      }),
    ]);
    return usageReport({
      from: query.from,
      to: query.to,
      now,
      by: query.by,
      prices: this.config.prices,
      samples: [...before, ...inRange],
      transfer,
    });
  }

  /** One repository's usage; undefined when there is no such repository. */
  async repository(registry: RegistryRef, name: string, now = Date.now()): Promise<RepositoryUsage | undefined> {
    const key = registryKey(registry);
    const repository = await this.store.repositories.get(key, name);
    if (!repository) return undefined;
    const [links, counts, lastPull, monthAgo, transfer] = await Promise.all([
      this.store.metering.blobLinks(key),
      this.store.metering.repositoryCounts(key),
      this.store.metering.lastPull(repository.id),
      this.store.metering.samplesBefore(now - 30 * DAY_MS + 1, [key]),
      this.store.metering.transfer({ from: now - 30 * DAY_MS, to: now + 1, repositoryId: repository.id }),
    ]);
    const current = storageSamples(key, now, links, counts).find((s) => s.repositoryId === repository.id)!;
    let past = monthAgo.find((s) => s.repositoryId === repository.id);
    if (!past) {
      // No sample as old as 30 days: the oldest within them.
      const within = await this.store.metering.storageSamples({
        from: now - 30 * DAY_MS,
        to: now + 1,
        repositoryId: repository.id,
      });
      past = within[0];
    }
    const pullers = new Map<string, { principal: string; anonymous: boolean; bytes: number; requests: number }>();
    for (const count of transfer) {
      const entry = pullers.get(count.principal) ?? {
        principal: count.principal,
        anonymous: count.principal === ANONYMOUS_CALLER,
        bytes: 0,
        requests: 0,
      };
      entry.bytes += count.bytes;
      entry.requests += count.requests;
      pullers.set(count.principal, entry);
    }
    const report = await this.report(
      { accountId: registry.accountId, from: now - 30 * DAY_MS, to: now + 1, by: 'repository' },
      now,
    );
    const limit = (n: number) => (n > 0 ? n : null);
    const growth = past ? current.attributedBytes - past.attributedBytes : null;
    return {
      accountId: registry.accountId,
      repository: name,
      visibility: registry.visibility,
      physicalBytes: current.physicalBytes,
      sharedBytes: current.sharedBytes,
      attributedBytes: current.attributedBytes,
      archiveBytes: current.archiveBytes,
      growth30Days: {
        fromBytes: past?.attributedBytes ?? null,
        toBytes: current.attributedBytes,
        bytes: growth,
        percent: past && past.attributedBytes > 0 ? (growth! / past.attributedBytes) * 100 : null,
      },
      images: { count: current.imageCount, limit: limit(this.config.limits.imagesPerRepository) },
      tags: { count: current.tagCount, limit: limit(this.config.limits.tagsPerRepository) },
      lastPulledAt: lastPull === undefined ? null : new Date(lastPull).toISOString(),
      topPullers: [...pullers.values()].sort((a, b) => b.bytes - a.bytes).slice(0, TOP_PULLERS),
      last30Days: report.rows.find((r) => r.repository === name && r.visibility === registry.visibility) ?? null,
    };
  }
}
