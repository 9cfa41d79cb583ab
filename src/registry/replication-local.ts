// The replica target of another account of this deployment: the destination registry's policy
// must allow the source account ecr:ReplicateImage and ecr:CreateRepository, as ECR documents
// for cross-account replication (else FAILED, REPLICATION_ACCESS_DENIED); the repository is
// created with the REPLICATION creation templates; blobs and manifests go through the registry's
// services as the destination account's, so its encryption applies.
import { Actions } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import { RegistryError } from '../domain/errors.js';
import type { ReplicationTask } from '../domain/records/replication.js';
import { repositoryArn } from '../domain/registry.js';
import { type ReplicaTarget, ReplicationFailure, type BlobReader } from '../domain/replication.js';
import type { RepositoryCreator } from '../domain/repository-creation.js';
import type { RequestContext } from '../domain/request-context.js';
import { accountContext, rootOf } from './replication-copy.js';
import type { RegistryServices } from './services.js';

export class LocalTarget implements ReplicaTarget {
  private readonly ctx: RequestContext;

  constructor(
    private readonly services: Pick<RegistryServices, 'manifests' | 'blobs' | 'uploads'>,
    private readonly authorizer: Authorizer,
    private readonly creator: RepositoryCreator,
    private readonly region: string,
    destinationAccount: string,
  ) {
    this.ctx = { ...accountContext(destinationAccount), replica: true };
  }

  async prepare(task: ReplicationTask): Promise<void> {
    if (task.destination.registryId !== task.accountId) {
      const principal = rootOf(task.accountId);
      const resource = repositoryArn(this.ctx.registry, this.region, task.repositoryName);
      for (const action of [Actions.ReplicateImage, Actions.CreateRepository]) {
        try {
          await this.authorizer.authorize({ principal, action, resource });
        } catch (err) {
          if (err instanceof RegistryError)
            throw new ReplicationFailure(
              'REPLICATION_ACCESS_DENIED',
              `the registry policy of ${task.destination.registryId} in ${this.region} does not allow ${action} to ${task.accountId}`,
            );
          throw err;
        }
      }
    }
    await this.creator.createByItself(this.ctx, task.repositoryName, 'REPLICATION');
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    return (await this.services.blobs.sizes(this.ctx, repository, [digest])).has(digest);
  }

  async pushBlob(repository: string, digest: string, size: number, read: BlobReader): Promise<void> {
    await this.services.uploads.start(this.ctx, repository, { digest, chunk: { body: await read(0, size) } });
  }

  async putManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
    await this.services.manifests.put(this.ctx, repository, reference, bytes, mediaType);
  }
}
