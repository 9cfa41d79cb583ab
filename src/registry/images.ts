// The ECR view of a repository's content: an image is a manifest with its tags. Listing,
// describing, batch get and batch delete, each with one authorization call; image ids that
// cannot be served become failures named as ECR's ImageFailureCode names them.
import { Actions } from '../domain/actions.js';
import { tryParseDigest } from '../domain/digest.js';
import { DeletionProtectedError } from '../domain/deletion-protection.js';
import { RegistryError } from '../domain/errors.js';
import { isTag } from '../domain/names.js';
import type { ImageId, ImageRecord, TagStatus } from '../domain/records/images.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';
import type { ManifestService } from './manifests.js';
import { type ImageRemoval, type RemovalActor, removalActor } from './image-removal.js';

/** An image as a request names it: by tag, by digest, or both. */
export interface ImageRef {
  imageDigest?: string;
  imageTag?: string;
}

export type ImageFailureCode =
  | 'InvalidImageDigest'
  | 'InvalidImageTag'
  | 'ImageTagDoesNotMatchDigest'
  | 'ImageNotFound'
  | 'MissingDigestAndTag'
  | 'ImageReferencedByManifestList'
  | 'ImageInaccessible';

export interface ImageFailure {
  imageId: ImageRef;
  failureCode: ImageFailureCode;
  failureReason: string;
}

export interface ImageFilter {
  tagStatus: TagStatus;
  /** ECR's imageStatus (storage-classes.ts): ACTIVE, ARCHIVED, ACTIVATING, or ANY of them. */
  imageStatus: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' | 'ANY';
}

export interface DescribedImage extends ImageRecord {
  /** Config and layers added up; for an index, its largest image. */
  size: number;
}

export interface ImagePage<T, C> {
  repository: Repository;
  items: T[];
  /** Where the next page starts, when there may be one. */
  next?: C;
}

export interface FetchedImage {
  imageId: ImageRef;
  record: ManifestRecord;
  bytes: Buffer;
}

type Resolution = { record: ManifestRecord } | { failure: ImageFailure };

const fail = (imageId: ImageRef, failureCode: ImageFailureCode, failureReason: string): Resolution => ({
  failure: { imageId, failureCode, failureReason },
});

/** The same image id asked for twice is served once. */
function unique(ids: ImageRef[]): ImageRef[] {
  const seen = new Map<string, ImageRef>();
  for (const id of ids) seen.set(JSON.stringify([id.imageDigest ?? null, id.imageTag ?? null]), id);
  return [...seen.values()];
}

export class ImageService {
  constructor(
    private readonly store: Pick<MetadataStore, 'images' | 'manifests' | 'tags'>,
    private readonly access: RepositoryAccess,
    private readonly manifests: ManifestService,
    private readonly removal: ImageRemoval,
  ) {}

  /** ListImages: one id per tag, one per untagged manifest. */
  async ids(
    ctx: RequestContext,
    name: string,
    filter: ImageFilter,
    page: { after?: ImageId; limit: number },
  ): Promise<ImagePage<ImageId, ImageId>> {
    const repository = await this.access.existing(ctx, name, Actions.ListImages);
    const rows = await this.store.images.ids(
      repository.id,
      filter.tagStatus,
      page.after ? { after: page.after, limit: page.limit + 1 } : { limit: page.limit + 1 },
      filter.imageStatus,
    );
    if (rows.length <= page.limit) return { repository, items: rows };
    const items = rows.slice(0, page.limit);
    return { repository, items, next: items[items.length - 1]! };
  }

  /** DescribeImages without image ids: every image, by digest. */
  async list(
    ctx: RequestContext,
    name: string,
    filter: ImageFilter,
    page: { last?: string; limit: number },
  ): Promise<ImagePage<DescribedImage, string>> {
    const repository = await this.access.existing(ctx, name, Actions.DescribeImages);
    const rows = await this.store.images.list(
      repository.id,
      filter.tagStatus,
      page.last === undefined ? { limit: page.limit + 1 } : { last: page.last, limit: page.limit + 1 },
      filter.imageStatus,
    );
    const items = await this.sized(repository, rows.slice(0, page.limit));
    return rows.length > page.limit
      ? { repository, items, next: items[items.length - 1]!.digest }
      : { repository, items };
  }

