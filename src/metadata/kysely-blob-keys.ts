// Wraps of blobs' data keys over the query builder (part of kysely-store.ts).
import type { Kysely, Selectable } from 'kysely';
import type { BlobKeysTable, Database } from './schema.js';
import type { BlobKey } from '../domain/records/blob-keys.js';
import type { BlobKeyIndex } from './store.js';

type Db = Kysely<Database>;

function toBlobKey(row: Selectable<BlobKeysTable>): BlobKey {
  return { digest: row.digest, id: row.data_key_id, wrappingKey: row.wrapping_key, wrapped: row.wrapped };
}

export class BlobKeys implements BlobKeyIndex {
  constructor(private readonly db: Db) {}

  async put(key: BlobKey) {
    await this.db
      .insertInto('blob_keys')
      .values({
        digest: key.digest,
        data_key_id: key.id,
        wrapping_key: key.wrappingKey,
        wrapped: key.wrapped,
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.columns(['digest', 'data_key_id', 'wrapping_key']).doNothing())
      .execute();
  }

  async get(digest: string, dataKeyId: string, wrappingKey: string) {
    const row = await this.db
      .selectFrom('blob_keys')
      .selectAll()
      .where('digest', '=', digest)
      .where('data_key_id', '=', dataKeyId)
      .where('wrapping_key', '=', wrappingKey)
      .executeTakeFirst();
    return row && toBlobKey(row);
  }

  async list(digest: string, dataKeyId: string) {
    const rows = await this.db
      .selectFrom('blob_keys')
      .selectAll()
      .where('digest', '=', digest)
      .where('data_key_id', '=', dataKeyId)
      .orderBy('created_at')
      .execute();
    return rows.map(toBlobKey);
  }

  async page(wrappingKey: string, after: { digest: string; id: string } | undefined, limit: number) {
    let query = this.db.selectFrom('blob_keys').selectAll().where('wrapping_key', '=', wrappingKey);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('digest', '>', after.digest),
          eb.and([eb('digest', '=', after.digest), eb('data_key_id', '>', after.id)]),
        ]),
      );
    }
    const rows = await query.orderBy('digest').orderBy('data_key_id').limit(limit).execute();
    return rows.map(toBlobKey);
  }

  async rewrap(key: BlobKey) {
    await this.db
      .updateTable('blob_keys')
      .set({ wrapped: key.wrapped })
      .where('digest', '=', key.digest)
      .where('data_key_id', '=', key.id)
      .where('wrapping_key', '=', key.wrappingKey)
      .execute();
  }
}
