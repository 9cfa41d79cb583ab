// ECR's replication on the API: the registry's replication configuration (PutReplicationConfiguration,
// shown by DescribeRegistry), what a push enqueues for it (one task per image and destination,
// in the outbox the replication worker leases), and DescribeImageReplicationStatus.
import { Actions } from '../domain/actions.js';
import { resolveImageId } from '../domain/image-id.js';
import { ManagementError } from '../domain/management-errors.js';
import type {
  ReplicationDestination,
  ReplicationRule,
  ReplicationTask,
  ReplicationTaskInput,
} from '../domain/records/replication.js';
import { type ReplicationTagFilter, replicatedTags } from '../domain/replication-tag-filters.js';
import type { RequestContext } from '../domain/request-context.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';

/** ECR's quota: unique destinations across all rules of a registry. */
export const MAX_REPLICATION_DESTINATIONS = 25;

export interface ReplicationOptions {
  /** This deployment's region. */
  region: string;
  /** The other regions (peers) this deployment can reach. */
  peerRegions: readonly string[];
  /** Which tags of a push replicate (a Berth extension in the configuration file). */
  tagFilters?: readonly ReplicationTagFilter[];
}

export interface ImageReplicationStatus extends ReplicationDestination {
  status: ReplicationTask['status'];
  failureCode: string | null;
}

function destinationKey(d: ReplicationDestination): string {
  return `${d.region}/${d.registryId}`;
}

/** The destinations of the rules whose filters match the repository, each once. */
export function destinationsFor(rules: ReplicationRule[], repositoryName: string): ReplicationDestination[] {
  const out = new Map<string, ReplicationDestination>();
  for (const rule of rules) {
    const filters = rule.repositoryFilters ?? [];
    if (filters.length > 0 && !filters.some((f) => repositoryName.startsWith(f.filter))) continue;
    for (const d of rule.destinations) out.set(destinationKey(d), { region: d.region, registryId: d.registryId });
  }
  return [...out.values()];
}

export class ReplicationService {
  constructor(
    private readonly store: Pick<MetadataStore, 'replication' | 'tags' | 'manifests'>,
    private readonly access: RepositoryAccess,
    private readonly options: ReplicationOptions,
  ) {}

  /** The caller's rules (DescribeRegistry shows them). */
  async rules(ctx: RequestContext): Promise<ReplicationRule[]> {
    return this.store.replication.rules(ctx.registry.accountId);
  }

  async putConfiguration(ctx: RequestContext, rules: ReplicationRule[]): Promise<ReplicationRule[]> {
    await this.access.authorizeRegistry(ctx, Actions.PutReplicationConfiguration);
    this.validate(ctx.registry.accountId, rules);
    const normalized = rules.map((r) => ({
      destinations: r.destinations.map((d) => ({ region: d.region, registryId: d.registryId })),
      ...(r.repositoryFilters &&
        r.repositoryFilters.length > 0 && {
          repositoryFilters: r.repositoryFilters.map((f) => ({ filter: f.filter, filterType: f.filterType })),
        }),
    }));
    await this.store.replication.putRules(ctx.registry.accountId, normalized, Date.now());
    return normalized;
  }

  /**
   * What a push of `digest` (tagged `tags`) to the repository replicates: one task per
   * destination its registry's rules name. The manifest's put stores them in its transaction.
   */
  async tasksForPush(
    accountId: string,
    repositoryName: string,
    digest: string,
    tags: string[],
  ): Promise<ReplicationTaskInput[]> {
    const rules = await this.store.replication.rules(accountId);
    if (rules.length === 0) return [];
    const replicated = replicatedTags(this.options.tagFilters ?? [], accountId, repositoryName, tags);
    if (replicated === undefined) return [];
    return destinationsFor(rules, repositoryName).map((destination) => ({
      accountId,
      repositoryName,
      digest,
      tags: replicated,
      destination,
    }));
  }

  /** Adds tasks on their own (a push of what is there already stores nothing to add them with). */
  async enqueue(tasks: ReplicationTaskInput[]): Promise<void> {
    await this.store.replication.enqueue(tasks, Date.now());
  }

  /** DescribeImageReplicationStatus: per destination, the newest replication of the image. */
  async statuses(
    ctx: RequestContext,
    repositoryName: string,
    imageId: { imageDigest?: string; imageTag?: string },
  ): Promise<{ digest: string; tag?: string; statuses: ImageReplicationStatus[] }> {
    const repository = await this.access.existing(ctx, repositoryName, Actions.DescribeImageReplicationStatus);
    const image = await resolveImageId(this.store, repository, ctx.registry.accountId, imageId);
    const tasks = await this.store.replication.statuses(ctx.registry.accountId, repositoryName, image.digest);
    return {
      digest: image.digest,
      ...(imageId.imageTag !== undefined && { tag: imageId.imageTag }),
      statuses: tasks.map((t) => ({ ...t.destination, status: t.status, failureCode: t.failureCode })),
    };
  }

  private validate(accountId: string, rules: ReplicationRule[]): void {
    const reachable = new Set([this.options.region, ...this.options.peerRegions]);
    const unique = new Set<string>();
    for (const rule of rules) {
      for (const d of rule.destinations) {
        if (d.region === this.options.region && d.registryId === accountId)
          throw new ManagementError(
            'INVALID_PARAMETER',
            `Invalid parameter at 'replicationConfiguration': the destination ${d.region}/${d.registryId} is the source registry`,
          );
        if (!reachable.has(d.region))
          throw new ManagementError(
            'INVALID_PARAMETER',
            `Invalid parameter at 'replicationConfiguration': the region '${d.region}' is not this deployment's nor one of its peers'`,
          );
        unique.add(destinationKey(d));
      }
    }
    if (unique.size > MAX_REPLICATION_DESTINATIONS)
      throw new ManagementError(
        'VALIDATION',
        `A replication configuration names at most ${MAX_REPLICATION_DESTINATIONS} unique destinations; this one names ${unique.size}`,
      );
  }
}
