// Versioned schema migrations, run at start by Kysely's Migrator (which takes a lock, so
// several nodes starting at once run each migration exactly once). Portable types only.
import type { Kysely, Migration, MigrationProvider } from 'kysely';

const migrations: Record<string, Migration> = {
  '0001_registry_core': {
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
  },
  '0002_jobs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('jobs')
        .addColumn('name', 'varchar(100)', (c) => c.primaryKey())
        .addColumn('next_run_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_by', 'varchar(100)')
        .addColumn('locked_until', 'bigint')
        .addColumn('last_run_at', 'bigint')
        .addColumn('last_error', 'text')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('jobs').ifExists().execute();
    },
  },
  '0003_upload_verified_digest': {
    async up(db: Kysely<any>) {
      // Set once an upload's bytes are verified, before they move into the blob store, so a
      // completion interrupted after the move can finish without the bytes.
      await db.schema.alterTable('uploads').addColumn('verified_digest', 'varchar(200)').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('uploads').dropColumn('verified_digest').execute();
    },
  },
  '0004_identities_and_ecr': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'varchar(12)', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(12)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('name', 'varchar(64)', (c) => c.notNull())
        .addColumn('kind', 'varchar(8)', (c) => c.notNull())
        .addColumn('arn', 'varchar(512)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('users_account_name', ['account_id', 'name'])
        .execute();
      await db.schema
        .createTable('access_keys')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(8)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('access_keys_user').on('access_keys').column('user_id').execute();
      await db.schema
        .alterTable('repositories')
        .addColumn('image_tag_mutability', 'varchar(32)', (c) => c.notNull().defaultTo('MUTABLE'))
        .execute();
      await db.schema.alterTable('repositories').addColumn('tag_mutability_exclusions', 'text').execute();
      await db.schema
        .alterTable('repositories')
        .addColumn('scan_on_push', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('repositories')
        .addColumn('encryption_type', 'varchar(16)', (c) => c.notNull().defaultTo('AES256'))
        .execute();
      await db.schema.alterTable('repositories').addColumn('kms_key', 'varchar(2048)').execute();
      await db.schema.alterTable('manifests').addColumn('last_pulled_at', 'bigint').execute();
      await db.schema
        .createTable('resource_tags')
        .addColumn('resource_arn', 'varchar(1024)', (c) => c.notNull())
        .addColumn('key', 'varchar(128)', (c) => c.notNull())
        .addColumn('value', 'varchar(256)', (c) => c.notNull())
        .addPrimaryKeyConstraint('resource_tags_pk', ['resource_arn', 'key'])
        .execute();
      await db.schema
        .createTable('account_settings')
        .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
        .addColumn('name', 'varchar(64)', (c) => c.notNull())
        .addColumn('value', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('account_settings_pk', ['account_id', 'name'])
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['account_settings', 'resource_tags', 'access_keys', 'users', 'accounts'])
        await db.schema.dropTable(table).ifExists().execute();
      for (const column of [
        'image_tag_mutability',
        'tag_mutability_exclusions',
        'scan_on_push',
        'encryption_type',
        'kms_key',
      ]) {
        await db.schema.alterTable('repositories').dropColumn(column).execute();
      }
      await db.schema.alterTable('manifests').dropColumn('last_pulled_at').execute();
    },
  },
  '0005_manifest_formats': {
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
  },
  '0006_policies': {
    async up(db: Kysely<any>) {
      // Resource-based policies: one per repository (gone with it), one per registry (account).
      await db.schema
        .createTable('repository_policies')
        .addColumn('repository_id', 'varchar(64)', (c) =>
          c.primaryKey().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('policy_text', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('registry_policies')
        .addColumn('account_id', 'varchar(12)', (c) => c.primaryKey())
        .addColumn('policy_text', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // Identity-based policies. Owners are users or roles (owner_type 'user' | 'role', owner_id
      // their unique id); no foreign key, as roles live in their own table: whoever deletes an
      // owner deletes its rows here in the same transaction.
      await db.schema
        .createTable('inline_policies')
        .addColumn('owner_type', 'varchar(8)', (c) => c.notNull())
        .addColumn('owner_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('policy_text', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('inline_policies_pk', ['owner_type', 'owner_id', 'name'])
        .execute();
      await db.schema
        .createTable('managed_policies')
        .addColumn('arn', 'varchar(512)', (c) => c.primaryKey())
        .addColumn('id', 'varchar(32)', (c) => c.notNull())
        .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('path', 'varchar(512)', (c) => c.notNull())
        .addColumn('description', 'varchar(1000)')
        .addColumn('policy_text', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('managed_policies_account_name', ['account_id', 'name'])
        .execute();
      // Attachments name the policy by ARN: a customer managed policy of managed_policies, or an
      // AWS managed one (arn:aws:iam::aws:policy/…), which is built in and has no row.
      await db.schema
        .createTable('policy_attachments')
        .addColumn('owner_type', 'varchar(8)', (c) => c.notNull())
        .addColumn('owner_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('policy_arn', 'varchar(512)', (c) => c.notNull())
        .addPrimaryKeyConstraint('policy_attachments_pk', ['owner_type', 'owner_id', 'policy_arn'])
        .execute();
      await db.schema.createIndex('policy_attachments_policy').on('policy_attachments').column('policy_arn').execute();
    },
    async down(db: Kysely<any>) {
      for (const table of [
        'policy_attachments',
        'managed_policies',
        'inline_policies',
        'registry_policies',
        'repository_policies',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  '0007_public_registry': {
    async up(db: Kysely<any>) {
      // Public repositories are `repositories` rows in the registry key `public:<account>`
      // (metadata/registry-key.ts); these tables hold what only public ones have.
      await db.schema
        .createTable('public_repositories')
        .addColumn('repository_id', 'varchar(64)', (c) =>
          c.primaryKey().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
        .addColumn('description', 'varchar(1024)')
        .addColumn('about_text', 'text')
        .addColumn('usage_text', 'text')
        .addColumn('architectures', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('operating_systems', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('logo_media_type', 'varchar(64)')
        .addColumn('logo', 'text')
        .addColumn('policy_text', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('public_registries')
        .addColumn('account_id', 'varchar(12)', (c) => c.primaryKey())
        .addColumn('display_name', 'varchar(100)', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('registry_aliases')
        .addColumn('name', 'varchar(50)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
        .addColumn('status', 'varchar(10)', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('registry_aliases_account').on('registry_aliases').column('account_id').execute();
      await db.schema
        .createTable('rate_windows')
        .addColumn('key', 'varchar(200)', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_windows_pk', ['key', 'window_start'])
        .execute();
      await db.schema.createIndex('rate_windows_start').on('rate_windows').column('window_start').execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['rate_windows', 'registry_aliases', 'public_registries', 'public_repositories'])
        await db.schema.dropTable(table).ifExists().execute();
    },
  },
  '0008_roles_and_oidc_providers': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('roles')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(12)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('name', 'varchar(64)', (c) => c.notNull())
        .addColumn('path', 'varchar(512)', (c) => c.notNull())
        .addColumn('arn', 'varchar(1024)', (c) => c.notNull())
        .addColumn('trust_policy', 'text', (c) => c.notNull())
        .addColumn('description', 'varchar(1000)')
        .addColumn('max_session_duration', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('roles_account_name', ['account_id', 'name'])
        .execute();
      await db.schema
        .createTable('oidc_providers')
        .addColumn('arn', 'varchar(1024)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(12)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('url', 'varchar(512)', (c) => c.notNull())
        .addColumn('client_ids', 'text', (c) => c.notNull())
        .addColumn('thumbprints', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('oidc_providers_account').on('oidc_providers').column('account_id').execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['oidc_providers', 'roles']) await db.schema.dropTable(table).ifExists().execute();
    },
  },
  '0009_encryption_at_rest': {
    async up(db: Kysely<any>) {
      // Wraps of each blob's data key, one per wrapping key (the master key or a KMS key), so a
      // blob stored once is readable by every repository it is linked into.
      await db.schema
        .createTable('blob_keys')
        .addColumn('digest', 'varchar(200)', (c) => c.notNull())
        .addColumn('data_key_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('wrapping_key', 'varchar(2048)', (c) => c.notNull())
        .addColumn('wrapped', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('blob_keys_pk', ['digest', 'data_key_id', 'wrapping_key'])
        .execute();
      await db.schema
        .createIndex('blob_keys_wrapping')
        .on('blob_keys')
        .columns(['wrapping_key', 'digest', 'data_key_id'])
        .execute();
      await db.schema.alterTable('uploads').addColumn('data_key', 'text').execute();
      await db.schema
        .createTable('kms_keys')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
        .addColumn('arn', 'varchar(2048)', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('key_state', 'varchar(32)', (c) => c.notNull())
        .addColumn('key_usage', 'varchar(32)', (c) => c.notNull())
        .addColumn('key_spec', 'varchar(32)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('deletion_date', 'bigint')
        .addColumn('pending_window_days', 'integer')
        .addColumn('rotation_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rotation_period_days', 'integer')
        .addColumn('policy', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('kms_keys_account').on('kms_keys').columns(['account_id', 'id']).execute();
      await db.schema
        .createTable('kms_key_material')
        .addColumn('key_id', 'varchar(64)', (c) => c.notNull().references('kms_keys.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('kms_key_material_pk', ['key_id', 'version'])
        .execute();
      await db.schema
        .createTable('kms_aliases')
        .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('key_id', 'varchar(64)', (c) => c.notNull().references('kms_keys.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('kms_aliases_pk', ['account_id', 'name'])
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['kms_aliases', 'kms_key_material', 'kms_keys', 'blob_keys'])
        await db.schema.dropTable(table).ifExists().execute();
      await db.schema.alterTable('uploads').dropColumn('data_key').execute();
    },
  },
  '0010_kms_grants': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('kms_grants')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('key_id', 'varchar(64)', (c) => c.notNull().references('kms_keys.id').onDelete('cascade'))
        .addColumn('name', 'varchar(256)')
        .addColumn('grantee_principal', 'varchar(256)', (c) => c.notNull())
        .addColumn('retiring_principal', 'varchar(256)')
        .addColumn('issuing_account', 'varchar(12)', (c) => c.notNull())
        .addColumn('operations', 'text', (c) => c.notNull())
        .addColumn('grant_constraints', 'text')
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('kms_grants_key_grantee')
        .on('kms_grants')
        .columns(['key_id', 'grantee_principal'])
        .execute();
      await db.schema
        .createIndex('kms_grants_retiring')
        .on('kms_grants')
        .columns(['retiring_principal', 'id'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('kms_grants').ifExists().execute();
    },
  },
  '0011_upload_leases': {
    async up(db: Kysely<any>) {
      // One writer at a time across nodes: a request takes the lease before it touches the bytes.
      await db.schema.alterTable('uploads').addColumn('lease_holder', 'varchar(64)').execute();
      await db.schema.alterTable('uploads').addColumn('lease_until', 'bigint').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('uploads').dropColumn('lease_until').execute();
      await db.schema.alterTable('uploads').dropColumn('lease_holder').execute();
    },
  },
  '0012_access_key_last_used': {
    // Where an access key was last used (GetAccessKeyLastUsed's ServiceName and Region).
    async up(db: Kysely<any>) {
      await db.schema.alterTable('access_keys').addColumn('last_used_service', 'varchar(64)').execute();
      await db.schema.alterTable('access_keys').addColumn('last_used_region', 'varchar(32)').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('access_keys').dropColumn('last_used_region').execute();
      await db.schema.alterTable('access_keys').dropColumn('last_used_service').execute();
    },
  },
  '0013_ecr_layer_parts': {
    async up(db: Kysely<any>) {
      // ECR's UploadLayerPart: where the latest part began, and the size of the first part but
      // the last found under 5 MiB (CompleteLayerUpload refuses the upload then).
      await db.schema.alterTable('uploads').addColumn('last_part_start', 'bigint').execute();
      await db.schema.alterTable('uploads').addColumn('short_part', 'bigint').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('uploads').dropColumn('short_part').execute();
      await db.schema.alterTable('uploads').dropColumn('last_part_start').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
