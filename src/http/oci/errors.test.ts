// Bad input across the whole /v2 surface: the API version header on every answer, unknown
// routes, wrong methods, invalid names and digests; every refusal is a 4xx in the error
// envelope (never a 5xx) and changes nothing the registry serves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { MediaTypes } from '../../domain/media-types.js';
import { startBerth, type TestBerth } from '../../testing/server.js';
import {
  API_VERSION,
  assertError,
  digestOf,
  OCTET_STREAM,
  pushArtifact,
  pushBlob,
  pushImage,
  randomBlob,
  snapshot,
  startUpload,
  type PushedManifest,
} from '../../testing/registry-client.js';

let server: TestBerth;
let app: FastifyInstance;
const name = 'errors/app';
let image: PushedManifest & { layers: { digest: string }[] };
let upload: string;
const missing = digestOf('missing');

before(async () => {
  server = await startBerth({ listen: false });
  app = server.berth.app;
  image = await pushImage(app, name, 'latest');
  await pushArtifact(app, name, 'sig', 'application/vnd.example.sig', {
    subject: { mediaType: image.mediaType, digest: image.digest, size: image.size },
  });
  upload = await startUpload(app, name);
});
after(() => server.close());

describe('the API version header', () => {
  test('is on every /v2 answer, successes and errors alike', async () => {
    const requests: InjectOptions[] = [
      { url: '/v2/' },
      { url: '/v2/_catalog' },
      { url: `/v2/${name}/tags/list` },
      { url: `/v2/${name}/manifests/latest` },
      { method: 'HEAD', url: `/v2/${name}/manifests/latest` },
      { url: `/v2/${name}/blobs/${image.layers[0]!.digest}` },
      { url: `/v2/${name}/referrers/${image.digest}` },
      { url: upload },
      { url: `/v2/${name}/manifests/nope` },
      { url: `/v2/${name}/blobs/${missing}` },
      { url: '/v2/errors/nowhere/tags/list' },
      { url: '/v2/NOPE/tags/list' },
      { method: 'POST', url: '/v2/_catalog' },
      { url: '/v2/no/such/endpoint' },
      { url: '/elsewhere' },
      { method: 'PATCH', url: `/v2/${name}/blobs/uploads/00000000-0000-0000-0000-000000000000`, payload: 'x' },
    ];
    for (const options of requests) {
      const res = await app.inject(options);
      assert.equal(
        res.headers['docker-distribution-api-version'],
        API_VERSION,
        `${options.method ?? 'GET'} ${options.url} (${res.statusCode})`,
      );
    }
  });
});

describe('unknown routes', () => {
  test('are 404 in the error envelope', async () => {
    for (const url of [
      '/v2/foo',
      `/v2/${name}/unknown/thing`,
      `/v2/${name}/blobs`,
      `/v2/${name}/manifests/`,
      `/v2/${name}/tags/list/extra`,
      `/v2/${name}/tags`,
      '/v2/_catalog/x',
      '/elsewhere',
      '/',
    ]) {
      const entry = assertError(await app.inject({ url }), 404, 'UNSUPPORTED');
      assert.match(entry.message, /no such endpoint/);
    }
  });
});