  /** DescribeImages with image ids: each must name an image of the repository (ImageNotFound otherwise). */
  async describe(ctx: RequestContext, name: string, ids: ImageRef[]): Promise<ImagePage<DescribedImage, never>> {
    const repository = await this.access.existing(ctx, name, Actions.DescribeImages);
    const digests: string[] = [];
    for (const id of unique(ids)) {
      const resolved = await this.resolve(repository, id);
      if ('failure' in resolved) {
        const { failureCode, failureReason } = resolved.failure;
        if (failureCode === 'InvalidImageDigest') throw new RegistryError('DIGEST_INVALID', failureReason, id);
        if (failureCode === 'InvalidImageTag' || failureCode === 'MissingDigestAndTag')
          throw new RegistryError('TAG_INVALID', failureReason, id);
        throw new RegistryError(
          'MANIFEST_UNKNOWN',
          `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${ctx.registry.accountId}'`,
          id,
        );
      }
      if (!digests.includes(resolved.record.digest)) digests.push(resolved.record.digest);
    }
    const records = new Map((await this.store.images.get(repository.id, digests)).map((r) => [r.digest, r]));
    return {
      repository,
      items: await this.sized(
        repository,
        digests.flatMap((d) => records.get(d) ?? []),
      ),
    };
  }

  /** BatchGetImage: the stored manifests of the images, when their media type is accepted. */
  async batchGet(
    ctx: RequestContext,
    name: string,
    ids: ImageRef[],
    acceptedMediaTypes?: string[],
  ): Promise<{ repository: Repository; images: FetchedImage[]; failures: ImageFailure[] }> {
    const repository = await this.access.existing(ctx, name, Actions.BatchGetImage);
    const images: FetchedImage[] = [];
    const failures: ImageFailure[] = [];
    for (const id of unique(ids)) {
      const resolved = await this.resolve(repository, id);
      if ('failure' in resolved) {
        failures.push(resolved.failure);
        continue;
      }
      let { record } = resolved;
      if (record.imageStatus !== undefined && record.imageStatus !== 'ACTIVE') {
        failures.push({
          imageId: id,
          failureCode: 'ImageInaccessible',
          failureReason:
            record.imageStatus === 'ARCHIVED'
              ? 'The image is archived: restore it with UpdateImageStorageClass (targetStorageClass STANDARD) to pull it'
              : 'The image is being restored from the archive (ACTIVATING): it can be pulled once it is ACTIVE',
        });
        continue;
      }
      const refusal = await this.manifests.pullRefusal(repository, record.digest);
      if (refusal !== undefined) {
        failures.push({ imageId: id, failureCode: 'ImageInaccessible', failureReason: refusal });
        continue;
      }
      let bytes: Buffer | undefined;
      if (acceptedMediaTypes && !acceptedMediaTypes.includes(record.mediaType)) {
        // By tag, as on /v2: converted to an accepted format when one can be made.
        const converted =
          id.imageTag !== undefined && id.imageDigest === undefined
            ? await this.manifests
                .inFormat(repository, record, id.imageTag, acceptedMediaTypes)
                .catch((err: unknown) => {
                  if (err instanceof RegistryError && err.code === 'MANIFEST_UNKNOWN') return undefined;
                  throw err;
                })
            : undefined;
        if (!converted) {
          failures.push({
            imageId: id,
            failureCode: 'ImageNotFound',
            failureReason: `Requested image is a ${record.mediaType}, which is not among the accepted media types`,
          });
          continue;
        }
        await this.manifests.recordPull(repository, converted.source, ctx);
        ({ bytes } = converted);
        record = { ...record, digest: converted.digest, mediaType: converted.mediaType, size: converted.size };
      }
      if (!bytes) {
        bytes = await this.manifests.bytes(repository, record);
        await this.manifests.recordPull(repository, record.digest, ctx);
      }
      // The manifest's bytes leave the registry in the answer: transfer out, as a /v2 GET's.
      this.manifests.meterServed(ctx, repository, bytes.length);
      images.push({
        imageId: { imageDigest: record.digest, ...(id.imageTag !== undefined && { imageTag: id.imageTag }) },
        record,
        bytes,
      });
    }
    return { repository, images, failures };
  }

