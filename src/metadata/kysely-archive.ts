// The archive index over the query builder (ArchiveIndex of store.ts): image statuses on the
// manifest rows, the queue of layer moves, and which blobs only archived images use.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, ImageStorageMovesTable } from './schema.js';
import type { ImageBlob, ImageStatus, StorageMove, TargetStorageClass } from '../domain/records/archive.js';
import type { ArchiveIndex } from './store.js';
import { retryingConflicts } from './kysely-conflicts.js';

type Db = Kysely<Database>;

/** A manifest row's status, null being ACTIVE. */
const STATUS = sql<string>`coalesce(${sql.ref('manifests.image_status')}, 'ACTIVE')`;

function toMove(row: Selectable<ImageStorageMovesTable>): StorageMove {
  return {
    repositoryId: row.repository_id,
    digest: row.digest,
    target: row.target as TargetStorageClass,
    requestedAt: Number(row.requested_at),
    leaseHolder: row.lease_holder,
    leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    blobsTotal: Number(row.blobs_total),
    blobsDone: Number(row.blobs_done),
    bytesTotal: Number(row.bytes_total),
    bytesDone: Number(row.bytes_done),
  };
}

export class KyselyArchive implements ArchiveIndex {
  constructor(private readonly db: Db) {}

  async status(repositoryId: string, digest: string): Promise<ImageStatus | undefined> {
    const row = await this.db
      .selectFrom('manifests')
      .select(STATUS.as('status'))
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row?.status as ImageStatus | undefined;
  }

  transition(repositoryId: string, digest: string, from: ImageStatus, to: ImageStatus, at: number): Promise<boolean> {
    return retryingConflicts(() =>
      this.db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('manifests')
          .set({
            image_status: to,
            ...(to === 'ARCHIVED' && { last_archived_at: at }),
            ...(to === 'ACTIVE' && { last_activated_at: at }),
          })
          .where('repository_id', '=', repositoryId)
          .where('digest', '=', digest)
          .where(STATUS, '=', from)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return false;
        if (to === 'ACTIVE') {
          await trx
            .deleteFrom('image_storage_moves')
            .where('repository_id', '=', repositoryId)
            .where('digest', '=', digest)
            .where('target', '=', 'STANDARD')
            .execute();
          return true;
        }
        const target: TargetStorageClass = to === 'ARCHIVED' ? 'ARCHIVE' : 'STANDARD';
        const fresh = {
          target,
          requested_at: at,
          lease_holder: null,
          lease_until: null,
          blobs_total: 0,
          blobs_done: 0,
          bytes_total: 0,
          bytes_done: 0,
        };
        await trx
          .insertInto('image_storage_moves')
          .values({ repository_id: repositoryId, digest, ...fresh })
          .onConflict((oc) => oc.columns(['repository_id', 'digest']).doUpdateSet(fresh))
          .execute();
        return true;
      }),
    );
  }

  async move(repositoryId: string, digest: string): Promise<StorageMove | undefined> {
    const row = await this.db
      .selectFrom('image_storage_moves')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row && toMove(row);
  }

  async list(limit: number): Promise<StorageMove[]> {
    const rows = await this.db
      .selectFrom('image_storage_moves')
      .selectAll()
      .orderBy('requested_at')
      .orderBy('digest')
      .limit(limit)
      .execute();
    return rows.map(toMove);
  }

  async pending(now: number, limit: number): Promise<StorageMove[]> {
    const rows = await this.db
      .selectFrom('image_storage_moves')
      .selectAll()
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('requested_at')
      .limit(limit)
      .execute();
    return rows.map(toMove);
  }

  async claim(
    repositoryId: string,
    digest: string,
    target: TargetStorageClass,
    holder: string,
    now: number,
    until: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('image_storage_moves')
      .set({ lease_holder: holder, lease_until: until })
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .where('target', '=', target)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async progress(
    repositoryId: string,
    digest: string,
    target: TargetStorageClass,
    done: Pick<StorageMove, 'blobsTotal' | 'blobsDone' | 'bytesTotal' | 'bytesDone' | 'leaseUntil'>,
  ): Promise<void> {
    await this.db
      .updateTable('image_storage_moves')
      .set({
        blobs_total: done.blobsTotal,
        blobs_done: done.blobsDone,
        bytes_total: done.bytesTotal,
        bytes_done: done.bytesDone,
        lease_until: done.leaseUntil,
      })
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .where('target', '=', target)
      .execute();
  }

  async enqueue(repositoryId: string, digest: string, target: TargetStorageClass, at: number): Promise<void> {
    await this.db
      .insertInto('image_storage_moves')
      .values({ repository_id: repositoryId, digest, target, requested_at: at, lease_holder: null, lease_until: null })
      .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
      .execute();
  }

  async sharedWithArchived(digests: string[]): Promise<boolean> {
    if (digests.length === 0) return false;
    const row = await this.db
      .selectFrom('manifest_references')
      .innerJoin('manifests', (join) =>
        join
          .onRef('manifests.repository_id', '=', 'manifest_references.repository_id')
          .onRef('manifests.digest', '=', 'manifest_references.manifest_digest'),
      )
      .select('manifest_references.child_digest')
      .where('manifest_references.child_digest', 'in', [...new Set(digests)])
      .where(STATUS, '!=', 'ACTIVE')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async finish(repositoryId: string, digest: string, target: TargetStorageClass): Promise<void> {
    await this.db
      .deleteFrom('image_storage_moves')
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .where('target', '=', target)
      .execute();
  }

  async imageBlobs(repositoryId: string, digest: string): Promise<ImageBlob[]> {
    const rows = await this.db
      .selectFrom('manifest_references')
      .innerJoin('blobs', 'blobs.digest', 'manifest_references.child_digest')
      .select(['blobs.digest as digest', 'blobs.size as size'])
      .where('manifest_references.repository_id', '=', repositoryId)
      .where('manifest_references.manifest_digest', '=', digest)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('manifests')
              .select('manifests.digest')
              .whereRef('manifests.digest', '=', 'manifest_references.child_digest'),
          ),
        ),
      )
      .orderBy('blobs.digest')
      .execute();
    return rows.map((r) => ({ digest: r.digest, size: Number(r.size) }));
  }

  async archivedOnly(digests: string[]): Promise<Set<string>> {
    if (digests.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('manifest_references')
      .innerJoin('manifests', (join) =>
        join
          .onRef('manifests.repository_id', '=', 'manifest_references.repository_id')
          .onRef('manifests.digest', '=', 'manifest_references.manifest_digest'),
      )
      .select('manifest_references.child_digest as digest')
      .where('manifest_references.child_digest', 'in', [...new Set(digests)])
      .groupBy('manifest_references.child_digest')
      .having(sql<number>`sum(case when ${STATUS} = 'ARCHIVED' then 0 else 1 end)`, '=', 0)
      .execute();
    return new Set(rows.map((r) => r.digest));
  }

  async unpullable(repositoryId: string, digest: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('manifest_references')
      .innerJoin('manifests', (join) =>
        join
          .onRef('manifests.repository_id', '=', 'manifest_references.repository_id')
          .onRef('manifests.digest', '=', 'manifest_references.manifest_digest'),
      )
      .select((eb) => [
        eb.fn.countAll<number | string>().as('refs'),
        sql<number | string>`sum(case when ${STATUS} = 'ACTIVE' then 1 else 0 end)`.as('active'),
      ])
      .where('manifest_references.repository_id', '=', repositoryId)
      .where('manifest_references.child_digest', '=', digest)
      .executeTakeFirst();
    return row !== undefined && Number(row.refs) > 0 && Number(row.active) === 0;
  }
}
