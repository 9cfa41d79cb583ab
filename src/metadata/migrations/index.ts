// Versioned schema migrations, run at start by Kysely's Migrator (which takes a lock, so
// several nodes starting at once run each migration exactly once). Portable types only.
// One file per migration; the keys are the names Kysely records in kysely_migration, and it
// runs them in the order of those names: never rename one, add the next at the end.
import type { Migration, MigrationProvider } from 'kysely';
import { registryCore } from './0001-registry-core.js';
import { jobs } from './0002-jobs.js';
import { uploadVerifiedDigest } from './0003-upload-verified-digest.js';
import { identitiesAndEcr } from './0004-identities-and-ecr.js';
import { manifestFormats } from './0005-manifest-formats.js';
import { policies } from './0006-policies.js';
import { publicRegistry } from './0007-public-registry.js';
import { rolesAndOidcProviders } from './0008-roles-and-oidc-providers.js';
import { encryptionAtRest } from './0009-encryption-at-rest.js';
import { kmsGrants } from './0010-kms-grants.js';
import { uploadLeases } from './0011-upload-leases.js';
import { accessKeyLastUsed } from './0012-access-key-last-used.js';
import { ecrLayerParts } from './0013-ecr-layer-parts.js';
import { lifecycle } from './0014-lifecycle.js';
import { gc } from './0015-gc.js';
import { archive } from './0016-archive.js';
import { protectionAndTrash } from './0017-protection-and-trash.js';
import { creationTemplates } from './0018-creation-templates.js';
import { replication } from './0019-replication.js';
import { secrets } from './0020-secrets.js';
import { keysetListingIndexes } from './0021-keyset-listing-indexes.js';
import { pullThroughCache } from './0022-pull-through-cache.js';
import { consoleSignIn } from './0023-console.js';
import { auditEvents } from './0024-audit-events.js';
import { events } from './0025-events.js';
import { metering } from './0026-metering.js';
import { scanning } from './0027-scanning.js';
import { signing } from './0028-signing.js';
import { compactAudit } from './0030-compact-audit.js';
import { auditRuns } from './0035-audit-runs.js';
import { pullThroughTagChecks } from './0031-pull-through-tag-checks.js';
import { replicationResumeOrder } from './0033-replication-resume-order.js';
import { consoleSorting } from './0034-console-sorting.js';

const migrations: Record<string, Migration> = {
  '0001_registry_core': registryCore,
  '0002_jobs': jobs,
  '0003_upload_verified_digest': uploadVerifiedDigest,
  '0004_identities_and_ecr': identitiesAndEcr,
  '0005_manifest_formats': manifestFormats,
  '0006_policies': policies,
  '0007_public_registry': publicRegistry,
  '0008_roles_and_oidc_providers': rolesAndOidcProviders,
  '0009_encryption_at_rest': encryptionAtRest,
  '0010_kms_grants': kmsGrants,
  '0011_upload_leases': uploadLeases,
  '0012_access_key_last_used': accessKeyLastUsed,
  '0013_ecr_layer_parts': ecrLayerParts,
  '0014_lifecycle': lifecycle,
  '0015_gc': gc,
  '0016_archive': archive,
  '0017_protection_and_trash': protectionAndTrash,
  '0018_creation_templates': creationTemplates,
  '0019_replication': replication,
  '0020_secrets': secrets,
  '0021_keyset_listing_indexes': keysetListingIndexes,
  '0022_pull_through_cache': pullThroughCache,
  '0023_console': consoleSignIn,
  '0024_audit_events': auditEvents,
  '0025_events': events,
  '0026_metering': metering,
  '0027_scanning': scanning,
  '0028_signing': signing,
  '0030_compact_audit': compactAudit,
  '0031_pull_through_tag_checks': pullThroughTagChecks,
  '0033_replication_resume_order': replicationResumeOrder,
  '0034_console_sorting': consoleSorting,
  '0035_audit_runs': auditRuns,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
