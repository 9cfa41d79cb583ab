// The metadata suite's part for roles and OpenID Connect providers (the IAM API). Run by
// store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { freshAccount } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';
import type { Role } from '../domain/records/roles.js';

async function account(store: MetadataStore): Promise<string> {
  const id = freshAccount();
  await store.identities.ensureAccount(id, Date.now());
  return id;
}

function role(accountId: string, name: string): Role {
  return {
    id: `AROA${randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase()}`,
    accountId,
    name,
    path: '/',
    arn: `arn:aws:iam::${accountId}:role/${name}`,
    trustPolicy: '{"Version":"2012-10-17","Statement":[]}',
    description: null,
    maxSessionDuration: 3600,
    createdAt: 1_700_000_000_123,
  };
}

export function describeRoleMetadata(subject: () => MetadataStore): void {
  describe('roles', () => {
    it('creates a role once per name and account, and reads it back whole', async () => {
      const store = subject();
      const id = await account(store);
      const made = { ...role(id, 'ci-Deploy'), description: 'deploys', path: '/team/', maxSessionDuration: 7200 };
      assert.equal(await store.roles.create(made), true);
      assert.equal(
        await store.roles.create({ ...role(id, 'ci-Deploy'), trustPolicy: '{}' }),
        false,
        'the name is taken',
      );
      assert.deepEqual(await store.roles.get(id, 'ci-Deploy'), made);
      assert.equal(await store.roles.get(id, 'ci-deploy'), undefined, 'names are case-sensitive in the store');
      assert.equal(await store.roles.get(await account(store), 'ci-Deploy'), undefined, 'roles belong to one account');
    });

    it('lists in byte order, replaces the trust policy, deletes', async () => {
      const store = subject();
      const id = await account(store);
      for (const name of ['b', 'a', 'B', '_x']) assert.ok(await store.roles.create(role(id, name)));
      assert.deepEqual(
        (await store.roles.list(id)).map((r) => r.name),
        ['B', '_x', 'a', 'b'],
      );
      assert.equal(await store.roles.setTrustPolicy(id, 'a', '{"v":2}'), true);
      assert.equal((await store.roles.get(id, 'a'))?.trustPolicy, '{"v":2}');
      assert.equal(await store.roles.setTrustPolicy(id, 'missing', '{}'), false);
      assert.equal(await store.roles.delete(id, 'a'), true);
      assert.equal(await store.roles.delete(id, 'a'), false);
      assert.deepEqual(
        (await store.roles.list(id)).map((r) => r.name),
        ['B', '_x', 'b'],
      );
    });
  });

  describe('OpenID Connect providers', () => {
    it('creates, lists, reads and deletes providers by ARN', async () => {
      const store = subject();
      const id = await account(store);
      const provider = {
        arn: `arn:aws:iam::${id}:oidc-provider/127.0.0.1:8443/issuer`,
        accountId: id,
        url: '127.0.0.1:8443/issuer',
        clientIds: ['sts.amazonaws.com', 'berth'],
        thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
        createdAt: 1_700_000_000_000,
      };
      assert.equal(await store.oidcProviders.create(provider), true);
      assert.equal(await store.oidcProviders.create({ ...provider, clientIds: [] }), false);
      assert.deepEqual(await store.oidcProviders.get(provider.arn), provider);
      const second = {
        ...provider,
        arn: `arn:aws:iam::${id}:oidc-provider/a.example`,
        url: 'a.example',
        clientIds: [],
        thumbprints: [],
      };
      assert.ok(await store.oidcProviders.create(second));
      assert.deepEqual(
        (await store.oidcProviders.list(id)).map((p) => p.url),
        ['127.0.0.1:8443/issuer', 'a.example'],
      );
      assert.deepEqual(await store.oidcProviders.list(await account(store)), []);
      assert.equal(await store.oidcProviders.delete(provider.arn), true);
      assert.equal(await store.oidcProviders.get(provider.arn), undefined);
      assert.equal(await store.oidcProviders.delete(provider.arn), false);
    });
  });
}
