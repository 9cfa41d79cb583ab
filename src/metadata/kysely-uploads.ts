// Uploads in progress over the query builder (part of kysely-store.ts): their rows, the lease
// one writer holds across nodes, and ECR's layer parts.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, UploadsTable } from './schema.js';
import { inRepository } from './kysely-conflicts.js';
import type { UploadIndex } from './store.js';
import type { WrappedKey } from '../domain/records/blob-keys.js';
import type { Upload } from '../domain/records/uploads.js';

type Db = Kysely<Database>;

function toUpload(row: Selectable<UploadsTable>): Upload {
  return {
    id: row.id,
    repositoryId: row.repository_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    verifiedDigest: row.verified_digest,
    dataKey: row.data_key ? (JSON.parse(row.data_key) as WrappedKey) : null,
  };
}

export class Uploads implements UploadIndex {
  constructor(private readonly db: Db) {}

  async create(upload: Omit<Upload, 'verifiedDigest' | 'dataKey'> & { dataKey?: WrappedKey | null }) {
    await inRepository(this.db, upload.repositoryId, () =>
      this.db
        .insertInto('uploads')
        .values({
          id: upload.id,
          repository_id: upload.repositoryId,
          created_at: upload.createdAt,
          updated_at: upload.updatedAt,
          verified_digest: null,
          data_key: upload.dataKey ? JSON.stringify(upload.dataKey) : null,
          lease_holder: null,
          lease_until: null,
        })
        .execute(),
    );
  }

  async setDataKey(id: string, dataKey: WrappedKey) {
    await this.db
      .updateTable('uploads')
      .set({ data_key: JSON.stringify(dataKey) })
      .where('id', '=', id)
      .execute();
  }

  async get(id: string) {
    const row = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUpload(row);
  }

  async lease(id: string, holder: string, now: number, until: number) {
    // One statement: the lease is taken only if it was free, run out, or already the holder's.
    const result = await this.db
      .updateTable('uploads')
      .set({ lease_holder: holder, lease_until: until })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_holder', '=', holder)]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async release(id: string, holder: string) {
    await this.db
      .updateTable('uploads')
      .set({ lease_holder: null, lease_until: null })
      .where('id', '=', id)
      .where('lease_holder', '=', holder)
      .execute();
  }

  async releaseHeldBy(prefix: string) {
    // Few uploads are leased at any time: the prefix is matched here, not with LIKE and its escapes.
    const rows = await this.db
      .selectFrom('uploads')
      .select(['id', 'lease_holder'])
      .where('lease_holder', 'is not', null)
      .execute();
    let released = 0;
    for (const row of rows) {
      if (row.lease_holder?.startsWith(prefix)) {
        await this.release(row.id, row.lease_holder);
        released++;
      }
    }
    return released;
  }

  async markVerified(id: string, digest: string) {
    await this.db.updateTable('uploads').set({ verified_digest: digest }).where('id', '=', id).execute();
  }

  async touch(id: string, at: number) {
    await this.db.updateTable('uploads').set({ updated_at: at }).where('id', '=', id).execute();
  }

  async delete(id: string) {
    const result = await this.db.deleteFrom('uploads').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async idsOf(repositoryId: string) {
    const rows = await this.db.selectFrom('uploads').select('id').where('repository_id', '=', repositoryId).execute();
    return rows.map((r) => r.id);
  }

  async stale(before: number, limit: number) {
    const rows = await this.db
      .selectFrom('uploads')
      .selectAll()
      .where('updated_at', '<', before)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    return rows.map(toUpload);
  }

  async recordPart(id: string, start: number, minSize: number) {
    // One statement: the previous part's size is `start` less where it began.
    const previous = sql<number>`(CAST(${start} AS bigint) - COALESCE(last_part_start, 0))`;
    await this.db
      .updateTable('uploads')
      .set({
        short_part: sql<
          number | null
        >`CASE WHEN short_part IS NULL AND CAST(${start} AS bigint) > 0 AND ${previous} < CAST(${minSize} AS bigint) THEN ${previous} ELSE short_part END`,
        last_part_start: start,
      })
      .where('id', '=', id)
      .execute();
  }

  async shortPart(id: string) {
    const row = await this.db.selectFrom('uploads').select('short_part').where('id', '=', id).executeTakeFirst();
    return row?.short_part === null || row?.short_part === undefined ? undefined : Number(row.short_part);
  }
}
