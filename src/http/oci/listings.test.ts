// GET /v2/, /v2/<name>/tags/list and /v2/_catalog through the HTTP surface: sorting, n/last
// pagination with Link headers, and their errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { startBerth, type TestBerth } from '../../testing/server.js';
import {
  API_VERSION,
  assertError,
  pushBlob,
  pushImage,
  pushManifest,
  randomBlob,
  type Response,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const berth = useInjectedBerth();

/** Follows Link headers from `url`; returns every page's items and the Links seen. */
async function allPages(url: string, key: 'tags' | 'repositories'): Promise<{ pages: string[][]; links: string[] }> {
  const pages: string[][] = [];
  const links: string[] = [];
  let next: string | undefined = url;
  while (next) {
    const res: Response = await berth.app.inject({ url: next });
    assert.equal(res.statusCode, 200, res.body);
    pages.push((res.json() as Record<string, string[]>)[key]!);
    const link = res.headers.link as string | undefined;
    if (!link) break;
    links.push(link);
    const match = /^<([^>]+)>; rel="next"$/.exec(link);
    assert.ok(match, `malformed Link: ${link}`);
    next = match[1];
    assert.ok(pages.length < 50, 'pagination does not end');
  }
  return { pages, links };
}

describe('GET /v2/', () => {
  test('200 with an empty JSON object and the API version header', async () => {
    for (const url of ['/v2/', '/v2']) {
      const res = await berth.app.inject({ url });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
      assert.match(res.headers['content-type'] as string, /^application\/json/);
      assert.equal(res.body, '{}');
    }
  });

  test('HEAD /v2/ is 200 without a body', async () => {
    const res = await berth.app.inject({ method: 'HEAD', url: '/v2/' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
    assert.equal(res.rawPayload.length, 0);
  });
});

describe('tags list', () => {
  const name = 'list/tags';
  // ASCII order: digits < uppercase < "_" < lowercase, and "-" < "." < "_" inside a tag.
  const sorted = ['1', 'B', '_x', 'a', 'a-1', 'a.1', 'a_1', 'b'];

  before(async () => {
    const image = await pushImage(berth.app, name);
    for (const tag of ['b', 'a_1', 'B', 'a', '_x', 'a.1', '1', 'a-1'])
      await pushManifest(berth.app, name, tag, image.bytes, image.mediaType);
  });

  test('every tag, in ASCII order', async () => {
    const res = await berth.app.inject({ url: `/v2/${name}/tags/list` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    assert.equal(res.headers.link, undefined);
    assert.deepEqual(res.json(), { name, tags: sorted });
  });

  test('n pages with a Link to the next page; the last full page has no Link', async () => {
    const first = await berth.app.inject({ url: `/v2/${name}/tags/list?n=3` });
    assert.deepEqual(first.json(), { name, tags: ['1', 'B', '_x'] });
    assert.equal(first.headers.link, `</v2/${name}/tags/list?n=3&last=_x>; rel="next"`);
    const { pages, links } = await allPages(`/v2/${name}/tags/list?n=3`, 'tags');
    assert.deepEqual(pages, [
      ['1', 'B', '_x'],
      ['a', 'a-1', 'a.1'],
      ['a_1', 'b'],
    ]);
    assert.equal(links.length, 2);
    const even = await allPages(`/v2/${name}/tags/list?n=4`, 'tags');
    assert.deepEqual(even.pages, [sorted.slice(0, 4), sorted.slice(4)]);
    assert.equal(even.links.length, 1);
  });

  test('last without n lists every tag after it', async () => {
    const res = await berth.app.inject({ url: `/v2/${name}/tags/list?last=a.1` });
    assert.deepEqual(res.json(), { name, tags: ['a_1', 'b'] });
    assert.equal(res.headers.link, undefined);
  });

  test('last need not be an existing tag; after the final tag the list is empty', async () => {
    assert.deepEqual((await berth.app.inject({ url: `/v2/${name}/tags/list?n=2&last=Z` })).json(), {
      name,
      tags: ['_x', 'a'],
    });
    const end = await berth.app.inject({ url: `/v2/${name}/tags/list?last=b` });
    assert.deepEqual(end.json(), { name, tags: [] });
    assert.equal(end.headers.link, undefined);
  });

  test('n larger than the list returns all of it without a Link', async () => {
    const res = await berth.app.inject({ url: `/v2/${name}/tags/list?n=1000` });
    assert.deepEqual(res.json(), { name, tags: sorted });
    assert.equal(res.headers.link, undefined);
  });

  test('n=0 is an empty list without a Link', async () => {
    const res = await berth.app.inject({ url: `/v2/${name}/tags/list?n=0` });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { name, tags: [] });
    assert.equal(res.headers.link, undefined);
  });

  test('an invalid n is 400 PAGINATION_NUMBER_INVALID', async () => {
    for (const n of ['abc', '-1', '1.5', '1e3', '0x10', ' 1']) {
      const entry = assertError(
        await berth.app.inject({ url: `/v2/${name}/tags/list?n=${encodeURIComponent(n)}` }),
        400,
        'PAGINATION_NUMBER_INVALID',
      );
      assert.deepEqual(entry.detail, { n });
    }
  });

  test('a repository without tags has an empty list', async () => {
    await pushBlob(berth.app, 'list/untagged', randomBlob());
    assert.deepEqual((await berth.app.inject({ url: '/v2/list/untagged/tags/list' })).json(), {
      name: 'list/untagged',
      tags: [],
    });
  });

  test('an unknown repository is 404 NAME_UNKNOWN', async () => {
    const entry = assertError(await berth.app.inject({ url: '/v2/list/nowhere/tags/list' }), 404, 'NAME_UNKNOWN');
    assert.deepEqual(entry.detail, { name: 'list/nowhere' });
  });

  test('a deleted tag leaves the list', async () => {
    const image = await pushImage(berth.app, 'list/deleted', 'keep');
    await pushManifest(berth.app, 'list/deleted', 'drop', image.bytes, image.mediaType);
    assert.equal(
      (await berth.app.inject({ method: 'DELETE', url: '/v2/list/deleted/manifests/drop' })).statusCode,
      202,
    );
    assert.deepEqual((await berth.app.inject({ url: '/v2/list/deleted/tags/list' })).json(), {
      name: 'list/deleted',
      tags: ['keep'],
    });
  });
});

describe('catalog', () => {
  // Its own registry, so the catalog holds exactly these.
  let catalogServer: TestBerth;
  let registry: FastifyInstance;
  const names = ['bb', 'aa/zz', 'aa', 'aa-b', 'aa.b', 'aa_b', 'aa/bb', 'ab', '00'];
  const sorted = ['00', 'aa', 'aa-b', 'aa.b', 'aa/bb', 'aa/zz', 'aa_b', 'ab', 'bb'];

  before(async () => {
    catalogServer = await startBerth({ listen: false });
    registry = catalogServer.berth.app;
    for (const name of names) await pushBlob(registry, name, randomBlob());
  });
  after(() => catalogServer.close());

  async function get(url: string): Promise<Response> {
    const res = await registry.inject({ url });
    assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
    return res;
  }

  test('an empty registry has an empty catalog', async () => {
    const fresh = await startBerth({ listen: false });
    try {
      const empty = await fresh.berth.app.inject({ url: '/v2/_catalog' });
      assert.equal(empty.statusCode, 200);
      assert.deepEqual(empty.json(), { repositories: [] });
    } finally {
      await fresh.close();
    }
  });

  test('every repository, in ASCII order', async () => {
    const res = await get('/v2/_catalog');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { repositories: sorted });
    assert.equal(res.headers.link, undefined);
  });

  test('n pages with a Link whose last is encoded', async () => {
    const first = await get('/v2/_catalog?n=5');
    assert.deepEqual(first.json(), { repositories: sorted.slice(0, 5) });
    assert.equal(first.headers.link, '</v2/_catalog?n=5&last=aa%2Fbb>; rel="next"');
    const second = await get('/v2/_catalog?n=5&last=aa%2Fbb');
    assert.deepEqual(second.json(), { repositories: sorted.slice(5) });
    assert.equal(second.headers.link, undefined);
  });

  test('following Links visits every repository once', async () => {
    const pages: string[][] = [];
    let next: string | undefined = '/v2/_catalog?n=2';
    while (next) {
      const res = await get(next);
      pages.push((res.json() as { repositories: string[] }).repositories);
      next = /^<([^>]+)>; rel="next"$/.exec((res.headers.link as string | undefined) ?? '')?.[1];
    }
    assert.deepEqual(pages.flat(), sorted);
    assert.deepEqual(
      pages.map((p) => p.length),
      [2, 2, 2, 2, 1],
    );
  });

  test('last without n', async () => {
    assert.deepEqual((await get('/v2/_catalog?last=aa_b')).json(), { repositories: ['ab', 'bb'] });
  });

  test('n=0 is an empty list without a Link', async () => {
    const res = await get('/v2/_catalog?n=0');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { repositories: [] });
    assert.equal(res.headers.link, undefined);
  });

  test('an invalid n is 400 PAGINATION_NUMBER_INVALID', async () => {
    for (const n of ['x', '-5', '2.0']) {
      assertError(await get(`/v2/_catalog?n=${n}`), 400, 'PAGINATION_NUMBER_INVALID');
    }
  });
});
