// The metadata suite's part for managed signing: a registry's signing configuration put, replaced
// and deleted; images' statuses upserted per signing profile and the IN_PROGRESS ones found as
// the outbox; pull-time signature requirements. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageSigningRecord, SigningRule } from '../domain/records/signing.js';
import { freshAccount, freshDigest, freshRepository } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

export function describeSigningMetadata(subject: () => MetadataStore): void {
  describe('signing', () => {
    it('a registry has no signing configuration until it puts one; a put replaces it, a delete returns it', async () => {
      const store = subject();
      const account = freshAccount();
      assert.equal(await store.signing.configuration(account), undefined);
      const rules: SigningRule[] = [
        {
          signingProfileArn: `arn:aws:signer:us-east-1:${account}:/signing-profiles/release`,
          repositoryFilters: [{ filter: 'prod/*', filterType: 'WILDCARD_MATCH' }],
        },
      ];
      await store.signing.putConfiguration(account, rules, 1_000);
      assert.deepEqual(await store.signing.configuration(account), rules);
      await store.signing.putConfiguration(account, [], 2_000);
      assert.deepEqual(await store.signing.configuration(account), [], 'an empty rule list is a configuration');
      assert.equal(await store.signing.configuration(freshAccount()), undefined, 'per account');
      assert.deepEqual(await store.signing.deleteConfiguration(account), []);
      assert.equal(await store.signing.deleteConfiguration(account), undefined);
    });

    it("an image's statuses are upserted per signing profile; IN_PROGRESS ones old enough are pending", async () => {
      const store = subject();
      const repo = await freshRepository(store);
      const digest = freshDigest();
      const base: ImageSigningRecord = {
        accountId: repo.accountId,
        repositoryId: repo.id,
        repositoryName: repo.name,
        digest,
        signingProfileArn: `arn:aws:signer:us-east-1:${repo.accountId}:/signing-profiles/a`,
        keyArn: `arn:aws:kms:us-east-1:${repo.accountId}:alias/a`,
        status: 'IN_PROGRESS',
        failureCode: null,
        failureReason: null,
        signatureDigest: null,
        updatedAt: 10_000,
      };
      const other = { ...base, signingProfileArn: `${base.signingProfileArn}b`, updatedAt: 20_000 };
      await store.signing.putStatuses([base, other]);
      assert.deepEqual(await store.signing.statuses(repo.id, digest), [base, other]);
      const pending = (await store.signing.pending(15_000, 1000)).filter((r) => r.repositoryId === repo.id);
      assert.deepEqual(pending, [base]);
      const done = { ...base, status: 'COMPLETE' as const, signatureDigest: freshDigest(), updatedAt: 30_000 };
      await store.signing.putStatuses([done]);
      assert.deepEqual(await store.signing.statuses(repo.id, digest), [done, other]);
      assert.equal((await store.signing.pending(25_000, 1000)).filter((r) => r.repositoryId === repo.id).length, 1);
      assert.deepEqual(await store.signing.statuses(repo.id, freshDigest()), []);
    });

    it("a repository's signature requirement is put, replaced, listed and removed", async () => {
      const store = subject();
      const repo = await freshRepository(store);
      assert.equal(await store.signing.requirement(repo.id), undefined);
      const requirement = { accountId: repo.accountId, repositoryId: repo.id, keyArns: ['arn:a'], updatedAt: 1 };
      await store.signing.putRequirement(requirement);
      await store.signing.putRequirement({ ...requirement, keyArns: ['arn:a', 'arn:b'], updatedAt: 2 });
      assert.deepEqual(await store.signing.requirement(repo.id), {
        ...requirement,
        keyArns: ['arn:a', 'arn:b'],
        updatedAt: 2,
      });
      assert.deepEqual(
        (await store.signing.requirements(repo.accountId)).map((r) => r.repositoryId),
        [repo.id],
      );
      assert.equal(await store.signing.deleteRequirement(repo.id), true);
      assert.equal(await store.signing.deleteRequirement(repo.id), false);
      assert.equal(await store.signing.requirement(repo.id), undefined);
    });
  });
}
