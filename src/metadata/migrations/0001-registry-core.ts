// Migration 0001_registry_core: the registry core: settings, repositories, blobs and their links,
// manifests, their references and tags, uploads.
import type { Kysely, Migration } from 'kysely';

export const registryCore: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('settings')
      .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('repositories')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('name', 'varchar(256)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('repositories_account_name', ['account_id', 'name'])
      .execute();
    await db.schema
      .createTable('blobs')
      .addColumn('digest', 'varchar(200)', (c) => c.primaryKey())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('repository_blobs')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
      .addColumn('digest', 'varchar(200)', (c) => c.notNull().references('blobs.digest'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('repository_blobs_pk', ['repository_id', 'digest'])
      .execute();
    await db.schema.createIndex('repository_blobs_digest').on('repository_blobs').column('digest').execute();
    await db.schema
      .createTable('manifests')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
      .addColumn('digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('media_type', 'varchar(255)', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('artifact_type', 'varchar(255)')
      .addColumn('subject_digest', 'varchar(200)')
      .addColumn('annotations', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('manifests_pk', ['repository_id', 'digest'])
      .execute();
    await db.schema
      .createIndex('manifests_subject')
      .on('manifests')
      .columns(['repository_id', 'subject_digest'])
      .execute();
    await db.schema
      .createTable('manifest_references')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('manifest_digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('child_digest', 'varchar(200)', (c) => c.notNull())
      .addPrimaryKeyConstraint('manifest_references_pk', ['repository_id', 'manifest_digest', 'child_digest'])
      .addForeignKeyConstraint(
        'manifest_references_manifest',
        ['repository_id', 'manifest_digest'],
        'manifests',
        ['repository_id', 'digest'],
        (c) => c.onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createIndex('manifest_references_child')
      .on('manifest_references')
      .columns(['repository_id', 'child_digest'])
      .execute();
    await db.schema
      .createTable('tags')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('manifest_digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('tags_pk', ['repository_id', 'name'])
      .addForeignKeyConstraint(
        'tags_manifest',
        ['repository_id', 'manifest_digest'],
        'manifests',
        ['repository_id', 'digest'],
        (c) => c.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('tags_manifest').on('tags').columns(['repository_id', 'manifest_digest']).execute();
    await db.schema
      .createTable('uploads')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('uploads_updated').on('uploads').column('updated_at').execute();
  },
  async down(db: Kysely<any>) {
    for (const table of [
      'uploads',
      'tags',
      'manifest_references',
      'manifests',
      'repository_blobs',
      'blobs',
      'repositories',
      'settings',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
