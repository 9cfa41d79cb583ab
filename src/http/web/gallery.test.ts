// The gallery's search, orders and pull commands over its HTTP surface (the JSON search API and
// the HTML pages): a term finds a publisher by the beginning of an alias, by its display name,
// and `alias/name-prefix` finds names; names sort naturally (app-2 before app-10), "recently
// pushed" puts the newest push first; a repository page's pull command names a tag that exists.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MediaTypes } from '../../domain/media-types.js';
import type { Credentials } from '../../testing/aws-signer.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../../testing/public-registry.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

interface Found {
  total: number;
  repositories: { repositoryName: string; alias: string; lastPushedAt?: number }[];
}

describe('gallery search, sorting and pull commands', () => {
  let server: TestBerth;
  let publicUrl: string;
  let other: Credentials;
  let otherAlias: string;

  const search = async (query: string): Promise<Found> => {
    const res = await fetch(`${publicUrl}/api/search?${query}`);
    assert.equal(res.status, 200, `${query}: ${await res.clone().text()}`);
    return (await res.json()) as Found;
  };
  const names = async (query: string) =>
    (await search(query)).repositories.map((r) => `${r.alias}/${r.repositoryName}`);
  const page = async (path: string) => {
    const res = await fetch(`${publicUrl}${path}`);
    assert.equal(res.status, 200, path);
    return res.text();
  };
  const cardNames = (html: string) => [...html.matchAll(/<h3><a href="[^"]*">([^<]*)<\/a><\/h3>/g)].map((m) => m[1]);
  const pullCommand = (html: string) => /<code id="pull-command">([^<]*)<\/code>/.exec(html)?.[1];
  const push = async (credentials: Credentials | undefined, reference: string, tag: string) => {
    const token = await bearerToken(
      publicUrl,
      `repository:${reference}:push,pull`,
      await publicPassword(server.berth.app, credentials),
    );
    const digest = await pushPublicImage(publicUrl, token, reference, tag);
    await new Promise((r) => setTimeout(r, 5)); // pushes a few milliseconds apart: distinct push times
    return { token, digest };
  };
  /** Tags the image `digest` again (the same manifest bytes under another tag). */
  const retag = async (token: string, reference: string, digest: string, tag: string) => {
    const auth = { authorization: `Bearer ${token}` };
    const manifest = Buffer.from(
      await (
        await fetch(`${publicUrl}/v2/${reference}/manifests/${digest}`, {
          headers: { ...auth, accept: MediaTypes.ociManifest },
        })
      ).arrayBuffer(),
    );
    const res = await fetch(`${publicUrl}/v2/${reference}/manifests/${tag}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': MediaTypes.ociManifest },
      body: manifest,
    });
    assert.equal(res.status, 201, `retag ${tag}: ${await res.text()}`);
  };

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' } } });
    publicUrl = server.berth.publicUrl();
    const app = server.berth.app;
    // Publisher one: the administrator's account, with the custom alias acmecorp.
    for (const name of ['app-10', 'app-2', 'app-1']) await publicApi(app, 'CreateRepository', { repositoryName: name });
    await publicApi(app, 'CreateRepository', {
      repositoryName: 'tools/cli',
      catalogData: { description: 'A command line tool' },
    });
    await publicApi(app, 'PutRegistryCatalogData', { displayName: 'Acme Widgets' });
    await publicApi(app, 'RequestRegistryAlias', { aliasName: 'acmecorp' }, { prefix: 'BerthPublicRegistry' });
    await publicApi(app, 'ApproveRegistryAlias', { aliasName: 'acmecorp' }, { prefix: 'BerthPublicRegistry' });
    // Publisher two: another account, known by its default alias only.
    const account = await server.berth.identities.createAccount();
    const key = await server.berth.identities.createAccessKeyFor(account.id);
    other = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    await publicApi(
      app,
      'CreateRepository',
      { repositoryName: 'webapp', catalogData: { description: 'A web application' } },
      { credentials: other },
    );
    await publicApi(app, 'CreateRepository', { repositoryName: 'worker' }, { credentials: other });
    await publicApi(app, 'PutRegistryCatalogData', { displayName: 'Globex Labs' }, { credentials: other });
    otherAlias = (await publicApi(app, 'DescribeRegistries', {}, { credentials: other })).registries[0].aliases[0].name;
    // Pushed in this order: app-10, then app-1, then app-2; tools/cli never.
    for (const name of ['app-10', 'app-1', 'app-2']) await push(undefined, `acmecorp/${name}`, '1.0');
  });
  after(() => server.close());

  it('finds a publisher by the beginning of an alias, by its display name, and names by alias/name-prefix', async () => {
    assert.deepEqual(
      (await names(`q=${otherAlias.slice(0, 4)}`)).sort(),
      [`${otherAlias}/webapp`, `${otherAlias}/worker`],
      'a default alias by its beginning',
    );
    assert.deepEqual(
      (await names(`q=${otherAlias}`)).sort(),
      [`${otherAlias}/webapp`, `${otherAlias}/worker`],
      'a whole alias',
    );
    assert.deepEqual(
      await names('q=acme&sort=name'),
      ['acmecorp/app-1', 'acmecorp/app-2', 'acmecorp/app-10', 'acmecorp/tools/cli'],
      'a custom alias by its beginning',
    );
    assert.deepEqual(
      (await names('q=globex')).sort(),
      [`${otherAlias}/webapp`, `${otherAlias}/worker`],
      'a display name',
    );
    assert.deepEqual(
      (await names('q=Labs')).sort(),
      [`${otherAlias}/webapp`, `${otherAlias}/worker`],
      'any word of it, in any case',
    );
    assert.deepEqual(await names('q=globex+web'), [`${otherAlias}/webapp`], 'with other terms: those hold too');
    assert.deepEqual(
      await names('q=acmecorp/app-1&sort=name'),
      ['acmecorp/app-1', 'acmecorp/app-10'],
      'alias/name-prefix',
    );
    assert.deepEqual(await names('q=acmecorp/tools'), ['acmecorp/tools/cli']);
    assert.deepEqual(await names(`q=${otherAlias}/w&sort=name`), [`${otherAlias}/webapp`, `${otherAlias}/worker`]);
    assert.deepEqual(await names('q=acmecorp/nothing'), []);
    assert.deepEqual(await names('q=acme+globex'), [], 'every term must hold');
    assert.deepEqual(
      await names('q=app-'),
      ['acmecorp/app-1', 'acmecorp/app-2', 'acmecorp/app-10'],
      'a name prefix, ranked, then in natural order',
    );
    // The page finds the same, and ranks the whole segment over a prefix.
    assert.deepEqual(cardNames(await page('/?q=glob')).sort(), [`${otherAlias}/webapp`, `${otherAlias}/worker`]);
    assert.deepEqual(await names(`q=${otherAlias}/work`), [`${otherAlias}/worker`]);
  });

  it('sorts names naturally and offers the most recently pushed first', async () => {
    assert.deepEqual(
      await names('alias=acmecorp'),
      ['acmecorp/app-1', 'acmecorp/app-2', 'acmecorp/app-10', 'acmecorp/tools/cli'],
      'by name without text',
    );
    assert.deepEqual(
      await names('alias=acmecorp&sort=relevance'),
      ['acmecorp/app-1', 'acmecorp/app-2', 'acmecorp/app-10', 'acmecorp/tools/cli'],
      'nothing to be relevant to: by name',
    );
    assert.deepEqual(
      await names('alias=acmecorp&sort=pushed'),
      ['acmecorp/app-2', 'acmecorp/app-1', 'acmecorp/app-10', 'acmecorp/tools/cli'],
      'newest push first, never pushed last',
    );
    const pushed = (await search('alias=acmecorp&sort=pushed')).repositories;
    assert.ok(
      pushed[0]!.lastPushedAt! > pushed[1]!.lastPushedAt! && pushed[1]!.lastPushedAt! > pushed[2]!.lastPushedAt!,
    );
    assert.equal(pushed[3]!.lastPushedAt, undefined);
    assert.deepEqual(cardNames(await page('/publisher/acmecorp')), [
      'acmecorp/app-1',
      'acmecorp/app-2',
      'acmecorp/app-10',
      'acmecorp/tools/cli',
    ]);
    assert.deepEqual(cardNames(await page('/publisher/acmecorp?sort=pushed')), [
      'acmecorp/app-2',
      'acmecorp/app-1',
      'acmecorp/app-10',
      'acmecorp/tools/cli',
    ]);
    assert.deepEqual(cardNames(await page('/?q=app-&sort=pushed')), [
      'acmecorp/app-2',
      'acmecorp/app-1',
      'acmecorp/app-10',
    ]);
    assert.match(await page('/?q=app-&sort=pushed'), /<option value="pushed" selected>Recently pushed<\/option>/);
    assert.match(
      await page('/publisher/acmecorp?sort=pushed'),
      /<strong aria-current="true">Recently pushed<\/strong>/,
    );
    const bad = await fetch(`${publicUrl}/api/search?sort=sideways`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'InvalidParameter');
  });

  it('names in the pull command a tag that exists: latest when there is one, else the most recently pushed', async () => {
    const host = new URL(publicUrl).host;
    assert.equal(
      pullCommand(await page(`/repository/${otherAlias}/webapp`)),
      undefined,
      'no tag, no pull command for a latest that does not exist',
    );
    assert.match(await page(`/repository/${otherAlias}/webapp`), /No tagged image to pull yet/);

    await push(other, `${otherAlias}/webapp`, '1.0');
    await push(other, `${otherAlias}/webapp`, '2.0');
    assert.equal(
      pullCommand(await page(`/repository/${otherAlias}/webapp`)),
      `docker pull ${host}/${otherAlias}/webapp:2.0`,
    );
    await push(other, `${otherAlias}/webapp`, 'latest');
    await push(other, `${otherAlias}/webapp`, '3.0');
    assert.equal(
      pullCommand(await page(`/repository/${otherAlias}/webapp`)),
      `docker pull ${host}/${otherAlias}/webapp:latest`,
    );

    // More tags than the page lists: the newest push is still found, and listed first.
    const { token, digest } = await push(other, `${otherAlias}/worker`, 'a000');
    for (let i = 1; i <= 100; i++) await retag(token, `${otherAlias}/worker`, digest, `a${String(i).padStart(3, '0')}`);
    await push(other, `${otherAlias}/worker`, 'zz-newest');
    const html = await page(`/repository/${otherAlias}/worker`);
    assert.equal(pullCommand(html), `docker pull ${host}/${otherAlias}/worker:zz-newest`);
    const rows = [...html.matchAll(/<tr><td><strong>([^<]*)<\/strong>/g)].map((m) => m[1]);
    assert.equal(rows.length, 100);
    assert.deepEqual(rows.slice(0, 4), ['zz-newest', 'a000', 'a001', 'a002'], 'newest first, then in natural order');
    assert.match(html, /Showing the 100 most recently pushed tags/);
  });
});
