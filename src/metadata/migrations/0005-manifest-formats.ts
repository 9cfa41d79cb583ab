// Migration 0005_manifest_formats: manifest formats: the content digest of signed schema 1
// manifests, and the conversions served on pull.
import type { Kysely, Migration } from 'kysely';

export const manifestFormats: Migration = {
  async up(db: Kysely<any>) {
    // A signed schema 1 manifest's digest is that of its signed payload, not of its bytes: the
    // bytes are kept as the blob of their own digest, named here (null: the manifest digest).
    await db.schema.alterTable('manifests').addColumn('content_digest', 'varchar(200)').execute();
    // Manifests served in another format than the stored one (conversions on pull), kept so the
    // converted digest a client was given can be fetched again on any node.
    await db.schema
      .createTable('manifest_conversions')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('source_digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('variant', 'varchar(400)', (c) => c.notNull())
      .addColumn('digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('media_type', 'varchar(255)', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('content_digest', 'varchar(200)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('manifest_conversions_pk', ['repository_id', 'source_digest', 'variant'])
      .addForeignKeyConstraint(
        'manifest_conversions_source',
        ['repository_id', 'source_digest'],
        'manifests',
        ['repository_id', 'digest'],
        (c) => c.onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createIndex('manifest_conversions_digest')
      .on('manifest_conversions')
      .columns(['repository_id', 'digest'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('manifest_conversions').ifExists().execute();
    await db.schema.alterTable('manifests').dropColumn('content_digest').execute();
  },
};
