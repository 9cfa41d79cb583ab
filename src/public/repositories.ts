// Public repositories as ECR Public manages them: made with catalog data and tags under the
// account's public registry (which gets its default alias then), their catalog data and tag
// details, and the registry's own catalog data. Images, layers and repository policies go
// through the registry's services, given a context whose registry is public.
import { Actions, PublicActions } from '../domain/actions.js';
import { ManagementError } from '../domain/management-errors.js';
import type { ResourceTag } from '../domain/resource-tags.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import { publicRegistry } from '../domain/registry.js';
import type { RepositoryCreator, RepositoryGate } from '../domain/repository-access.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { MetadataStore } from '../metadata/store.js';
import type { PublicRegistry, RegistryAlias, RepositoryCatalog } from '../domain/records/public.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RequestContext } from '../domain/request-context.js';
import type { AliasService } from './aliases.js';
import { naturalCompare } from './search.js';

export const EMPTY_CATALOG: RepositoryCatalog = {
  description: null,
  aboutText: null,
  usageText: null,
  architectures: [],
  operatingSystems: [],
  logo: null,
};

/** RepositoryCatalogDataInput: a field left out keeps its value. */
export interface CatalogDataInput {
  description?: string;
  architectures?: string[];
  operatingSystems?: string[];
  logoImageBlob?: Buffer;
  aboutText?: string;
  usageText?: string;
}

export interface TagDetail {
  tag: string;
  image: ManifestRecord;
  size: number | undefined;
}

/** The media type of a logo by its first bytes; the gallery serves only images browsers show inertly (no SVG). */
export function logoMediaType(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return undefined;
}

function merged(current: RepositoryCatalog, input: CatalogDataInput): RepositoryCatalog {
  let logo = current.logo;
  if (input.logoImageBlob !== undefined) {
    if (input.logoImageBlob.length === 0) logo = null;
    else {
      const mediaType = logoMediaType(input.logoImageBlob);
      if (!mediaType)
        throw new ManagementError(
          'INVALID_PARAMETER',
          "Invalid parameter at 'catalogData.logoImageBlob': the logo must be a PNG, JPEG, GIF or WebP image",
        );
      logo = { mediaType, data: input.logoImageBlob };
    }
  }
  return {
    description: input.description ?? current.description,
    aboutText: input.aboutText ?? current.aboutText,
    usageText: input.usageText ?? current.usageText,
    architectures: input.architectures ?? current.architectures,
    operatingSystems: input.operatingSystems ?? current.operatingSystems,
    logo,
  };
}

/** One page of a repository's tags in byte order, each with its image and size. */
export async function tagDetailsOf(
  store: Pick<MetadataStore, 'tags' | 'images'>,
  repositoryId: string,
  page: { last?: string; limit: number },
): Promise<{ items: TagDetail[]; last?: string }> {
  const tags = await store.tags.list(
    repositoryId,
    page.last === undefined ? { limit: page.limit + 1 } : { last: page.last, limit: page.limit + 1 },
  );
  const more = tags.length > page.limit;
  const items: TagDetail[] = [];
  for (const tag of tags.slice(0, page.limit)) {
    const image = await store.tags.resolve(repositoryId, tag);
    if (image) items.push({ tag, image, size: undefined });
  }
  const sizes = await store.images.sizes(repositoryId, [...new Set(items.map((i) => i.image.digest))]);
  for (const item of items) item.size = sizes.get(item.image.digest);
  return { items, ...(more && { last: tags[page.limit - 1]! }) };
}

const TAGGED_PAGE = 500;

/**
 * The repository's tags, the most recently pushed image's first (ties in natural order), at most
 * `limit` of them with their sizes; how many there are; and the tag a pull command names:
 * `latest` when there is one, else the most recently pushed (undefined without tags).
 */
export async function recentTagsOf(
  store: Pick<MetadataStore, 'images'>,
  repositoryId: string,
  limit: number,
): Promise<{ items: TagDetail[]; total: number; pullTag?: string }> {
  const all: TagDetail[] = [];
  for (let last: string | undefined; ; ) {
    const images = await store.images.list(repositoryId, 'TAGGED', {
      ...(last !== undefined && { last }),
      limit: TAGGED_PAGE,
    });
    for (const image of images) for (const tag of image.tags) all.push({ tag, image, size: undefined });
    if (images.length < TAGGED_PAGE) break;
    last = images[images.length - 1]!.digest;
  }
  all.sort((a, b) => b.image.createdAt - a.image.createdAt || naturalCompare(a.tag, b.tag));
  const items = all.slice(0, limit);
  const sizes = await store.images.sizes(repositoryId, [...new Set(items.map((i) => i.image.digest))]);
  for (const item of items) item.size = sizes.get(item.image.digest);
  const pullTag = all.some((t) => t.tag === 'latest') ? 'latest' : all[0]?.tag;
  return { items, total: all.length, ...(pullTag !== undefined && { pullTag }) };
}

