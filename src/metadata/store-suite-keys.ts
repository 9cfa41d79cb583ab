// The metadata suite's part for encryption at rest: wraps of blobs' data keys, upload data keys,
// and the key service's keys, material versions, aliases and grants. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { freshAccount, freshDigest } from './store-suite-fixtures.js';
import type { KmsGrant, KmsKey } from '../domain/records/kms.js';
import type { MetadataStore } from './store.js';

const keyId = () => randomUUID().replaceAll('-', '');

function kmsKey(accountId: string, overrides: Partial<KmsKey> = {}): KmsKey {
  const id = randomUUID();
  return {
    id,
    accountId,
    arn: `arn:aws:kms:us-east-1:${accountId}:key/${id}`,
    description: 'd',
    state: 'Enabled',
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: 'SYMMETRIC_DEFAULT',
    createdAt: 1_700_000_000_000,
    deletionDate: null,
    pendingWindowDays: null,
    rotationEnabled: false,
    rotationPeriodDays: null,
    policy: '{"Statement":[]}',
    ...overrides,
  };
}

const grantId = () => randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', '');

function kmsGrant(keyId: string, overrides: Partial<KmsGrant> = {}): KmsGrant {
  return {
    id: grantId(),
    keyId,
    name: null,
    granteePrincipal: 'arn:aws:iam::111111111111:user/app',
    retiringPrincipal: null,
    issuingAccount: '111111111111',
    operations: ['Decrypt', 'DescribeKey'],
    constraints: null,
    token: 'token',
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function describeKeyMetadata(subject: () => MetadataStore): void {
  describe('blob data key wraps', () => {
    it('keeps one wrap per digest, data key and wrapping key; the first stays', async () => {
      const store = subject();
      const digest = freshDigest();
      const id = keyId();
      await store.blobKeys.put({ digest, id, wrappingKey: 'master', wrapped: 'w1' });
      await store.blobKeys.put({ digest, id, wrappingKey: 'master', wrapped: 'w2' });
      await store.blobKeys.put({ digest, id, wrappingKey: 'arn:aws:kms:us-east-1:111111111111:key/k', wrapped: 'k1' });
      assert.deepEqual(await store.blobKeys.get(digest, id, 'master'), {
        digest,
        id,
        wrappingKey: 'master',
        wrapped: 'w1',
      });
      assert.equal(await store.blobKeys.get(digest, keyId(), 'master'), undefined);
      assert.deepEqual((await store.blobKeys.list(digest, id)).map((k) => k.wrapped).sort(), ['k1', 'w1']);
      await store.blobKeys.rewrap({ digest, id, wrappingKey: 'master', wrapped: 'w3' });
      assert.equal((await store.blobKeys.get(digest, id, 'master'))!.wrapped, 'w3');
    });

    it('pages the wraps of one wrapping key by digest then data key id', async () => {
      const store = subject();
      const wrapping = `arn:aws:kms:us-east-1:${freshAccount()}:key/${randomUUID()}`;
      const rows = Array.from({ length: 5 }, () => ({
        digest: freshDigest(),
        id: keyId(),
        wrappingKey: wrapping,
        wrapped: 'x',
      }));
      for (const row of rows) await store.blobKeys.put(row);
      rows.sort((a, b) => (a.digest < b.digest ? -1 : 1));
      const first = await store.blobKeys.page(wrapping, undefined, 3);
      const rest = await store.blobKeys.page(wrapping, { digest: first[2]!.digest, id: first[2]!.id }, 3);
      assert.deepEqual(
        [...first, ...rest].map((r) => r.digest),
        rows.map((r) => r.digest),
      );
    });

    it('an upload keeps its wrapped data key, which rotation can replace', async () => {
      const store = subject();
      const repository = await store.repositories.ensure(freshAccount(), 'keys/upload');
      const id = randomUUID();
      const dataKey = { id: keyId(), wrappingKey: 'master', wrapped: 'sealed' };
      await store.uploads.create({ id, repositoryId: repository.id, createdAt: 1, updatedAt: 1, dataKey });
      assert.deepEqual((await store.uploads.get(id))!.dataKey, dataKey);
      await store.uploads.setDataKey(id, { ...dataKey, wrapped: 'resealed' });
      assert.equal((await store.uploads.get(id))!.dataKey!.wrapped, 'resealed');
    });
  });

  describe('key service keys', () => {
    it('creates a key with its first material, updates its state, lists by account', async () => {
      const store = subject();
      const account = freshAccount();
      const key = kmsKey(account);
      await store.kms.createKey(key, { keyId: key.id, version: 1, sealed: 'm1', createdAt: 1 });
      assert.deepEqual(await store.kms.getKey(key.id), key);
      const updated = await store.kms.updateKey(key.id, {
        state: 'PendingDeletion',
        deletionDate: 1_800_000_000_000,
        pendingWindowDays: 7,
        rotationEnabled: true,
        rotationPeriodDays: 90,
      });
      assert.deepEqual(updated, {
        ...key,
        state: 'PendingDeletion',
        deletionDate: 1_800_000_000_000,
        pendingWindowDays: 7,
        rotationEnabled: true,
        rotationPeriodDays: 90,
      });
      assert.deepEqual(
        await store.kms.updateKey(key.id, { deletionDate: null, pendingWindowDays: null, state: 'Disabled' }),
        { ...updated, state: 'Disabled', deletionDate: null, pendingWindowDays: null },
      );
      assert.equal(await store.kms.updateKey(randomUUID(), { state: 'Enabled' }), undefined);
      const other = kmsKey(account);
      await store.kms.createKey(other, { keyId: other.id, version: 1, sealed: 'o1', createdAt: 1 });
      const ids = [key.id, other.id].sort();
      assert.deepEqual(
        (await store.kms.listKeys(account, undefined, 10)).map((k) => k.id),
        ids,
      );
      assert.deepEqual(
        (await store.kms.listKeys(account, ids[0], 10)).map((k) => k.id),
        [ids[1]],
      );
      assert.deepEqual(await store.kms.listKeys(freshAccount(), undefined, 10), []);
    });

    it('deletes keys whose deletion date has come, with their material and aliases; lists only live keys when asked', async () => {
      const store = subject();
      const account = freshAccount();
      const now = 1_750_000_000_000;
      const due = kmsKey(account, { state: 'PendingDeletion', deletionDate: now - 1, pendingWindowDays: 7 });
      const waiting = kmsKey(account, { state: 'PendingDeletion', deletionDate: now + 1, pendingWindowDays: 7 });
      const live = kmsKey(account);
      for (const key of [due, waiting, live])
        await store.kms.createKey(key, { keyId: key.id, version: 1, sealed: 's', createdAt: 1 });
      await store.kms.addMaterial({ keyId: due.id, version: 2, sealed: 's2', createdAt: 2 });
      await store.kms.createAlias({ accountId: account, name: 'alias/due', keyId: due.id, createdAt: 1, updatedAt: 1 });
      await store.kms.createAlias({
        accountId: account,
        name: 'alias/live',
        keyId: live.id,
        createdAt: 1,
        updatedAt: 1,
      });
      assert.deepEqual(
        (await store.kms.listKeys(account, undefined, 10, now)).map((k) => k.id),
        [waiting.id, live.id].sort(),
      );
      assert.equal((await store.kms.listKeys(account, undefined, 10)).length, 3, 'without liveAt, every row');

      assert.ok((await store.kms.deleteDueKeys(now, 100)).includes(due.id));
      assert.equal(await store.kms.getKey(due.id), undefined);
      assert.equal(await store.kms.material(due.id), undefined);
      assert.equal(await store.kms.material(due.id, 1), undefined);
      assert.deepEqual(
        (await store.kms.listAliases(account, undefined, undefined, 10)).map((a) => a.name),
        ['alias/live'],
      );
      assert.deepEqual(
        (await store.kms.listKeys(account, undefined, 10)).map((k) => k.id),
        [waiting.id, live.id].sort(),
      );
      assert.ok(!(await store.kms.deleteDueKeys(now, 100)).includes(waiting.id), 'not before its date');
    });

    it('keeps every version of a key material; the newest by default', async () => {
      const store = subject();
      const key = kmsKey(freshAccount());
      await store.kms.createKey(key, { keyId: key.id, version: 1, sealed: 'v1', createdAt: 1 });
      assert.equal(await store.kms.addMaterial({ keyId: key.id, version: 2, sealed: 'v2', createdAt: 2 }), true);
      assert.equal(await store.kms.addMaterial({ keyId: key.id, version: 2, sealed: 'again', createdAt: 3 }), false);
      assert.equal((await store.kms.material(key.id))!.sealed, 'v2');
      assert.equal((await store.kms.material(key.id, 1))!.sealed, 'v1');
      assert.equal(await store.kms.material(key.id, 3), undefined);
      await store.kms.rewrapMaterial({ keyId: key.id, version: 1, sealed: 'r1', createdAt: 1 });
      assert.equal((await store.kms.material(key.id, 1))!.sealed, 'r1');
      const all = await store.kms.allMaterial({ keyId: key.id, version: 1 }, 1000);
      assert.ok(
        all.some((m) => m.keyId === key.id && m.version === 2) &&
          !all.some((m) => m.keyId === key.id && m.version === 1),
      );
    });

    it('lists enabled keys with rotation on, across accounts', async () => {
      const store = subject();
      const on = kmsKey(freshAccount(), { rotationEnabled: true, rotationPeriodDays: 90 });
      const off = kmsKey(freshAccount());
      const disabled = kmsKey(freshAccount(), { rotationEnabled: true, rotationPeriodDays: 90, state: 'Disabled' });
      for (const key of [on, off, disabled])
        await store.kms.createKey(key, { keyId: key.id, version: 1, sealed: 'm', createdAt: 1 });
      const ids: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.kms.rotatingKeys(after, 50);
        ids.push(...page.map((k) => k.id));
        if (page.length < 50) break;
        after = page[page.length - 1]!.id;
      }
      assert.ok(ids.includes(on.id));
      assert.ok(!ids.includes(off.id) && !ids.includes(disabled.id));
    });

    it('aliases are unique per account and list by name', async () => {
      const store = subject();
      const account = freshAccount();
      const key = kmsKey(account);
      await store.kms.createKey(key, { keyId: key.id, version: 1, sealed: 'm', createdAt: 1 });
      const alias = { accountId: account, name: 'alias/b', keyId: key.id, createdAt: 5, updatedAt: 6 };
      assert.equal(await store.kms.createAlias(alias), true);
      assert.equal(await store.kms.createAlias({ ...alias, keyId: randomUUID() }), false);
      assert.equal(await store.kms.createAlias({ ...alias, name: 'alias/a' }), true);
      assert.deepEqual(await store.kms.getAlias(account, 'alias/b'), alias);
      assert.equal(await store.kms.getAlias(freshAccount(), 'alias/b'), undefined);
      assert.deepEqual(
        (await store.kms.listAliases(account, key.id, undefined, 10)).map((a) => a.name),
        ['alias/a', 'alias/b'],
      );
      assert.deepEqual(
        (await store.kms.listAliases(account, undefined, 'alias/a', 10)).map((a) => a.name),
        ['alias/b'],
      );
    });

    it('settings and access key secrets can be re-sealed in place', async () => {
      const store = subject();
      const name = `resealed_${randomUUID()}`;
      assert.equal(await store.settings.replace(name, 'x'), false);
      await store.settings.setIfAbsent(name, 'old');
      assert.equal(await store.settings.replace(name, 'new'), true);
      assert.equal(await store.settings.get(name), 'new');
    });
  });
  describe('key service grants', () => {
    it("stores grants with their operations and constraints, lists a key's by id and grantee, deletes one", async () => {
      const store = subject();
      const key = kmsKey(freshAccount());
      await store.kms.createKey(key, { keyId: key.id, version: 1, sealed: 'm', createdAt: 1 });
      const constrained = kmsGrant(key.id, {
        name: 'for-app',
        retiringPrincipal: 'arn:aws:iam::111111111111:role/ops',
        constraints: { encryptionContextSubset: { Department: 'IT' } },
      });
      const other = kmsGrant(key.id, { granteePrincipal: 'arn:aws:iam::222222222222:root', operations: ['Encrypt'] });
      for (const grant of [constrained, other]) await store.kms.createGrant(grant);
      assert.deepEqual(await store.kms.getGrant(constrained.id), constrained);
      assert.equal(await store.kms.getGrant(grantId()), undefined);
      const ids = [constrained.id, other.id].sort();
      assert.deepEqual(
        (await store.kms.listGrants(key.id, undefined, undefined, 10)).map((g) => g.id),
        ids,
      );
      assert.deepEqual(
        (await store.kms.listGrants(key.id, undefined, ids[0], 10)).map((g) => g.id),
        [ids[1]],
      );
      assert.deepEqual(
        (await store.kms.listGrants(key.id, other.granteePrincipal, undefined, 10)).map((g) => g.id),
        [other.id],
      );
      assert.deepEqual(
        (await store.kms.grantsFor(key.id, [constrained.granteePrincipal, 'arn:aws:iam::111111111111:root'])).map(
          (g) => g.id,
        ),
        [constrained.id],
      );
      assert.deepEqual(await store.kms.grantsFor(key.id, []), []);
      assert.deepEqual(
        (await store.kms.listRetirableGrants('arn:aws:iam::111111111111:role/ops', undefined, 1000)).filter(
          (g) => g.keyId === key.id,
        ),
        [constrained],
      );
      assert.equal(await store.kms.deleteGrant(constrained.id), true);
      assert.equal(await store.kms.deleteGrant(constrained.id), false);
      assert.deepEqual(
        (await store.kms.listGrants(key.id, undefined, undefined, 10)).map((g) => g.id),
        [other.id],
      );
    });

    it("deletes a key's grants with the key when its deletion date comes", async () => {
      const store = subject();
      const now = 1_750_000_000_000;
      const key = kmsKey(freshAccount(), { state: 'PendingDeletion', deletionDate: now - 1, pendingWindowDays: 7 });
      await store.kms.createKey(key, { keyId: key.id, version: 1, sealed: 'm', createdAt: 1 });
      const grant = kmsGrant(key.id);
      await store.kms.createGrant(grant);
      assert.ok((await store.kms.deleteDueKeys(now, 100)).includes(key.id));
      assert.equal(await store.kms.getGrant(grant.id), undefined);
    });
  });
}
