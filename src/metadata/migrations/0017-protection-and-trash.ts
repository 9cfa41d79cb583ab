// Migration 0017_protection_and_trash: deletion protection (a repository, or tag patterns in it)
// and the trash (deleted manifests with their references and tags, restorable for a window).
import type { Kysely, Migration } from 'kysely';

export const protectionAndTrash: Migration = {
  async up(db: Kysely<any>) {
    // tag_pattern '' protects the whole repository; otherwise a wildcard pattern of tags.
    await db.schema
      .createTable('deletion_protections')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
      .addColumn('tag_pattern', 'varchar(200)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'varchar(2048)')
      .addPrimaryKeyConstraint('deletion_protections_pk', ['repository_id', 'tag_pattern'])
      .execute();
    await db.schema
      .createTable('trash')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
      .addColumn('digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('media_type', 'varchar(255)', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('artifact_type', 'varchar(255)')
      .addColumn('subject_digest', 'varchar(200)')
      .addColumn('annotations', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_pulled_at', 'bigint')
      .addColumn('content_digest', 'varchar(200)')
      // The storage class state it had (0016): a restored archived image comes back archived.
      .addColumn('image_status', 'varchar(16)')
      .addColumn('last_archived_at', 'bigint')
      .addColumn('last_activated_at', 'bigint')
      // JSON array of the tags the manifest had when it was deleted.
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('deleted_by', 'varchar(2048)', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('trash_pk', ['repository_id', 'digest'])
      .execute();
    await db.schema.createIndex('trash_deleted_at').on('trash').column('deleted_at').execute();
    await db.schema
      .createTable('trash_references')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('manifest_digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('child_digest', 'varchar(200)', (c) => c.notNull())
      .addPrimaryKeyConstraint('trash_references_pk', ['repository_id', 'manifest_digest', 'child_digest'])
      .addForeignKeyConstraint(
        'trash_references_entry',
        ['repository_id', 'manifest_digest'],
        'trash',
        ['repository_id', 'digest'],
        (c) => c.onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createIndex('trash_references_child')
      .on('trash_references')
      .columns(['repository_id', 'child_digest'])
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['trash_references', 'trash', 'deletion_protections'])
      await db.schema.dropTable(table).ifExists().execute();
  },
};
