// The metadata suite's part for the public registry: catalog data, policies, public registries
// with their aliases, search, and the shared rate limit counters. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { freshAccount } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';
import type { RepositoryCatalog } from '../domain/records/public.js';

function freshAlias(): string {
  return `a${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

const CATALOG: RepositoryCatalog = {
  description: 'A tiny HTTP server 100% written in Rust',
  aboutText: '# About\nfast',
  usageText: 'docker run it',
  architectures: ['x86-64', 'ARM 64'],
  operatingSystems: ['Linux'],
  logo: { mediaType: 'image/png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
};

export function describePublicMetadata(subject: () => MetadataStore): void {
  describe('public registry', () => {
    it('keeps catalog data per public repository, replaced whole, gone with the repository', async () => {
      const store = subject();
      const account = freshAccount();
      const repository = await store.repositories.ensure(`public:${account}`, 'web/server');
      assert.equal(await store.publicRegistry.catalog(repository.id), undefined);
      await store.publicRegistry.putCatalog(repository.id, account, CATALOG);
      assert.deepEqual(await store.publicRegistry.catalog(repository.id), CATALOG);
      const replaced: RepositoryCatalog = { ...CATALOG, description: null, logo: null, architectures: [] };
      await store.publicRegistry.putCatalog(repository.id, account, replaced);
      assert.deepEqual(await store.publicRegistry.catalog(repository.id), replaced);
      assert.ok(await store.repositories.delete(repository.id));
      assert.equal(await store.publicRegistry.catalog(repository.id), undefined);
    });

    it('makes a registry once with one default alias, even when asked at once many times', async () => {
      const store = subject();
      const account = freshAccount();
      const names = Array.from({ length: 8 }, freshAlias);
      const made = await Promise.all(names.map((name) => store.publicRegistry.ensureRegistry(account, name, 1000)));
      assert.ok(made.every((r) => r.accountId === account && r.displayName === ''));
      const aliases = await store.publicRegistry.aliases(account);
      assert.equal(aliases.length, 1);
      assert.deepEqual(
        { ...aliases[0], name: '' },
        { name: '', accountId: account, status: 'ACTIVE', primary: true, default: true, createdAt: 1000 },
      );
      assert.ok(names.includes(aliases[0]!.name));
      assert.ok(await store.publicRegistry.setDisplayName(account, 'Example Corp'));
      assert.equal((await store.publicRegistry.registry(account))?.displayName, 'Example Corp');
      assert.equal(await store.publicRegistry.setDisplayName(freshAccount(), 'nobody'), false);
    });

    it('a requested alias is pending until approved (then primary, the default still active) or rejected', async () => {
      const store = subject();
      const account = freshAccount();
      const defaultName = freshAlias();
      await store.publicRegistry.ensureRegistry(account, defaultName, 1);
      const custom = freshAlias();
      assert.ok(await store.publicRegistry.requestAlias(account, custom, 2));
      assert.equal(await store.publicRegistry.requestAlias(freshAccount(), custom, 3), false, 'a taken name');
      assert.equal(
        await store.publicRegistry.requestAlias(freshAccount(), defaultName, 3),
        false,
        'a default alias is taken too',
      );
      assert.equal((await store.publicRegistry.alias(custom))?.status, 'PENDING');
      assert.ok((await store.publicRegistry.allAliases('PENDING')).some((a) => a.name === custom));
      const approved = await store.publicRegistry.decideAlias(custom, true);
      assert.deepEqual(approved, {
        name: custom,
        accountId: account,
        status: 'ACTIVE',
        primary: true,
        default: false,
        createdAt: 2,
      });
      assert.equal(
        await store.publicRegistry.decideAlias(custom, false),
        undefined,
        'only pending aliases are decided',
      );
      assert.deepEqual(
        (await store.publicRegistry.aliases(account)).map((a) => [a.name, a.status, a.primary, a.default]),
        [
          [defaultName, 'ACTIVE', false, true],
          [custom, 'ACTIVE', true, false],
        ],
      );
      const refused = freshAlias();
      await store.publicRegistry.requestAlias(account, refused, 4);
      assert.equal((await store.publicRegistry.decideAlias(refused, false))?.status, 'REJECTED');
      assert.equal((await store.publicRegistry.aliases(account)).find((a) => a.primary)?.name, custom);
    });

    it('search finds public repositories by every term in name, description, architectures and systems, never private ones', async () => {
      const store = subject();
      const account = freshAccount();
      const word = `w${randomUUID().slice(0, 8)}`;
      const web = await store.repositories.ensure(`public:${account}`, `${word}/web`);
      await store.publicRegistry.putCatalog(web.id, account, {
        ...CATALOG,
        description: `Serves 100% static_files for ${word}`,
      });
      const bare = await store.repositories.ensure(`public:${account}`, `${word}/bare`);
      await store.repositories.ensure(account, `${word}/private`);
      const names = async (terms: string[], accountId?: string) =>
        (await store.publicRegistry.search(terms, { limit: 10, ...(accountId && { accountId }) }))
          .map((e) => e.repository.name)
          .sort();
      assert.deepEqual(await names([word]), [`${word}/bare`, `${word}/web`]);
      assert.deepEqual(await names([word, 'STATIC_FILES']), [`${word}/web`]);
      assert.deepEqual(await names([word, 'arm 64', 'linux']), [`${word}/web`]);
      assert.deepEqual(await names([word, '100%']), [`${word}/web`]);
      assert.deepEqual(await names([word, '1_0%']), [], 'wildcards are literal');
      assert.deepEqual(await names([word], freshAccount()), []);
      const [withLogo] = await store.publicRegistry.search([word, 'static_files'], { limit: 10 });
      assert.deepEqual(
        withLogo?.catalog.logo,
        { mediaType: 'image/png', data: Buffer.alloc(0) },
        'a search carries no logo bytes',
      );
      const found = await store.publicRegistry.search([word, 'bare'], { limit: 10, accountId: account });
      assert.equal(found[0]?.repository.id, bare.id);
      assert.deepEqual(found[0]?.catalog.architectures, []);
    });

    it('counts hits per key and window, and forgets old windows', async () => {
      const store = subject();
      const key = `ip:${randomUUID()}`;
      assert.deepEqual(
        await Promise.all([1, 2, 3].map(() => store.rateWindows.hit(key, 60_000))).then((c) => c.sort()),
        [1, 2, 3],
      );
      assert.equal(await store.rateWindows.hit(key, 120_000), 1);
      assert.equal(await store.rateWindows.hit(`${key}-other`, 60_000), 1);
      assert.ok((await store.rateWindows.prune(120_000)) >= 2);
      assert.equal(await store.rateWindows.hit(key, 60_000), 1);
    });
  });
}
