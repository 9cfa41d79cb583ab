// Replication to another account of this deployment: the destination registry's policy must
// allow the source account ecr:ReplicateImage (and ecr:CreateRepository for a repository that
// is not there yet), as ECR documents for cross-account replication. The copy goes through the
// registry's services (so each side's encryption applies): a blob already linked at the
// destination is skipped, an index's children and the image's referrers go first and after.
import { Actions } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import { RegistryError } from '../domain/errors.js';
import { parseManifest } from '../domain/manifest.js';
import type { ReplicationTask } from '../domain/records/replication.js';
import { privateRegistry, repositoryArn } from '../domain/registry.js';
import { type ImageReplicator, ReplicationFailure } from '../domain/replication.js';
import type { RepositoryCreator } from '../domain/repository-creation.js';
import type { RequestContext } from '../domain/request-context.js';
import type { Principal } from '../domain/principal.js';
import type { BlobContent } from './blobs.js';
import type { RegistryServices } from './services.js';

const READ_CHUNK = 1024 * 1024;

/** The account's root: what acts for the account in its own registry when Berth replicates. */
function rootOf(accountId: string): Principal {
  return {
    kind: 'root',
    accountId,
    arn: `arn:aws:iam::${accountId}:root`,
    userId: accountId,
    accessKeyId: 'replication',
  };
}

async function* bytesOf(blob: BlobContent): AsyncIterable<Uint8Array> {
  const { body } = blob;
  if (body.kind === 'stream') {
    for await (const chunk of body.stream) yield chunk as Uint8Array;
    return;
  }
  if (body.kind === 'redirect') throw new ReplicationFailure('SOURCE_UNREADABLE', 'the blob is only at a URL', true);
  try {
    const buffer = Buffer.alloc(READ_CHUNK);
    for (let position = 0; position < body.file.size; ) {
      const n = await body.file.read(buffer, position);
      if (n === 0) break;
      yield Buffer.from(buffer.subarray(0, n));
      position += n;
    }
  } finally {
    await body.file.close();
  }
}

export class LocalReplicator implements ImageReplicator {
  constructor(
    private readonly services: Pick<RegistryServices, 'manifests' | 'blobs' | 'uploads' | 'listings'>,
    private readonly authorizer: Authorizer,
    private readonly creator: RepositoryCreator,
    private readonly region: string,
  ) {}

  async replicate(task: ReplicationTask): Promise<void> {
    const source: RequestContext = { principal: rootOf(task.accountId), registry: privateRegistry(task.accountId) };
    const destAccount = task.destination.registryId;
    const target: RequestContext = {
      principal: rootOf(destAccount),
      registry: privateRegistry(destAccount),
      createOnPush: false,
    };
    const name = task.repositoryName;
    if (destAccount !== task.accountId) await this.authorizeCrossAccount(task, target);
    await this.creator.createByItself(target, name, 'REPLICATION');
    await this.copyManifest(source, target, name, task.digest, new Set());
    for (const tag of task.tags) {
      const { bytes, mediaType } = await this.services.manifests.get(source, name, task.digest);
      await this.services.manifests.put(target, name, tag, bytes, mediaType);
    }
  }

  private async authorizeCrossAccount(task: ReplicationTask, target: RequestContext): Promise<void> {
    const principal = rootOf(task.accountId);
    const resource = repositoryArn(target.registry, this.region, task.repositoryName);
    for (const action of [Actions.ReplicateImage, Actions.CreateRepository]) {
      try {
        await this.authorizer.authorize({ principal, action, resource });
      } catch (err) {
        if (err instanceof RegistryError)
          throw new ReplicationFailure(
            'REPLICATION_ACCESS_DENIED',
            `the registry policy of ${target.registry.accountId} in ${this.region} does not allow ${action} to ${task.accountId}`,
          );
        throw err;
      }
    }
  }

  /** The manifest with its blobs and children, then its referrers; each manifest once. */
  private async copyManifest(
    source: RequestContext,
    target: RequestContext,
    name: string,
    digest: string,
    done: Set<string>,
  ): Promise<void> {
    if (done.has(digest)) return;
    done.add(digest);
    const { bytes, mediaType } = await this.services.manifests.get(source, name, digest);
    const parsed = await parseManifest(bytes, mediaType);
    for (const child of parsed.manifests) await this.copyManifest(source, target, name, child.digest, done);
    const present = await this.services.blobs.sizes(
      target,
      name,
      parsed.blobs.map((b) => b.digest),
    );
    for (const blob of parsed.blobs) {
      if (present.has(blob.digest)) continue;
      const content = await this.services.blobs.open(source, name, blob.digest);
      await this.services.uploads.start(target, name, { digest: blob.digest, chunk: { body: bytesOf(content) } });
    }
    await this.services.manifests.put(target, name, digest, bytes, mediaType);
    const referrers = await this.services.listings.referrers(source, name, digest);
    for (const referrer of referrers.index.manifests)
      await this.copyManifest(source, target, name, referrer.digest, done);
  }
}