export class PublicRepositoryService {
  constructor(
    private readonly store: Pick<MetadataStore, 'publicRegistry' | 'tags' | 'images'>,
    private readonly access: RepositoryGate<Repository>,
    private readonly repositories: RepositoryCreator<Repository>,
    private readonly aliases: AliasService,
  ) {}

  /** Creates a public repository in the caller's public registry (made with its default alias the first time). */
  async create(
    principal: AuthenticatedPrincipal,
    request: { name: string; catalogData?: CatalogDataInput; tags?: ResourceTag[] },
  ): Promise<{ repository: Repository; catalog: RepositoryCatalog }> {
    const ctx = { principal, registry: publicRegistry(principal.accountId) };
    await this.access.authorize(ctx, request.name, Actions.CreateRepository);
    if (request.catalogData) await this.access.authorize(ctx, request.name, PublicActions.PutRepositoryCatalogData);
    // Validated before anything is made, so a bad logo leaves nothing behind.
    const catalog = request.catalogData ? merged(EMPTY_CATALOG, request.catalogData) : EMPTY_CATALOG;
    await this.aliases.ensureRegistry(principal.accountId);
    const repository = await this.repositories.create(ctx, {
      name: request.name,
      ...(request.tags && { tags: request.tags }),
    });
    if (request.catalogData) await this.store.publicRegistry.putCatalog(repository.id, principal.accountId, catalog);
    return { repository, catalog };
  }

  async catalog(ctx: RequestContext, name: string): Promise<{ repository: Repository; catalog: RepositoryCatalog }> {
    const repository = await this.access.existing(ctx, name, PublicActions.GetRepositoryCatalogData);
    return { repository, catalog: (await this.store.publicRegistry.catalog(repository.id)) ?? EMPTY_CATALOG };
  }

  async putCatalog(
    ctx: RequestContext,
    name: string,
    input: CatalogDataInput,
  ): Promise<{ repository: Repository; catalog: RepositoryCatalog }> {
    const repository = await this.access.existing(ctx, name, PublicActions.PutRepositoryCatalogData);
    const catalog = merged((await this.store.publicRegistry.catalog(repository.id)) ?? EMPTY_CATALOG, input);
    await this.store.publicRegistry.putCatalog(repository.id, ctx.registry.accountId, catalog);
    return { repository, catalog };
  }

  /** One page of the repository's tags in byte order, each with its image. */
  async tagDetails(
    ctx: RequestContext,
    name: string,
    page: { last?: string; limit: number },
  ): Promise<{ items: TagDetail[]; last?: string }> {
    const repository = await this.access.existing(ctx, name, PublicActions.DescribeImageTags);
    return tagDetailsOf(this.store, repository.id, page);
  }

  /** The caller's public registry with its aliases, or undefined before its first public repository. */
  async registry(
    principal: AuthenticatedPrincipal,
  ): Promise<{ registry: PublicRegistry; aliases: RegistryAlias[] } | undefined> {
    await this.access.authorizeRegistry(
      { principal, registry: publicRegistry(principal.accountId) },
      PublicActions.DescribeRegistries,
    );
    const registry = await this.store.publicRegistry.registry(principal.accountId);
    return registry && { registry, aliases: await this.aliases.ofAccount(principal.accountId) };
  }

  /** ECR Public's GetAuthorizationToken: IAM grants ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken on Resource "*", in the caller's account. */
  async authorizeToken(principal: AuthenticatedPrincipal): Promise<void> {
    await this.access.authorizeUnscoped(
      { principal, registry: publicRegistry(principal.accountId) },
      PublicActions.GetAuthorizationToken,
    );
    // As in AWS: the token is a service bearer token, so STS's permission is needed too.
    await this.access.authorizeUnscoped(
      { principal, registry: publicRegistry(principal.accountId) },
      PublicActions.GetServiceBearerToken,
    );
  }

  async registryCatalog(principal: AuthenticatedPrincipal): Promise<{ displayName: string }> {
    await this.access.authorizeRegistry(
      { principal, registry: publicRegistry(principal.accountId) },
      PublicActions.GetRegistryCatalogData,
    );
    return { displayName: (await this.store.publicRegistry.registry(principal.accountId))?.displayName ?? '' };
  }

  async putRegistryCatalog(principal: AuthenticatedPrincipal, displayName: string): Promise<{ displayName: string }> {
    await this.access.authorizeRegistry(
      { principal, registry: publicRegistry(principal.accountId) },
      PublicActions.PutRegistryCatalogData,
    );
    await this.aliases.ensureRegistry(principal.accountId);
    await this.store.publicRegistry.setDisplayName(principal.accountId, displayName);
    return { displayName };
  }
}
