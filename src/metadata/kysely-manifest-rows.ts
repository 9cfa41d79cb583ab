// A manifest's rows as every deletion removes them (a delete, the trash, garbage collection):
// its tags, its references, the conversions made from it, its scan and signing statuses, then its
// row. The caller's transaction holds the manifest's row (or digest) lock.
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';

/** True when the manifest's row was there to delete. */
export async function deleteManifestRows(
  trx: Transaction<Database>,
  repositoryId: string,
  digest: string,
): Promise<boolean> {
  await trx
    .deleteFrom('tags')
    .where('repository_id', '=', repositoryId)
    .where('manifest_digest', '=', digest)
    .execute();
  await trx
    .deleteFrom('manifest_references')
    .where('repository_id', '=', repositoryId)
    .where('manifest_digest', '=', digest)
    .execute();
  await trx
    .deleteFrom('manifest_conversions')
    .where('repository_id', '=', repositoryId)
    .where('source_digest', '=', digest)
    .execute();
  await deleteImageRecords(trx, repositoryId, digest);
  const result = await trx
    .deleteFrom('manifests')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * What was recorded about an image of the repository: its scan (findings, inventory) and its
 * signing statuses, which would otherwise outlive it and be shown for a later push of the digest.
 */
async function deleteImageRecords(trx: Transaction<Database>, repositoryId: string, digest: string): Promise<void> {
  const repository = await trx
    .selectFrom('repositories')
    .select(['account_id', 'name'])
    .where('id', '=', repositoryId)
    .executeTakeFirst();
  if (repository) {
    await trx
      .deleteFrom('image_scans')
      .where('account_id', '=', repository.account_id)
      .where('repository_name', '=', repository.name)
      .where('digest', '=', digest)
      .execute();
  }
  await trx
    .deleteFrom('image_signing_statuses')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .execute();
}
