// The one test suite of the metadata port (store.ts): every backend (sqlite, postgres) runs it.
// Backend-neutral: it talks to the port only, and each test works in its own account. One part
// per index (store-suite-*.ts), run here in one describe on one store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MetadataStore } from './store.js';
import { describeAuditMetadata } from './store-suite-audit.js';
import { runArchiveIndexSuite } from './store-suite-archive.js';
import { runBlobIndexSuite } from './store-suite-blobs.js';
import { describeConsoleMetadata } from './store-suite-console.js';
import { runConversionIndexSuite } from './store-suite-conversions.js';
import { describeCreationTemplateMetadata } from './store-suite-creation-templates.js';
import { describePullThroughMetadata } from './store-suite-pull-through.js';
import { describeEcrMetadata } from './store-suite-ecr.js';
import { runGcIndexSuite } from './store-suite-gc.js';
import { runImageIndexSuite } from './store-suite-images.js';
import { describeLifecycleMetadata } from './store-suite-lifecycle.js';
import { runLockIndexSuite } from './store-suite-locks.js';
import { runChangeFeedSuite } from './store-suite-changes.js';
import { describeKeyMetadata } from './store-suite-keys.js';
import { runManifestIndexSuite, runTagIndexSuite } from './store-suite-manifests.js';
import { describePolicyMetadata } from './store-suite-policies.js';
import { runProtectionAndTrashSuite } from './store-suite-protection.js';
import { describePublicMetadata } from './store-suite-public.js';
import { describeReplicationMetadata } from './store-suite-replication.js';
import { describeEventMetadata } from './store-suite-events.js';
import { describeSigningMetadata } from './store-suite-signing.js';
import { describeScanningMetadata } from './store-suite-scanning.js';
import { runRepositoryIndexSuite } from './store-suite-repositories.js';
import { describeRoleMetadata } from './store-suite-roles.js';
import { describeSecretMetadata } from './store-suite-secrets.js';
import { describeMeteringMetadata } from './store-suite-metering.js';
import { runSettingsIndexSuite, runUploadIndexSuite } from './store-suite-uploads.js';

export interface StoreUnderTest {
  store: MetadataStore;
  teardown(): Promise<void>;
}

export function runMetadataSuite(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`metadata store suite: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: MetadataStore;

    before(async () => {
      subject = await factory();
      store = subject.store;
    });

    after(async () => {
      await subject?.teardown();
    });

    it('answers ping', async () => {
      assert.equal(await store.ping(), true);
      assert.equal(typeof store.backend, 'string');
      assert.ok(store.backend.length > 0);
    });

    runRepositoryIndexSuite(() => store);
    runBlobIndexSuite(() => store);
    runManifestIndexSuite(() => store);
    runTagIndexSuite(() => store);
    runImageIndexSuite(() => store);
    runArchiveIndexSuite(() => store);
    runConversionIndexSuite(() => store);
    runUploadIndexSuite(() => store);
    runGcIndexSuite(() => store);
    runLockIndexSuite(() => store);
    runChangeFeedSuite(() => store);
    runSettingsIndexSuite(() => store);
    describeEcrMetadata(() => store);
    describeKeyMetadata(() => store);
    describePolicyMetadata(() => store);
    describePublicMetadata(() => store);
    describeRoleMetadata(() => store);
    describeCreationTemplateMetadata(() => store);
    runProtectionAndTrashSuite(() => store);
    describeLifecycleMetadata(() => store);
    describeSecretMetadata(() => store);
    describeReplicationMetadata(() => store);
    describeEventMetadata(() => store);
    describeConsoleMetadata(() => store);
    describePullThroughMetadata(() => store);
    describeMeteringMetadata(() => store);
    describeSigningMetadata(() => store);
    describeScanningMetadata(() => store);
    describeAuditMetadata(() => store);
  });
}
