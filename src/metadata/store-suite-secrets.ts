// The metadata suite's part for Secrets Manager's secrets: one per account and name, read by name
// and by ARN, updated, versions added with their labels moved in one step, deletions falling due,
// and removal with every version. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Secret, SecretVersion } from '../domain/records/secrets.js';
import { freshAccount } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

function secret(accountId: string, name: string, overrides: Partial<Secret> = {}): Secret {
  const id = `${name}-AbCdEf`;
  return {
    id: `${accountId}/${id}`,
    accountId,
    name,
    arn: `arn:aws:secretsmanager:us-east-1:${accountId}:secret:${id}`,
    description: null,
    kmsKeyArn: null,
    tags: [],
    policy: null,
    createdAt: 1_000,
    updatedAt: 1_000,
    accessedAt: null,
    deletedAt: null,
    ...overrides,
  };
}

const version = (s: Secret, versionId: string, stages: string[], createdAt = 1_000): SecretVersion => ({
  secretId: s.id,
  versionId,
  stages,
  sealed: `sealed-${versionId}`,
  createdAt,
});

export function describeSecretMetadata(subject: () => MetadataStore): void {
  describe('secrets', () => {
    it('a secret is created once per account and name, read by name and ARN, updated and deleted', async () => {
      const store = subject();
      const account = freshAccount();
      const s = secret(account, 'prod/db', { description: 'db', tags: [{ key: 'team', value: 'blue' }] });
      assert.equal(await store.secrets.create(s, version(s, 'v1', ['AWSCURRENT'])), true);
      assert.equal(await store.secrets.create(secret(account, 'prod/db', { id: `${account}/other` })), false);
      assert.deepEqual(await store.secrets.get(account, 'prod/db'), s);
      assert.deepEqual(await store.secrets.getByArn(s.arn), s);
      assert.equal(await store.secrets.get(freshAccount(), 'prod/db'), undefined);
      await store.secrets.update(s.id, { description: null, policy: '{"x":1}', deletedAt: 5_000, accessedAt: 2_000 });
      const updated = await store.secrets.get(account, 'prod/db');
      assert.deepEqual(
        { ...updated },
        { ...s, description: null, policy: '{"x":1}', deletedAt: 5_000, accessedAt: 2_000 },
      );
      const due = await store.secrets.dueForDeletion(5_000, 1_000);
      assert.ok(due.some((d) => d.id === s.id));
      assert.ok(!(await store.secrets.dueForDeletion(4_999, 1_000)).some((d) => d.id === s.id));
      await store.secrets.update(s.id, { deletedAt: null });
      assert.ok(!(await store.secrets.dueForDeletion(Number.MAX_SAFE_INTEGER, 1_000)).some((d) => d.id === s.id));
      await store.secrets.delete(s.id);
      assert.equal(await store.secrets.get(account, 'prod/db'), undefined);
      assert.deepEqual(await store.secrets.versions(s.id), []);
    });

    it('lists an account by name; a version is added once and moves labels in the same step', async () => {
      const store = subject();
      const account = freshAccount();
      const b = secret(account, 'b');
      const a = secret(account, 'a');
      await store.secrets.create(b);
      await store.secrets.create(a, version(a, 'v1', ['AWSCURRENT'], 1_000));
      assert.deepEqual(
        (await store.secrets.list(account)).map((s) => s.name),
        ['a', 'b'],
      );
      assert.equal(
        await store.secrets.addVersion(version(a, 'v2', ['AWSCURRENT'], 2_000), { v1: ['AWSPREVIOUS'] }),
        true,
      );
      assert.equal(await store.secrets.addVersion(version(a, 'v2', ['X'], 3_000), { v1: [] }), false);
      assert.deepEqual(
        (await store.secrets.versions(a.id)).map((v) => [v.versionId, v.stages, v.sealed]),
        [
          ['v1', ['AWSPREVIOUS'], 'sealed-v1'],
          ['v2', ['AWSCURRENT'], 'sealed-v2'],
        ],
      );
      await store.secrets.restage(a.id, { v1: ['AWSCURRENT'], v2: ['AWSPREVIOUS'] });
      assert.deepEqual(
        (await store.secrets.versions(a.id)).map((v) => v.stages),
        [['AWSCURRENT'], ['AWSPREVIOUS']],
      );
    });

    it('pages the versions one key sealed, across secrets and pages, and replaces a sealed value', async () => {
      const store = subject();
      const account = freshAccount();
      const a = secret(account, 'paged-a');
      const b = secret(account, 'paged-b');
      const sealedBy = (v: SecretVersion, prefix: string) => ({ ...v, sealed: `${prefix}${v.versionId}` });
      await store.secrets.create(a, sealedBy(version(a, 'v1', ['AWSCURRENT']), 'm1:'));
      await store.secrets.addVersion(sealedBy(version(a, 'v2', []), 'k1:'), {});
      await store.secrets.addVersion(sealedBy(version(a, 'v3', []), 'm1:'), {});
      await store.secrets.create(b, sealedBy(version(b, 'v1', ['AWSCURRENT']), 'm1:'));
      const mine = <T extends { secretId: string }>(page: T[]) =>
        page.filter((v) => v.secretId.startsWith(`${account}/`));
      const all = mine(await store.secrets.sealedPage('m1:', undefined, 1000));
      assert.deepEqual(
        all.map((v) => [v.secretId, v.versionId, v.sealed, v.arn]),
        [
          [a.id, 'v1', 'm1:v1', a.arn],
          [a.id, 'v3', 'm1:v3', a.arn],
          [b.id, 'v1', 'm1:v1', b.arn],
        ],
      );
      const second = await store.secrets.sealedPage('m1:', { secretId: a.id, versionId: 'v1' }, 2);
      assert.deepEqual(
        second.map((v) => [v.secretId, v.versionId]),
        [
          [a.id, 'v3'],
          [b.id, 'v1'],
        ],
      );
      await store.secrets.replaceSealed(a.id, 'v3', 'm1:resealed');
      assert.deepEqual(
        (await store.secrets.versions(a.id)).map((v) => v.sealed),
        ['m1:v1', 'k1:v2', 'm1:resealed'],
      );
    });
  });
}