describe('wrong methods', () => {
  test('are 405 UNSUPPORTED with the Allow header of the endpoint', async () => {
    const cases: [InjectOptions['method'], string, string][] = [
      ['POST', '/v2/', 'GET, HEAD'],
      ['DELETE', '/v2/_catalog', 'GET'],
      ['PUT', `/v2/${name}/tags/list`, 'GET'],
      ['POST', `/v2/${name}/manifests/latest`, 'GET, HEAD, PUT, DELETE'],
      ['PATCH', `/v2/${name}/manifests/latest`, 'GET, HEAD, PUT, DELETE'],
      ['PUT', `/v2/${name}/blobs/${missing}`, 'GET, HEAD, DELETE'],
      ['POST', `/v2/${name}/blobs/${missing}`, 'GET, HEAD, DELETE'],
      ['GET', `/v2/${name}/blobs/uploads/`, 'POST'],
      ['DELETE', `/v2/${name}/blobs/uploads/`, 'POST'],
      ['POST', upload, 'GET, PATCH, PUT, DELETE'],
      ['HEAD', upload, 'GET, PATCH, PUT, DELETE'],
      ['DELETE', `/v2/${name}/referrers/${image.digest}`, 'GET'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await app.inject({ method, url });
      assert.equal(res.statusCode, 405, `${method} ${url}: ${res.statusCode}`);
      assert.equal(res.headers.allow, allow, `${method} ${url}`);
      assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
      if (method !== 'HEAD') assertError(res, 405, 'UNSUPPORTED');
    }
  });
});

describe('invalid repository names', () => {
  const invalid = [
    'AB',
    'Errors/App',
    'a',
    'x'.repeat(257),
    '-ab',
    'ab-',
    'ab/-cd',
    'ab___cd',
    'ab/',
    'ab//cd',
    '%2e%2e',
    'ab%00cd',
    'ab cd',
    'äb',
    'ab:cd',
  ];

  test('are 400 NAME_INVALID on every endpoint', async () => {
    for (const bad of invalid) {
      const requests: InjectOptions[] = [
        { url: `/v2/${bad}/tags/list` },
        { url: `/v2/${bad}/manifests/latest` },
        {
          method: 'PUT',
          url: `/v2/${bad}/manifests/latest`,
          headers: { 'content-type': image.mediaType },
          payload: image.bytes,
        },
        { method: 'DELETE', url: `/v2/${bad}/manifests/latest` },
        { url: `/v2/${bad}/blobs/${missing}` },
        { method: 'DELETE', url: `/v2/${bad}/blobs/${missing}` },
        { method: 'POST', url: `/v2/${bad}/blobs/uploads/` },
        { method: 'POST', url: `/v2/${bad}/blobs/uploads/?mount=${image.layers[0]!.digest}&from=${name}` },
        { url: `/v2/${bad}/blobs/uploads/00000000-0000-0000-0000-000000000000` },
        { url: `/v2/${bad}/referrers/${image.digest}` },
      ];
      for (const options of requests) {
        const res = await app.inject(options);
        if (bad === '%2e%2e' && res.statusCode === 404) continue; // inject resolves /v2/../ away before the server sees it (socket.test.ts sends it raw)
        assertError(res, 400, 'NAME_INVALID');
      }
    }
  });

  test('names at the limits are accepted', async () => {
    for (const good of ['ab', 'x'.repeat(256), 'a__b', 'a-----b', 'a.b_c-d/e/f', '0/1/2']) {
      await pushBlob(app, good, randomBlob());
    }
  });
});

describe('digests and references', () => {
  test('unknown algorithms are 400 DIGEST_INVALID saying so', async () => {
    for (const url of [`/v2/${name}/blobs/sha384:${'a'.repeat(96)}`, `/v2/${name}/referrers/sha1:${'a'.repeat(40)}`]) {
      const entry = assertError(await app.inject({ url }), 400, 'DIGEST_INVALID');
      assert.match(entry.message, /unsupported digest algorithm/);
    }
  });

  test('a reference with a colon is a digest; an invalid one is DIGEST_INVALID on PUT and DELETE', async () => {
    for (const reference of [
      'sha256:short',
      'latest:1',
      `sha256:${'a'.repeat(64)}:x`,
      'x'.repeat(201),
      '-dash',
      `sha384:${'a'.repeat(96)}`,
    ]) {
      const code = reference.includes(':') ? 'DIGEST_INVALID' : 'TAG_INVALID';
      assertError(await app.inject({ method: 'DELETE', url: `/v2/${name}/manifests/${reference}` }), 400, code);
      const put = {
        method: 'PUT' as const,
        url: `/v2/${name}/manifests/${reference}`,
        headers: { 'content-type': image.mediaType },
        payload: image.bytes,
      };
      assertError(await app.inject(put), 400, code);
    }
  });

  test('a pull by a reference that is neither a tag nor a digest is 404 MANIFEST_UNKNOWN, as end-3 says', async () => {
    for (const reference of [
      'sha256:short',
      'latest:1',
      `sha256:${'a'.repeat(64)}:x`,
      'x'.repeat(201),
      '-dash',
      '.dot',
      `sha384:${'a'.repeat(96)}`,
    ]) {
      const entry = assertError(
        await app.inject({ url: `/v2/${name}/manifests/${reference}` }),
        404,
        'MANIFEST_UNKNOWN',
      );
      assert.deepEqual(entry.detail, { reference });
      const head = await app.inject({ method: 'HEAD', url: `/v2/${name}/manifests/${reference}` });
      assert.equal(head.statusCode, 404, reference);
      assert.equal(head.body, '');
    }
    // the repository is looked up first: an unknown one is still NAME_UNKNOWN
    assertError(await app.inject({ url: `/v2/errors/nowhere/manifests/-dash` }), 404, 'NAME_UNKNOWN');
  });

  test('a very long path is NAME_INVALID in the envelope', async () => {
    assertError(await app.inject({ url: `/v2/${'a'.repeat(5000)}/tags/list` }), 400, 'NAME_INVALID');
    assertError(await app.inject({ url: `/v2/${name}/blobs/sha256:${'a'.repeat(5000)}` }), 400, 'DIGEST_INVALID');
  });
});

describe('rejected requests', () => {
  test('are always 4xx in the envelope and change nothing the registry serves', async () => {
    const watched = [name, 'errors/other'];
    const digests = [image.digest, image.layers[0]!.digest, missing];
    const before = await snapshot(app, watched, digests);
    const uploadStatus = (await app.inject({ url: upload })).headers.range;

    const requests: InjectOptions[] = [
      // manifests
      {
        method: 'PUT',
        url: `/v2/${name}/manifests/latest`,
        headers: { 'content-type': MediaTypes.ociManifest },
        payload: '{',
      },
      {
        method: 'PUT',
        url: `/v2/${name}/manifests/latest`,
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      },
      {
        method: 'PUT',
        url: `/v2/${name}/manifests/latest`,
        headers: { 'content-type': MediaTypes.ociManifest },
        payload: JSON.stringify({
          schemaVersion: 2,
          config: { mediaType: MediaTypes.ociConfig, digest: missing, size: 1 },
          layers: [],
        }),
      },
      {
        method: 'PUT',
        url: `/v2/${name}/manifests/${missing}`,
        headers: { 'content-type': image.mediaType },
        payload: image.bytes,
      },
      {
        method: 'PUT',
        url: `/v2/${name}/manifests/latest?tag=`,
        headers: { 'content-type': image.mediaType },
        payload: image.bytes,
      },
      {
        method: 'PUT',
        url: `/v2/${name}/manifests/latest`,
        headers: { 'content-type': MediaTypes.ociManifest },
        payload: Buffer.alloc(5 * 1024 * 1024, 0x7b),
      },
      {
        method: 'PUT',
        url: `/v2/${name}/manifests/latest`,
        headers: { 'content-type': MediaTypes.ociIndex },
        payload: JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaTypes.ociIndex,
          manifests: [{ mediaType: MediaTypes.ociManifest, digest: missing, size: 10 }],
        }),
      },
      { method: 'DELETE', url: `/v2/${name}/manifests/nope` },
      { method: 'DELETE', url: `/v2/${name}/manifests/${missing}` },
      { method: 'DELETE', url: `/v2/${name}/manifests/-bad` },
      { url: `/v2/${name}/manifests/${'t'.repeat(129)}` },
      // blobs and uploads
      { method: 'DELETE', url: `/v2/${name}/blobs/${missing}` },
      { url: `/v2/${name}/blobs/${image.layers[0]!.digest}`, headers: { range: 'bytes=999999-' } },
      { url: `/v2/${name}/blobs/${image.layers[0]!.digest}`, headers: { range: `bytes=${'9'.repeat(30)}-` } },
      { method: 'POST', url: `/v2/${name}/blobs/uploads/?digest=`, headers: OCTET_STREAM, payload: 'x' },
      {
        method: 'POST',
        url: `/v2/${name}/blobs/uploads/?digest=${missing}`,
        headers: OCTET_STREAM,
        payload: 'not the content',
      },
      { method: 'POST', url: `/v2/${name}/blobs/uploads/?mount=`, headers: OCTET_STREAM },
      { method: 'PATCH', url: upload, headers: { ...OCTET_STREAM, 'content-range': '5-9' }, payload: 'abcde' },
      { method: 'PATCH', url: upload, headers: { ...OCTET_STREAM, 'content-range': '0-99' }, payload: 'abcde' },
      {
        method: 'PATCH',
        url: upload,
        headers: { ...OCTET_STREAM, 'content-range': `0-${'9'.repeat(20)}` },
        payload: 'abcde',
      },
      { method: 'PUT', url: upload, headers: OCTET_STREAM, payload: 'abcde' },
      { method: 'PUT', url: `${upload}?digest=sha256:nope`, headers: OCTET_STREAM, payload: 'abcde' },
      {
        method: 'PATCH',
        url: `/v2/errors/other/blobs/uploads/${upload.split('/').pop()}`,
        headers: OCTET_STREAM,
        payload: 'abcde',
      },
      // listings
      { url: `/v2/${name}/tags/list?n=-1` },
      { url: `/v2/${name}/tags/list?n=${'9'.repeat(12)}` },
      { url: '/v2/_catalog?n=abc' },
      { url: `/v2/${name}/referrers/sha256:nope` },
      { url: `/v2/${name}/referrers/${image.digest}?artifactType=%%%` },
      // the wrong face entirely
      { method: 'OPTIONS', url: `/v2/${name}/manifests/latest` },
      { method: 'PUT', url: `/v2/${name}/tags/list`, payload: 'x' },
    ];
    for (const options of requests) {
      const res = await app.inject(options);
      const what = `${options.method ?? 'GET'} ${options.url}`;
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${what}: ${res.statusCode} ${res.body}`);
      assert.equal(res.headers['docker-distribution-api-version'], API_VERSION, what);
      const body = res.json() as { errors: { code: string; message: string }[] };
      assert.deepEqual(Object.keys(body), ['errors'], what);
      assert.equal(body.errors.length, 1, what);
      assert.match(body.errors[0]!.code, /^[A-Z_]+$/, what);
      assert.equal(typeof body.errors[0]!.message, 'string', what);
    }

    assert.deepEqual(await snapshot(app, watched, digests), before);
    assert.equal((await app.inject({ url: upload })).headers.range, uploadStatus);
  });
});
