// Copies an image from this deployment's registry to a replica target: an index's children
// first, each manifest's blobs (those the target has already are skipped, so a replication that
// starts again after a crash resumes at what is missing), the manifest, its referrers (signatures,
// SBOMs) after it, and the tags the push put last.
import { parseManifest } from '../domain/manifest.js';
import type { Principal } from '../domain/principal.js';
import type { ReplicationTask } from '../domain/records/replication.js';
import { privateRegistry } from '../domain/registry.js';
import { type ImageReplicator, type ReplicaTarget, ReplicationFailure } from '../domain/replication.js';
import type { RequestContext } from '../domain/request-context.js';
import type { BlobContent } from './blobs.js';
import type { RegistryServices } from './services.js';

const READ_CHUNK = 1024 * 1024;

/** The account's root: what acts for the account in its own registry when Berth replicates. */
export function rootOf(accountId: string): Principal {
  return {
    kind: 'root',
    accountId,
    arn: `arn:aws:iam::${accountId}:root`,
    userId: accountId,
    accessKeyId: 'replication',
  };
}

export function accountContext(accountId: string): RequestContext {
  return { principal: rootOf(accountId), registry: privateRegistry(accountId), createOnPush: false };
}

/** A blob's bytes (the range it was opened with, if any), whatever form the blob store opened it in. */
export async function* bytesOf(blob: BlobContent): AsyncIterable<Uint8Array> {
  const { body } = blob;
  if (body.kind === 'stream') {
    for await (const chunk of body.stream) yield chunk as Uint8Array;
    return;
  }
  if (body.kind === 'redirect') throw new ReplicationFailure('SOURCE_UNREADABLE', 'the blob is only at a URL', true);
  const end = blob.range ? blob.range.end + 1 : body.file.size;
  try {
    const buffer = Buffer.alloc(READ_CHUNK);
    for (let position = blob.range?.start ?? 0; position < end; ) {
      const n = await body.file.read(buffer.subarray(0, Math.min(READ_CHUNK, end - position)), position);
      if (n === 0) break;
      yield Buffer.from(buffer.subarray(0, n));
      position += n;
    }
  } finally {
    await body.file.close();
  }
}

export type SourceServices = Pick<RegistryServices, 'manifests' | 'blobs' | 'listings'>;

export class ImageCopier implements ImageReplicator {
  constructor(
    private readonly source: SourceServices,
    private readonly targetFor: (task: ReplicationTask) => ReplicaTarget,
  ) {}

  async replicate(task: ReplicationTask): Promise<void> {
    const target = this.targetFor(task);
    try {
      await target.prepare(task);
      const ctx = accountContext(task.accountId);
      const name = task.repositoryName;
      await this.copyManifest(ctx, target, name, task.digest, new Set());
      if (task.tags.length === 0) return;
      const { bytes, mediaType } = await this.source.manifests.get(ctx, name, task.digest);
      for (const tag of task.tags) await target.putManifest(name, tag, mediaType, bytes);
    } finally {
      target.close?.();
    }
  }

  /** The manifest with its children and blobs, then its referrers; each manifest once. */
  private async copyManifest(
    ctx: RequestContext,
    target: ReplicaTarget,
    name: string,
    digest: string,
    done: Set<string>,
  ): Promise<void> {
    if (done.has(digest)) return;
    done.add(digest);
    const { bytes, mediaType } = await this.source.manifests.get(ctx, name, digest);
    const parsed = await parseManifest(bytes, mediaType);
    for (const child of parsed.manifests) await this.copyManifest(ctx, target, name, child.digest, done);
    for (const blob of parsed.blobs) {
      if (await target.hasBlob(name, blob.digest)) continue;
      const read = async (offset: number, length: number) =>
        bytesOf(
          await this.source.blobs.open(ctx, name, blob.digest, (size) =>
            offset === 0 && length === size ? undefined : { start: offset, end: offset + length - 1 },
          ),
        );
      // The stored size: a schema 1 manifest's descriptors carry none.
      const size = (await this.source.blobs.sizes(ctx, name, [blob.digest])).get(blob.digest);
      if (size === undefined)
        throw new ReplicationFailure('SOURCE_UNREADABLE', `the blob ${blob.digest} is not in ${name}`, true);
      await target.pushBlob(name, blob.digest, size, read);
    }
    await target.putManifest(name, digest, mediaType, bytes);
    const referrers = await this.source.listings.referrers(ctx, name, digest);
    for (const referrer of referrers.index.manifests) await this.copyManifest(ctx, target, name, referrer.digest, done);
  }
}
