// Content discovery: tags of a repository, repositories of a registry (catalog), and referrers.
import { Actions } from '../domain/actions.js';
import { parseDigest } from '../domain/digest.js';
import type { Descriptor } from '../domain/manifest.js';
import { isMediaType, MediaTypes } from '../domain/media-types.js';
import { RegistryError } from '../domain/errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';
import type { RequestContext } from './context.js';
import { paginate, type PageRequest, type PageResult } from './pagination.js';

export interface ReferrersResult {
  index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] };
  filtered: boolean;
}

export class ListingService {
  constructor(private readonly store: MetadataStore, private readonly access: RepositoryAccess) {}

  async tags(ctx: RequestContext, name: string, page: PageRequest): Promise<PageResult> {
    const repository = await this.access.existing(ctx, name, Actions.ListImages);
    return paginate(page, (last, limit) => this.store.tags.list(repository.id, last === undefined ? { limit } : { last, limit }));
  }

  /** Repository names of the account's registry. Per-repository visibility arrives with IAM. */
  async catalog(ctx: RequestContext, page: PageRequest): Promise<PageResult> {
    await this.access.authorizeAll(ctx, Actions.DescribeRepositories);
    return paginate(page, (last, limit) => this.store.repositories.list(ctx.accountId, last === undefined ? { limit } : { last, limit }));
  }

  async referrers(ctx: RequestContext, name: string, digestValue: string, artifactType?: string): Promise<ReferrersResult> {
    const repository = await this.access.existing(ctx, name, Actions.BatchGetImage);
    const digest = parseDigest(digestValue);
    if (artifactType !== undefined && !isMediaType(artifactType)) {
      throw new RegistryError('UNSUPPORTED', 'artifactType must be a media type', { artifactType }, { status: 400 });
    }
    const records = await this.store.manifests.referrers(repository.id, digest.value, artifactType);
    const manifests = records.map((r) => {
      const descriptor: Descriptor = { mediaType: r.mediaType, digest: r.digest, size: r.size };
      if (r.artifactType) descriptor.artifactType = r.artifactType;
      if (r.annotations) descriptor.annotations = r.annotations;
      return descriptor;
    });
    return { index: { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests }, filtered: artifactType !== undefined };
  }
}
