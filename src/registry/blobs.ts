// Reading and deleting blobs of a repository: a repository reads only blobs linked to it.
import type { Readable } from 'node:stream';
import { Actions } from '../domain/actions.js';
import { parseDigest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import type { MetadataStore } from '../metadata/store.js';
import { BlobSightings } from './blob-sightings.js';
import type { Repository } from '../domain/records/repositories.js';
import type { BlobStore, OpenEngineFactory } from '../storage/blob-store.js';
import { PathNotFoundError, type RandomAccessFile } from '../storage/driver.js';
import type { RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';
import type { DataKeys } from './data-keys.js';
import { workerOpening } from '../storage/worker-engines.js';
import { ANONYMOUS_CALLER, SIGNED_URL_CALLER, type TransferMeter } from '../domain/transfer-meter.js';
import { identityArn } from './pull-exclusions.js';

/** An inclusive byte range, resolved against the blob's size. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A blob's file open for positioned reads (the storage driver's, decrypting when sealed). */
export type BlobFile = RandomAccessFile;

/**
 * A blob's bytes: a stream of the asked range, the whole file for positioned reads, or a
 * pre-signed URL of the object store's copy (the client fetches it, Range and all, from there).
 */
export type BlobBody =
  | { kind: 'stream'; stream: Readable }
  | { kind: 'file'; file: BlobFile }
  | { kind: 'redirect'; url: string };

export interface BlobContent {
  digest: string;
  size: number;
  /** Present when a range was asked for and is satisfiable. */
  range?: ByteRange;
  body: BlobBody;
}

/** Blobs up to this size are decrypted on the request's thread. */
const OPEN_INLINE_MAX = 256 * 1024;
const onWorker: OpenEngineFactory = workerOpening();

export class BlobService {
  /** Checks and reads keep a blob through garbage collection's grace period (blob-sightings.ts). */
  private readonly sightings: BlobSightings;

  constructor(
    private readonly store: Pick<MetadataStore, 'blobs' | 'repositories' | 'gc'>,
    private readonly blobs: BlobStore,
    private readonly access: RepositoryAccess,
    private readonly keys: DataKeys,
    /** Counts the bytes each open serves (metering); none when metering is off. */
    private readonly meter?: TransferMeter,
  ) {
    this.sightings = new BlobSightings(store.gc);
  }

  /** The size of a blob linked into the repository (HEAD). */
  async stat(ctx: RequestContext, name: string, digestValue: string): Promise<{ digest: string; size: number }> {
    const repository = await this.access.existing(ctx, name, Actions.BatchCheckLayerAvailability);
    const digest = parseDigest(digestValue);
    const size = await this.store.blobs.linkedSize(repository.id, digest.value);
    if (size === undefined)
      throw new RegistryError('BLOB_UNKNOWN', `blob ${digest.value} not found in ${name}`, { digest: digest.value });
    await this.sightings.seen(digest.value);
    return { digest: digest.value, size };
  }

  /** Sizes of the blobs among `digests` that are linked into the repository (BatchCheckLayerAvailability). */
  async sizes(ctx: RequestContext, name: string, digests: string[]): Promise<Map<string, number>> {
    const repository = await this.access.existing(ctx, name, Actions.BatchCheckLayerAvailability);
    const sizes = new Map<string, number>();
    for (const digest of new Set(digests)) {
      const size = await this.store.blobs.linkedSize(repository.id, digest);
      if (size === undefined) continue;
      sizes.set(digest, size);
      await this.sightings.seen(digest);
    }
    return sizes;
  }

  /** Opens a linked blob, whole or a range of it (`resolveRange` maps the size to a range or throws). */
  async open(
    ctx: RequestContext,
    name: string,
    digestValue: string,
    resolveRange?: (size: number) => ByteRange | undefined,
  ): Promise<BlobContent> {
    const repository = await this.access.existing(ctx, name, Actions.GetDownloadUrlForLayer);
    const caller = identityArn(ctx.principal) ?? ANONYMOUS_CALLER;
    return this.openIn(repository, digestValue, resolveRange, caller, ctx.facts?.sourceVpce);
  }

  /**
   * Opens a linked blob to be read inside Berth (the scanner): its bytes streamed through Berth,
   * never a pre-signed redirect, which only a client can follow.
   */
  async openThrough(ctx: RequestContext, name: string, digestValue: string): Promise<BlobContent> {
    const repository = await this.access.existing(ctx, name, Actions.GetDownloadUrlForLayer);
    const caller = identityArn(ctx.principal) ?? ANONYMOUS_CALLER;
    return this.openIn(repository, digestValue, undefined, caller, ctx.facts?.sourceVpce, true);
  }

  /**
   * Opens a blob linked into the repository with this id, without an authorization call: only
   * for a caller holding a grant that one made earlier (a signed layer URL).
   */
  async openLinked(
    repositoryId: string,
    digestValue: string,
    resolveRange?: (size: number) => ByteRange | undefined,
  ): Promise<BlobContent> {
    const repository = await this.store.repositories.getById(repositoryId);
    if (!repository)
      throw new RegistryError('BLOB_UNKNOWN', `blob ${digestValue} not found: its repository is gone`, {
        digest: digestValue,
      });
    return this.openIn(repository, digestValue, resolveRange, SIGNED_URL_CALLER);
  }

  /**
   * A pre-signed URL of the blob in the object store, when the repository may be served that way
   * (redirect deployment, the store-encrypted form stored, a repository it is enough for), for a
   * caller already authorized to read it.
   */
  async storeUrl(repository: Repository, digestValue: string): Promise<{ url: string; expiresAt: number } | undefined> {
    const digest = parseDigest(digestValue);
    await this.keys.assertReadable(repository);
    const delivery = await this.blobs.delivery(digest, this.keys.access(repository, digest.value));
    return delivery.kind === 'redirect' ? { url: delivery.url, expiresAt: delivery.expiresAt } : undefined;
  }

  private async openIn(
    repository: Repository,
    digestValue: string,
    resolveRange: ((size: number) => ByteRange | undefined) | undefined,
    caller: string,
    endpoint?: string,
    through = false,
  ): Promise<BlobContent> {
    const digest = parseDigest(digestValue);
    const size = await this.store.blobs.linkedSize(repository.id, digest.value);
    if (size === undefined)
      throw new RegistryError('BLOB_UNKNOWN', `blob ${digest.value} not found in ${repository.name}`, {
        digest: digest.value,
      });
    await this.sightings.seen(digest.value);
    // Before any byte is read or URL made: a repository whose KMS key is disabled reads nothing.
    await this.keys.assertReadable(repository);
    const access = this.keys.access(repository, digest.value);
    const delivery: { kind: string; url?: string } = through
      ? { kind: 'stream' }
      : await this.blobs.delivery(digest, access);
    // The store answers the client's Range itself.
    // A redirect counts the blob's size: the client fetches it (a range of it at most) from the store.
    if (delivery.kind === 'redirect') {
      this.meter?.served(repository, caller, size, endpoint);
      return { digest: digest.value, size, body: { kind: 'redirect', url: delivery.url as string } };
    }
    const range = resolveRange?.(size);
    try {
      // Large blobs are opened on the worker thread (the main thread only moves bytes); small
      // ones here, where one segment costs less than the round trip.
      const opening = size > OPEN_INLINE_MAX ? onWorker : undefined;
      const file = await this.blobs.openRandomAccess(digest, access, opening);
      const body: BlobBody = file
        ? { kind: 'file', file }
        : {
            kind: 'stream',
            stream: await this.blobs.open(digest, access, range?.start, range && range.end - range.start + 1, opening),
          };
      this.meter?.served(repository, caller, range ? range.end - range.start + 1 : size, endpoint);
      return range ? { digest: digest.value, size, range, body } : { digest: digest.value, size, body };
    } catch (err) {
      // Linked in metadata but gone from storage (deleted out of band): unknown, not a crash.
      if (err instanceof PathNotFoundError)
        throw new RegistryError('BLOB_UNKNOWN', `blob ${digest.value} is missing from storage`, {
          digest: digest.value,
        });
      throw err;
    }
  }

  /** Unlinks the blob from the repository; the bytes stay for other repositories (and for garbage collection). */
  async delete(ctx: RequestContext, name: string, digestValue: string): Promise<void> {
    const repository = await this.access.existing(ctx, name, Actions.BatchDeleteImage);
    const digest = parseDigest(digestValue);
    if (!(await this.store.blobs.unlink(repository.id, digest.value))) {
      throw new RegistryError('BLOB_UNKNOWN', `blob ${digest.value} not found in ${name}`, { digest: digest.value });
    }
  }
}
