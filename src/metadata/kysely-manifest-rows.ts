// A manifest's rows as every deletion removes them (a delete, the trash, garbage collection):
// its tags, its references, the conversions made from it, then its row. The caller's transaction
// holds the manifest's row (or digest) lock.
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
  const result = await trx
    .deleteFrom('manifests')
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
