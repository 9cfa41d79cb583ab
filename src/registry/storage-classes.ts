// Images' storage classes (ECR's archive): UpdateImageStorageClass moves an image to ARCHIVE (at
// once ARCHIVED: listed, not pullable) or back to STANDARD (ACTIVATING until its layers are back,
// then ACTIVE). The layers move in the background, a queued move at a time under a lease in the
// database (any node may finish what another started), with progress recorded: to the archive
// only layers that nothing but archived images use, back all the layers the image needs.
// Lifecycle `transition` rules reach it as the domain's ImageArchiver.
import { Actions } from '../domain/actions.js';
import { parseDigest, tryParseDigest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import type { ImageArchiver } from '../domain/image-archive.js';
import { ManagementError } from '../domain/management-errors.js';
import { isTag } from '../domain/names.js';
import type { ImageStatus, StorageMove, TargetStorageClass } from '../domain/records/archive.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RequestContext } from '../domain/request-context.js';
import { StorageClassUpdateNotSupported } from '../domain/storage-class-errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { RepositoryAccess } from './access.js';
import type { ImageRef } from './images.js';

export interface StorageClassOptions {
  /** This node's name, on the leases of the moves it runs. */
  node: string;
  /** How long a move's lease lasts without progress before another node may take it over. */
  leaseMs?: number;
  /** Told of a background move that failed (it is tried again when its lease expires). */
  onError?: (err: unknown, move: StorageMove) => void;
  /** Told of each move finished. */
  onMoved?: (move: StorageMove) => void;
}

export interface StorageClassUpdate {
  repository: Repository;
  imageId: { imageDigest: string; imageTag?: string };
  imageStatus: ImageStatus;
}

const DEFAULT_LEASE_MS = 5 * 60 * 1000;
const BATCH = 20;

export class StorageClassService implements ImageArchiver {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly store: Pick<MetadataStore, 'archive' | 'manifests' | 'tags'>,
    private readonly blobStore: Pick<BlobStore, 'setStorageClass'>,
    private readonly access: Pick<RepositoryAccess, 'existing'>,
    private readonly options: StorageClassOptions,
  ) {}

  /** UpdateImageStorageClass: the image's status once the change is recorded. */
  async update(
    ctx: RequestContext,
    name: string,
    imageId: ImageRef,
    target: TargetStorageClass,
  ): Promise<StorageClassUpdate> {
    const repository = await this.access.existing(ctx, name, Actions.UpdateImageStorageClass);
    const digest = await this.resolve(ctx, repository, imageId);
    const imageStatus =
      target === 'ARCHIVE' ? await this.toArchive(repository, digest) : await this.toStandard(repository, digest);
    return {
      repository,
      imageId: { imageDigest: digest, ...(imageId.imageTag !== undefined && { imageTag: imageId.imageTag }) },
      imageStatus,
    };
  }

  /** ImageArchiver, for lifecycle: the image is ARCHIVED when this resolves (its layers follow). */
  async archive(repository: Repository, digest: string): Promise<void> {
    await this.toArchive(repository, digest);
  }

  /**
   * A manifest was stored: layers it shares with archived images (which may be in the archive)
   * are moved back to STANDARD in the background, as an active image's layers belong there.
   */
  async adopt(repositoryId: string, digest: string, blobs: string[]): Promise<void> {
    if (!(await this.store.archive.sharedWithArchived(blobs))) return;
    // An archived image pushed again (another tag) stays where it is.
    if ((await this.store.archive.status(repositoryId, digest)) !== 'ACTIVE') return;
    await this.store.archive.enqueue(repositoryId, digest, 'STANDARD', Date.now());
    this.kick();
  }

  /** Runs the queued moves no node holds, until none is left; resolves with how many it ran. */
  async runPending(now = Date.now): Promise<number> {
    let ran = 0;
    for (;;) {
      const moves = await this.store.archive.pending(now(), BATCH);
      let claimed = 0;
      for (const move of moves) {
        const at = now();
        const leased = await this.store.archive.claim(
          move.repositoryId,
          move.digest,
          move.target,
          this.options.node,
          at,
          at + this.leaseMs,
        );
        if (!leased) continue;
        claimed++;
        try {
          await this.run(move);
          ran++;
        } catch (err) {
          this.options.onError?.(err, move);
        }
      }
      if (claimed === 0) return ran;
    }
  }

  /** Starts the queued moves in the background (at most one run per process at a time). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.runPending();
      } while (this.again);
    })()
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Resolves when the background run (if any) has ended. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  private async toArchive(repository: Repository, digest: string): Promise<ImageStatus> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const status = await this.store.archive.status(repository.id, digest);
      if (status === undefined) throw this.notFound(repository, { imageDigest: digest });
      if (status === 'ARCHIVED') return status;
      if (status === 'ACTIVATING')
        throw new StorageClassUpdateNotSupported(
          `The image with digest '${digest}' is being restored from the archive; archive it again once it is ACTIVE`,
        );
      if (await this.store.archive.transition(repository.id, digest, 'ACTIVE', 'ARCHIVED', Date.now())) {
        this.kick();
        return 'ARCHIVED';
      }
    }
    throw new StorageClassUpdateNotSupported(`The image with digest '${digest}' changed while it was being archived`);
  }

  private async toStandard(repository: Repository, digest: string): Promise<ImageStatus> {
    const status = await this.store.archive.status(repository.id, digest);
    if (status === undefined) throw this.notFound(repository, { imageDigest: digest });
    if (status !== 'ARCHIVED') return status;
    if (await this.store.archive.transition(repository.id, digest, 'ARCHIVED', 'ACTIVATING', Date.now())) {
      this.kick();
      return 'ACTIVATING';
    }
    return (await this.store.archive.status(repository.id, digest)) ?? 'ACTIVATING';
  }

  /** Moves one image's layers, recording progress; a restore ends with the image ACTIVE. */
  private async run(move: StorageMove): Promise<void> {
    const { repositoryId, digest, target } = move;
    const blobs = await this.store.archive.imageBlobs(repositoryId, digest);
    const progress = { blobsTotal: blobs.length, blobsDone: 0, bytesTotal: 0, bytesDone: 0, leaseUntil: 0 };
    for (const blob of blobs) progress.bytesTotal += blob.size;
    for (const blob of blobs) {
      // To the archive only what no image but archived ones uses, asked just before the move.
      const moves = target === 'STANDARD' || (await this.store.archive.archivedOnly([blob.digest])).has(blob.digest);
      if (moves) await this.blobStore.setStorageClass(parseDigest(blob.digest), target);
      progress.blobsDone++;
      progress.bytesDone += blob.size;
      progress.leaseUntil = Date.now() + this.leaseMs;
      await this.store.archive.progress(repositoryId, digest, target, progress);
    }
    if (target === 'STANDARD')
      await this.store.archive.transition(repositoryId, digest, 'ACTIVATING', 'ACTIVE', Date.now());
    await this.store.archive.finish(repositoryId, digest, target);
    this.options.onMoved?.({ ...move, ...progress });
  }

  private async resolve(ctx: RequestContext, repository: Repository, id: ImageRef): Promise<string> {
    const { imageDigest, imageTag } = id;
    if (imageDigest === undefined && imageTag === undefined)
      throw new ManagementError(
        'INVALID_PARAMETER',
        'Invalid parameter: imageId must have an imageDigest or an imageTag',
      );
    if (imageDigest !== undefined && !tryParseDigest(imageDigest))
      throw new RegistryError(
        'DIGEST_INVALID',
        "Invalid parameter: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
      );
    if (imageTag !== undefined && !isTag(imageTag))
      throw new RegistryError(
        'TAG_INVALID',
        "Invalid parameter: image tag should satisfy the regex '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}'",
      );
    const record =
      imageTag !== undefined
        ? await this.store.tags.resolve(repository.id, imageTag)
        : await this.store.manifests.get(repository.id, imageDigest!);
    if (!record || (imageDigest !== undefined && record.digest !== imageDigest))
      throw this.notFound(repository, id, ctx.registry.accountId);
    return record.digest;
  }

  private notFound(repository: Repository, id: ImageRef, registryId = repository.accountId): RegistryError {
    return new RegistryError(
      'MANIFEST_UNKNOWN',
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repository.name}' in the registry with id '${registryId}'`,
      id,
    );
  }
}
