// A manifest's rows as every deletion removes them (a delete, the trash, garbage collection):
// its tags, its references, the conversions made from it, its scan and signing statuses, then its
// row. The caller's transaction holds the manifest's row (or digest) lock.
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * The rows that name the manifest by its repository's id and a digest column, in the order they
 * go. Its scan and signing statuses among them: they would otherwise outlive the image and be
 * shown for a later push of the digest.
 */
const BY_REPOSITORY_ID = [
  { table: 'tags', digest: 'manifest_digest' },
  { table: 'manifest_references', digest: 'manifest_digest' },
  { table: 'manifest_conversions', digest: 'source_digest' },
  { table: 'image_signing_statuses', digest: 'digest' },
] as const;

/** The rows that name the manifest by its repository's account and name (the scan, findings and inventory). */
const BY_REPOSITORY_NAME = ['image_scans'] as const;

/** True when the manifest's row was there to delete. */
export async function deleteManifestRows(
  trx: Transaction<Database>,
  repositoryId: string,
  digest: string,
): Promise<boolean> {
  for (const rows of BY_REPOSITORY_ID) {
    await trx
      .deleteFrom(rows.table)
      .where('repository_id', '=', repositoryId)
      .where(rows.digest, '=', digest)
      .execute();
  }
  const repository = await trx
    .selectFrom('repositories')
    .select(['account_id', 'name'])
    .where('id', '=', repositoryId)
    .executeTakeFirst();
  if (repository) {
    for (const table of BY_REPOSITORY_NAME) {
      await trx
        .deleteFrom(table)
        .where('account_id', '=', repository.account_id)
        .where('repository_name', '=', repository.name)
        .where('digest', '=', digest)
        .execute();
    }
  }
  const result = await trx
    .deleteFrom('manifests')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
