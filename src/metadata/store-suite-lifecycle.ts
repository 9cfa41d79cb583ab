// The metadata suite's part for lifecycle: policies, previews, the record of lifecycle's
// actions, pull time update exclusions and runtime principals' pulls. Run by store-suite.ts on
// every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { freshAccount, freshDigest, freshRepository } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

export function describeLifecycleMetadata(subject: () => MetadataStore): void {
  describe('lifecycle', () => {
    it('a policy is put, replaced, marked evaluated, listed, deleted, and goes with its repository', async () => {
      const store = subject();
      const repository = await freshRepository(store, 'lifecycle/app');
      assert.equal(await store.lifecycle.getPolicy(repository.id), undefined);
      assert.equal(await store.lifecycle.putPolicy(repository.id, 'one', 1), true);
      await store.lifecycle.markEvaluated(repository.id, 5);
      assert.equal(await store.lifecycle.putPolicy(repository.id, 'two', 7), true);
      assert.deepEqual(await store.lifecycle.getPolicy(repository.id), {
        repositoryId: repository.id,
        policyText: 'two',
        updatedAt: 7,
        lastEvaluatedAt: 5,
      });
      assert.equal(await store.lifecycle.putPolicy('no-such-repository', 'x', 1), false);
      const listed = await store.lifecycle.policies({ limit: 100_000 });
      assert.ok(listed.some((p) => p.repositoryId === repository.id));
      const after = await store.lifecycle.policies({ after: repository.id, limit: 100_000 });
      assert.ok(after.every((p) => p.repositoryId > repository.id));
      assert.equal((await store.lifecycle.deletePolicy(repository.id))?.policyText, 'two');
      assert.equal(await store.lifecycle.deletePolicy(repository.id), undefined);
      await store.lifecycle.putPolicy(repository.id, 'three', 8);
      await store.repositories.delete(repository.id);
      assert.equal(await store.lifecycle.getPolicy(repository.id), undefined);
    });

    it('one preview runs at a time; a stale one is replaced; finishing names the run it ends', async () => {
      const store = subject();
      const repository = await freshRepository(store, 'lifecycle/preview');
      assert.equal(await store.lifecycle.startPreview(repository.id, 'p1', 100, 0), true);
      assert.equal(await store.lifecycle.startPreview(repository.id, 'p2', 101, 0), false);
      assert.equal((await store.lifecycle.getPreview(repository.id))?.status, 'IN_PROGRESS');
      // Started before busySince: taken as abandoned.
      assert.equal(await store.lifecycle.startPreview(repository.id, 'p3', 200, 150), true);
      await store.lifecycle.finishPreview(repository.id, 100, 'COMPLETE', '[]');
      assert.equal((await store.lifecycle.getPreview(repository.id))?.status, 'IN_PROGRESS');
      await store.lifecycle.finishPreview(repository.id, 200, 'COMPLETE', '["x"]');
      assert.deepEqual(await store.lifecycle.getPreview(repository.id), {
        repositoryId: repository.id,
        policyText: 'p3',
        status: 'COMPLETE',
        startedAt: 200,
        results: '["x"]',
      });
      assert.equal(await store.lifecycle.startPreview(repository.id, 'p4', 300, 0), true);
      assert.equal(await store.lifecycle.startPreview('no-such-repository', 'p', 1, 0), false);
    });

    it("lifecycle's actions are recorded and stay after the repository is deleted", async () => {
      const store = subject();
      const repository = await freshRepository(store, 'lifecycle/actions');
      const digest = freshDigest();
      const base = { repositoryId: repository.id, repositoryName: repository.name, actor: 'lifecycle' as const };
      await store.lifecycle.recordActions([
        { ...base, id: randomUUID(), at: 2, digest, tags: ['a', 'b'], rulePriority: 1, action: 'EXPIRE' },
        { ...base, id: randomUUID(), at: 1, digest: freshDigest(), tags: [], rulePriority: 2, action: 'TRANSITION' },
      ]);
      await store.lifecycle.recordActions([]);
      await store.repositories.delete(repository.id);
      const actions = await store.lifecycle.actions(repository.id);
      assert.deepEqual(
        actions.map((a) => [a.at, a.action, a.rulePriority, a.tags]),
        [
          [1, 'TRANSITION', 2, []],
          [2, 'EXPIRE', 1, ['a', 'b']],
        ],
      );
      assert.equal(actions[1]!.digest, digest);
    });

    it('pull time exclusions are per account, unique, listed in byte order and paged', async () => {
      const store = subject();
      const account = freshAccount();
      const arn = (name: string) => `arn:aws:iam::${account}:role/${name}`;
      assert.equal(await store.lifecycle.addExclusion(account, arn('b'), 1), true);
      assert.equal(await store.lifecycle.addExclusion(account, arn('B'), 2), true);
      assert.equal(await store.lifecycle.addExclusion(account, arn('a'), 3), true);
      assert.equal(await store.lifecycle.addExclusion(account, arn('a'), 4), false);
      assert.equal(await store.lifecycle.exclusionCount(account), 3);
      assert.equal(await store.lifecycle.exclusionCount(freshAccount()), 0);
      const all = await store.lifecycle.exclusions(account, { limit: 10 });
      assert.deepEqual(
        all.map((e) => e.principalArn),
        [arn('B'), arn('a'), arn('b')],
      );
      assert.equal(all[1]!.createdAt, 3);
      assert.deepEqual(
        (await store.lifecycle.exclusions(account, { after: arn('B'), limit: 1 })).map((e) => e.principalArn),
        [arn('a')],
      );
      assert.equal(await store.lifecycle.removeExclusion(account, arn('a')), true);
      assert.equal(await store.lifecycle.removeExclusion(account, arn('a')), false);
    });

    it("a runtime principal's pull keeps its latest time, and goes with the repository", async () => {
      const store = subject();
      const repository = await freshRepository(store, 'lifecycle/pulls');
      const [one, two] = [freshDigest(), freshDigest()];
      await store.lifecycle.recordPrincipalPull(repository.id, one, 'arn:r', 2_000);
      await store.lifecycle.recordPrincipalPull(repository.id, one, 'arn:r', 1_000);
      await store.lifecycle.recordPrincipalPull(repository.id, one, 'arn:s', 500);
      await store.lifecycle.recordPrincipalPull(repository.id, two, 'arn:r', 3_000);
      assert.deepEqual(
        (await store.lifecycle.principalPulls(repository.id, [one, two], 600))
          .map((p) => [p.digest === one ? 'one' : 'two', p.principalArn, p.lastPulledAt])
          .sort(),
        [
          ['one', 'arn:r', 2_000],
          ['two', 'arn:r', 3_000],
        ],
      );
      assert.deepEqual(await store.lifecycle.principalPulls(repository.id, [], 0), []);
      await store.repositories.delete(repository.id);
      assert.deepEqual(await store.lifecycle.principalPulls(repository.id, [one, two], 0), []);
    });
  });
}
