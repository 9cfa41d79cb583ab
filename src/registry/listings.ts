// Content discovery: tags of a repository, repositories of a registry (catalog), and referrers.
import { Actions } from '../domain/actions.js';
import { parseDigest } from '../domain/digest.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { Descriptor } from '../domain/manifest.js';
import { isMediaType, MediaTypes } from '../domain/media-types.js';
import { RegistryError } from '../domain/errors.js';
import { ManagementError } from '../domain/management-errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';
import { paginate, type PageRequest, type PageResult } from './pagination.js';
import { registryKey } from '../metadata/registry-key.js';

export interface ReferrersResult {
  index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] };
  filtered: boolean;
}

/** A page of a subject's referrers in push order; `next` is the digest to continue after. */
export interface ReferrersPage {
  /** Each with its ECR artifactStatus (the referrer's image status). */
  referrers: (Descriptor & { artifactStatus: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' })[];
  next?: string;
}

export class ListingService {
  constructor(
    private readonly store: Pick<MetadataStore, 'manifests' | 'repositories' | 'tags'>,
    private readonly access: RepositoryAccess,
  ) {}

  async tags(ctx: RequestContext, name: string, page: PageRequest): Promise<PageResult> {
    const repository = await this.access.existing(ctx, name, Actions.ListImages);
    return paginate(page, (last, limit) =>
      this.store.tags.list(repository.id, last === undefined ? { limit } : { last, limit }),
    );
  }

  /** Repository names of the account's registry. Per-repository visibility arrives with IAM. */
  async catalog(ctx: RequestContext, page: PageRequest): Promise<PageResult> {
    await this.access.authorizeAll(ctx, Actions.DescribeRepositories);
    return paginate(page, (last, limit) =>
      this.store.repositories.list(registryKey(ctx.registry), last === undefined ? { limit } : { last, limit }),
    );
  }

  async referrers(
    ctx: RequestContext,
    name: string,
    digestValue: string,
    artifactType?: string,
  ): Promise<ReferrersResult> {
    if (artifactType !== undefined && !isMediaType(artifactType)) {
      throw new RegistryError('UNSUPPORTED', 'artifactType must be a media type', { artifactType }, { status: 400 });
    }
    const digest = parseDigest(digestValue);
    let repository: Repository;
    try {
      repository = await this.access.existing(ctx, name, Actions.BatchGetImage);
    } catch (err) {
      // A registry that supports referrers never answers them 404 (distribution spec, "Listing
      // Referrers"). Where repositories are made by the first push, a name nothing was pushed to
      // yet is a repository that holds nothing: it has no referrers. Elsewhere the repository is
      // not found, and NAME_UNKNOWN stays ("assuming a repository is found").
      if (!(err instanceof RegistryError && err.code === 'NAME_UNKNOWN' && this.access.createsRepositoriesOnPush))
        throw err;
      return {
        index: { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] },
        filtered: artifactType !== undefined,
      };
    }
    const manifests = await this.descriptors(repository, digest.value, artifactType);
    return {
      index: { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests },
      filtered: artifactType !== undefined,
    };
  }

  /** The referrers of a subject of one of `artifactTypes` (any when empty), `limit` at a time after the digest `after` (ECR's ListImageReferrers). */
  async referrersPage(
    ctx: RequestContext,
    name: string,
    digestValue: string,
    artifactTypes: readonly string[],
    page: { after?: string; limit: number },
    artifactStatus: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' | 'ANY' = 'ANY',
  ): Promise<ReferrersPage> {
    const repository = await this.access.existing(ctx, name, Actions.BatchGetImage);
    const records = await this.store.manifests.referrers(repository.id, parseDigest(digestValue).value);
    const all = records
      .map((r) => ({ ...descriptorOf(r), artifactStatus: r.imageStatus ?? ('ACTIVE' as const) }))
      .filter(
        (d) =>
          (artifactTypes.length === 0 || (d.artifactType !== undefined && artifactTypes.includes(d.artifactType))) &&
          (artifactStatus === 'ANY' || d.artifactStatus === artifactStatus),
      );
    const start = page.after === undefined ? 0 : all.findIndex((d) => d.digest === page.after) + 1;
    if (start === 0 && page.after !== undefined) {
      throw new ManagementError(
        'INVALID_PARAMETER',
        "Invalid parameter at 'nextToken' failed to satisfy constraint: 'the referrer it continues after is gone'",
      );
    }
    const referrers = all.slice(start, start + page.limit);
    return { referrers, ...(start + page.limit < all.length && { next: referrers[referrers.length - 1]!.digest }) };
  }

  /** The descriptors of the manifests in the repository whose subject is the digest, in push order. */
  private async descriptors(repository: Repository, digest: string, artifactType?: string): Promise<Descriptor[]> {
    const records = await this.store.manifests.referrers(repository.id, digest, artifactType);
    return records.map(descriptorOf);
  }
}

function descriptorOf(r: ManifestRecord): Descriptor {
  const descriptor: Descriptor = { mediaType: r.mediaType, digest: r.digest, size: r.size };
  if (r.artifactType) descriptor.artifactType = r.artifactType;
  if (r.annotations) descriptor.annotations = r.annotations;
  return descriptor;
}