  /**
   * BatchDeleteImage. By tag: removes the tag, and the image with its last tag (as ECR does)
   * unless an index of the repository still names it. By digest: removes the image with all its tags.
   */
  async batchDelete(
    ctx: RequestContext,
    name: string,
    ids: ImageRef[],
  ): Promise<{ repository: Repository; deleted: ImageRef[]; failures: ImageFailure[] }> {
    const repository = await this.access.existing(ctx, name, Actions.BatchDeleteImage);
    const actor = removalActor(ctx);
    const deleted: ImageRef[] = [];
    const failures: ImageFailure[] = [];
    for (const id of unique(ids)) {
      try {
        await this.deleteOne(repository, id, actor, deleted, failures);
      } catch (err) {
        // A protected image (deletion-protection.ts) is a failure of its own; the others go on.
        if (!(err instanceof DeletionProtectedError)) throw err;
        failures.push({ imageId: id, failureCode: 'ImageInaccessible', failureReason: err.message });
      }
    }
    return { repository, deleted, failures };
  }

  private async deleteOne(
    repository: Repository,
    id: ImageRef,
    actor: RemovalActor,
    deleted: ImageRef[],
    failures: ImageFailure[],
  ): Promise<void> {
    const resolved = await this.resolve(repository, id);
    if ('failure' in resolved) {
      failures.push(resolved.failure);
      return;
    }
    const digest = resolved.record.digest;
    if (id.imageTag !== undefined) {
      // The image's last tag takes the image with it in one removal, so the trash keeps the tag.
      const [image] = await this.store.images.get(repository.id, [digest]);
      if (
        image?.tags.length === 1 &&
        image.tags[0] === id.imageTag &&
        (await this.store.images.parents(repository.id, digest)).length === 0
      ) {
        if (!(await this.removal.removeManifest(repository, digest, actor))) {
          failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
          return;
        }
        deleted.push({ imageDigest: digest, imageTag: id.imageTag });
        return;
      }
      if (!(await this.removal.untag(repository, id.imageTag, actor))) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        return;
      }
      deleted.push({ imageDigest: digest, imageTag: id.imageTag });
      const [left] = await this.store.images.get(repository.id, [digest]);
      if (left && left.tags.length === 0 && (await this.store.images.parents(repository.id, digest)).length === 0) {
        await this.removal.removeManifest(repository, digest, actor);
      }
      return;
    }
    const parents = await this.store.images.parents(repository.id, digest);
    if (parents.length > 0) {
      failures.push({
        imageId: id,
        failureCode: 'ImageReferencedByManifestList',
        failureReason: `Requested image referenced by manifest list: [${parents.join(', ')}]`,
      });
      return;
    }
    const [image] = await this.store.images.get(repository.id, [digest]);
    if (!image || !(await this.removal.removeManifest(repository, digest, actor))) {
      failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
      return;
    }
    deleted.push(
      ...(image.tags.length === 0
        ? [{ imageDigest: digest }]
        : image.tags.map((tag) => ({ imageDigest: digest, imageTag: tag }))),
    );
  }

  private async sized(repository: Repository, records: ImageRecord[]): Promise<DescribedImage[]> {
    const sizes = await this.store.images.sizes(
      repository.id,
      records.map((r) => r.digest),
    );
    return records.map((r) => ({ ...r, size: sizes.get(r.digest) ?? 0 }));
  }

  private async resolve(repository: Repository, id: ImageRef): Promise<Resolution> {
    const { imageDigest, imageTag } = id;
    if (imageDigest === undefined && imageTag === undefined)
      return fail(id, 'MissingDigestAndTag', 'Invalid request parameters: both tag and digest cannot be null');
    if (imageDigest !== undefined && !tryParseDigest(imageDigest))
      return fail(
        id,
        'InvalidImageDigest',
        "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
      );
    if (imageTag !== undefined && !isTag(imageTag))
      return fail(
        id,
        'InvalidImageTag',
        "Invalid request parameters: image tag should satisfy the regex '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}'",
      );
    const record =
      imageTag !== undefined
        ? await this.store.tags.resolve(repository.id, imageTag)
        : await this.store.manifests.get(repository.id, imageDigest!);
    if (!record) return fail(id, 'ImageNotFound', 'Requested image not found');
    if (imageDigest !== undefined && record.digest !== imageDigest)
      return fail(id, 'ImageTagDoesNotMatchDigest', 'Invalid tag/digest pair');
    return { record };
  }
}
