// Cross-repository blob mounts (POST /v2/<name>/blobs/uploads/?mount=&from=): a blob another
// repository has, one the caller may read, is linked into the repository without an upload (a
// replication from a peer: one of the repositories the destination lets it replicate into).
import { blobMountingEnabled } from '../domain/account-settings.js';
import { Actions } from '../domain/actions.js';
import type { Digest } from '../domain/digest.js';
import { isRepositoryName } from '../domain/names.js';
import type { RequestContext } from '../domain/request-context.js';
import type { MetadataStore } from '../metadata/store.js';
import { registryKey } from '../metadata/registry-key.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RepositoryAccess } from './access.js';
import type { BlobForms } from './blob-forms.js';

const MOUNT_CANDIDATES = 50;

export class BlobMounts {
  constructor(
    private readonly store: Pick<MetadataStore, 'blobs' | 'accountSettings' | 'repositories'>,
    private readonly access: RepositoryAccess,
    private readonly forms: BlobForms,
  ) {}

  /**
   * Links a blob another repository has (one the caller may read) into `repository`, unless the
   * account turned BLOB_MOUNTING off (then the client uploads it as usual).
   */
  async mount(ctx: RequestContext, repository: Repository, digest: Digest, from: string | undefined): Promise<boolean> {
    if ((await this.store.blobs.linkedSize(repository.id, digest.value)) !== undefined) return true;
    if (!blobMountingEnabled(await this.store.accountSettings.get(registryKey(ctx.registry), 'BLOB_MOUNTING')))
      return false;
    const candidates =
      from !== undefined
        ? isRepositoryName(from)
          ? [from]
          : []
        : (await this.store.blobs.repositoriesWith(digest.value, MOUNT_CANDIDATES))
            .filter((r) => r.accountId === registryKey(ctx.registry))
            .map((r) => r.name);
    // A replication from a peer mounts from the repositories it may replicate into.
    const read = ctx.replication ? Actions.ReplicateImage : Actions.GetDownloadUrlForLayer;
    for (const candidate of candidates) {
      if (!(await this.access.allowed(ctx, candidate, read))) continue;
      const source = await this.store.repositories.get(registryKey(ctx.registry), candidate);
      const size = source && (await this.store.blobs.linkedSize(source.id, digest.value));
      if (size === undefined || size === null) continue;
      // The repository reads the blob in a form it accepts, through a wrap of its own made from
      // the source's (whose key must be usable): otherwise the client uploads the blob as usual.
      if (!(await this.forms.readableIn(repository, digest))) return false;
      // Not when a garbage collection is deleting the blob meanwhile: the client uploads it.
      return (await this.store.blobs.linkExisting(repository.id, digest.value)) !== undefined;
    }
    return false;
  }
}
