// Migration 0015_gc: online garbage collection (registry/gc.ts). When a blob was last seen (an
// upload, mount or check of it), the digests whose bytes a collection is deleting (the mark a
// push respects), the running totals of what collections freed, and the indexes that let a
// collection ask "does anything, in any repository, still reference this digest?" cheaply.
import type { Kysely, Migration } from 'kysely';

export const gc: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('blobs').addColumn('last_seen_at', 'bigint').execute();
    await db.schema
      .createTable('gc_deletions')
      .addColumn('digest', 'varchar(200)', (c) => c.primaryKey())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('gc_stats')
      .addColumn('kind', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('objects', 'bigint', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('manifest_references_child_any')
      .on('manifest_references')
      .column('child_digest')
      .execute();
    await db.schema.createIndex('manifests_digest_any').on('manifests').column('digest').execute();
    await db.schema.createIndex('manifests_content_digest').on('manifests').column('content_digest').execute();
    await db.schema
      .createIndex('manifest_conversions_digest_any')
      .on('manifest_conversions')
      .column('digest')
      .execute();
    await db.schema
      .createIndex('manifest_conversions_content_digest')
      .on('manifest_conversions')
      .column('content_digest')
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('manifest_conversions_content_digest').execute();
    await db.schema.dropIndex('manifest_conversions_digest_any').execute();
    await db.schema.dropIndex('manifests_content_digest').execute();
    await db.schema.dropIndex('manifests_digest_any').execute();
    await db.schema.dropIndex('manifest_references_child_any').execute();
    await db.schema.dropTable('gc_stats').execute();
    await db.schema.dropTable('gc_deletions').execute();
    await db.schema.alterTable('blobs').dropColumn('last_seen_at').execute();
  },
};
