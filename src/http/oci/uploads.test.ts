// /v2/<name>/blobs/uploads/[<id>] through the HTTP surface: monolithic, POST-then-PUT and
// chunked uploads, progress, resuming after a restart, cancelling and digest verification.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { startBerth, tempDir, type TestBerth } from '../../testing/server.js';
import {
  API_VERSION, assertError, assertHeadStatus, digestOf, OCTET_STREAM, pushBlob, randomBlob, startUpload, type Response,
} from '../../testing/registry-client.js';

let server: TestBerth;
let app: FastifyInstance;

before(async () => {
  server = await startBerth({ listen: false });
  app = server.berth.app;
});
after(() => server.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function patch(location: string, data: Buffer, contentRange?: string, target = app): Promise<Response> {
  return target.inject({ method: 'PATCH', url: location, headers: { ...OCTET_STREAM, ...(contentRange && { 'content-range': contentRange }) }, payload: data });
}

function put(location: string, digest: string | undefined, data?: Buffer, target = app): Promise<Response> {
  const url = digest === undefined ? location : `${location}?digest=${digest}`;
  return target.inject({ method: 'PUT', url, headers: OCTET_STREAM, ...(data && { payload: data }) });
}

/** A progress answer (POST 202, PATCH 202, GET 204): Location, Range, Docker-Upload-UUID, no body. */
function assertProgress(res: Response, status: number, location: string, range: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.headers.location, location);
  assert.equal(res.headers.range, range);
  assert.equal(res.headers['docker-upload-uuid'], location.split('/').pop());
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
  assert.equal(res.rawPayload.length, 0);
}

function assertBlobCreated(res: Response, name: string, digest: string): void {
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.headers.location, `/v2/${name}/blobs/${digest}`);
  assert.equal(res.headers['docker-content-digest'], digest);
  assert.equal(res.headers['content-length'], '0');
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
}

async function assertBlob(name: string, data: Buffer, digest = digestOf(data), target = app): Promise<void> {
  const res = await target.inject({ url: `/v2/${name}/blobs/${digest}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['docker-content-digest'], digest);
  assert.ok(res.rawPayload.equals(data), 'blob bytes differ');
}

async function assertNoBlob(name: string, digest: string): Promise<void> {
  const res = await app.inject({ method: 'HEAD', url: `/v2/${name}/blobs/${digest}` });
  assert.equal(res.statusCode, 404);
}

describe('monolithic upload: POST ?digest=', () => {
  test('201 with Location and Docker-Content-Digest; the blob is readable', async () => {
    const data = randomBlob(5000);
    const digest = digestOf(data);
    const res = await app.inject({ method: 'POST', url: `/v2/up/mono/blobs/uploads/?digest=${digest}`, headers: OCTET_STREAM, payload: data });
    assertBlobCreated(res, 'up/mono', digest);
    await assertBlob('up/mono', data);
  });

  test('a digest that does not match the body is DIGEST_INVALID and nothing becomes visible', async () => {
    const data = randomBlob();
    const claimed = digestOf(randomBlob());
    const res = await app.inject({ method: 'POST', url: `/v2/up/mono-bad/blobs/uploads/?digest=${claimed}`, headers: OCTET_STREAM, payload: data });
    assert.deepEqual(assertError(res, 400, 'DIGEST_INVALID').detail, { expected: claimed, actual: digestOf(data) });
    await assertNoBlob('up/mono-bad', claimed);
    await assertNoBlob('up/mono-bad', digestOf(data));
  });

  test('a malformed digest or an unknown algorithm is DIGEST_INVALID', async () => {
    for (const digest of ['sha256:abc', `sha256:${'G'.repeat(64)}`, `md5:${'a'.repeat(32)}`, 'nope']) {
      const res = await app.inject({ method: 'POST', url: `/v2/up/mono-bad/blobs/uploads/?digest=${digest}`, headers: OCTET_STREAM, payload: randomBlob() });
      assertError(res, 400, 'DIGEST_INVALID');
    }
  });

  test('a refused POST into a repository that does not exist does not create it', async () => {
    const catalog = async () => (await app.inject({ url: '/v2/_catalog' })).json() as { repositories: string[] };
    const before = await catalog();
    assertError(await app.inject({ method: 'POST', url: '/v2/up/phantom/blobs/uploads/?digest=sha256:abc', headers: OCTET_STREAM, payload: 'x' }), 400, 'DIGEST_INVALID');
    assertError(await app.inject({ method: 'POST', url: `/v2/up/phantom/blobs/uploads/?digest=md5:${'a'.repeat(32)}`, headers: OCTET_STREAM, payload: 'x' }), 400, 'DIGEST_INVALID');
    assertError(await app.inject({ method: 'POST', url: '/v2/up/phantom/blobs/uploads/?mount=nope&from=up/mono' }), 400, 'DIGEST_INVALID');
    assert.deepEqual(await catalog(), before);
  });

  test('a sha512 digest is verified with sha512', async () => {
    const data = randomBlob(2000);
    const digest = digestOf(data, 'sha512');
    const res = await app.inject({ method: 'POST', url: `/v2/up/mono512/blobs/uploads/?digest=${digest}`, headers: OCTET_STREAM, payload: data });
    assertBlobCreated(res, 'up/mono512', digest);
    await assertBlob('up/mono512', data, digest);
    const wrong = digestOf(randomBlob(), 'sha512');
    const bad = await app.inject({ method: 'POST', url: `/v2/up/mono512/blobs/uploads/?digest=${wrong}`, headers: OCTET_STREAM, payload: data });
    assertError(bad, 400, 'DIGEST_INVALID');
    await assertNoBlob('up/mono512', wrong);
  });
});

describe('POST then PUT', () => {
  test('POST opens a session (202), PUT with the body completes it (201)', async () => {
    const res = await app.inject({ method: 'POST', url: '/v2/up/post-put/blobs/uploads/' });
    assert.equal(res.statusCode, 202);
    const location = res.headers.location as string;
    assert.match(location, /^\/v2\/up\/post-put\/blobs\/uploads\/[0-9a-f-]+$/);
    assert.match(res.headers['docker-upload-uuid'] as string, UUID);
    assertProgress(res, 202, location, '0-0');

    const data = randomBlob(4096);
    assertBlobCreated(await put(location, digestOf(data), data), 'up/post-put', digestOf(data));
    await assertBlob('up/post-put', data);
    // the session is closed
    assertError(await app.inject({ url: location }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await patch(location, randomBlob()), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  test('each POST opens its own session', async () => {
    const first = await startUpload(app, 'up/sessions');
    const second = await startUpload(app, 'up/sessions');
    assert.notEqual(first, second);
  });

  test('PUT with a digest that does not match is DIGEST_INVALID; the blob is not visible and the session is gone', async () => {
    const location = await startUpload(app, 'up/put-bad');
    const data = randomBlob();
    const claimed = digestOf(randomBlob());
    const res = await put(location, claimed, data);
    assert.deepEqual(assertError(res, 400, 'DIGEST_INVALID').detail, { expected: claimed, actual: digestOf(data) });
    await assertNoBlob('up/put-bad', claimed);
    await assertNoBlob('up/put-bad', digestOf(data));
    assertError(await app.inject({ url: location }), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  test('PUT without a digest (or with a malformed one) is DIGEST_INVALID and keeps the session and its bytes', async () => {
    const location = await startUpload(app, 'up/put-nodigest');
    const data = randomBlob(100);
    assertProgress(await patch(location, data.subarray(0, 60), '0-59'), 202, location, '0-59');
    const missing = await put(location, undefined);
    assert.equal(assertError(missing, 400, 'DIGEST_INVALID').message, 'the digest query parameter is required to complete an upload');
    assertError(await put(location, ''), 400, 'DIGEST_INVALID');
    assertError(await put(location, 'sha256:123'), 400, 'DIGEST_INVALID');
    assertError(await put(location, `sha1:${'a'.repeat(40)}`), 400, 'DIGEST_INVALID');
    assertProgress(await app.inject({ url: location }), 204, location, '0-59');
    assertBlobCreated(await put(location, digestOf(data), data.subarray(60)), 'up/put-nodigest', digestOf(data));
    await assertBlob('up/put-nodigest', data);
  });

  test('an empty blob', async () => {
    const location = await startUpload(app, 'up/empty');
    const digest = digestOf(Buffer.alloc(0));
    assertBlobCreated(await put(location, digest), 'up/empty', digest);
    await assertBlob('up/empty', Buffer.alloc(0));
  });

  test('a blob already stored (by another repository) is linked, not stored twice, and stays intact', async () => {
    const data = randomBlob(700);
    await pushBlob(app, 'up/dedupe-a', data);
    const location = await startUpload(app, 'up/dedupe-b');
    assertBlobCreated(await put(location, digestOf(data), data), 'up/dedupe-b', digestOf(data));
    await assertBlob('up/dedupe-a', data);
    await assertBlob('up/dedupe-b', data);
  });
});

describe('chunked upload: PATCH with Content-Range', () => {
  test('chunks in order, progress after each, then PUT without a body', async () => {
    const data = randomBlob(3 * 1024 * 1024 + 5);
    const location = await startUpload(app, 'up/chunked');
    const cuts = [0, 1024 * 1024, 2 * 1024 * 1024 + 7, data.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const [start, end] = [cuts[i]!, cuts[i + 1]! - 1];
      assertProgress(await patch(location, data.subarray(start, end + 1), `${start}-${end}`), 202, location, `0-${end}`);
      assertProgress(await app.inject({ url: location }), 204, location, `0-${end}`);
    }
    assertBlobCreated(await put(location, digestOf(data)), 'up/chunked', digestOf(data));
    await assertBlob('up/chunked', data);
  });

  test('the last chunk in the closing PUT, with its Content-Range', async () => {
    const data = randomBlob(300);
    const location = await startUpload(app, 'up/chunked-put');
    assertProgress(await patch(location, data.subarray(0, 200), '0-199'), 202, location, '0-199');
    const res = await app.inject({ method: 'PUT', url: `${location}?digest=${digestOf(data)}`, headers: { ...OCTET_STREAM, 'content-range': '200-299' }, payload: data.subarray(200) });
    assertBlobCreated(res, 'up/chunked-put', digestOf(data));
    await assertBlob('up/chunked-put', data);
  });

  test('PATCH without Content-Range appends at the end', async () => {
    const data = randomBlob(90);
    const location = await startUpload(app, 'up/append');
    assertProgress(await patch(location, data.subarray(0, 30)), 202, location, '0-29');
    assertProgress(await patch(location, data.subarray(30, 60)), 202, location, '0-59');
    assertProgress(await patch(location, Buffer.alloc(0)), 202, location, '0-59');
    assertProgress(await patch(location, data.subarray(60)), 202, location, '0-89');
    assertBlobCreated(await put(location, digestOf(data)), 'up/append', digestOf(data));
    await assertBlob('up/append', data);
  });

  test('Content-Range with a "bytes " prefix and a total', async () => {
    const data = randomBlob(20);
    const location = await startUpload(app, 'up/range-forms');
    assertProgress(await patch(location, data.subarray(0, 10), 'bytes 0-9/20'), 202, location, '0-9');
    assertProgress(await patch(location, data.subarray(10), 'bytes=10-19/*'), 202, location, '0-19');
    assertBlobCreated(await put(location, digestOf(data)), 'up/range-forms', digestOf(data));
  });

  test('an out-of-order chunk is 416 with the current Range and Location; the upload is unchanged', async () => {
    const data = randomBlob(30);
    const location = await startUpload(app, 'up/out-of-order');
    assertProgress(await patch(location, data.subarray(0, 10), '0-9'), 202, location, '0-9');
    const gap = await patch(location, data.subarray(20, 30), '20-29');
    assertError(gap, 416, 'RANGE_INVALID');
    assert.equal(gap.headers.range, '0-9');
    assert.equal(gap.headers.location, location);
    assertProgress(await app.inject({ url: location }), 204, location, '0-9');
    // the client resumes where the registry says
    assertProgress(await patch(location, data.subarray(10, 30), '10-29'), 202, location, '0-29');
    assertBlobCreated(await put(location, digestOf(data)), 'up/out-of-order', digestOf(data));
    await assertBlob('up/out-of-order', data);
  });

  test('a repeated chunk is 416 with the current Range and Location; the upload is unchanged', async () => {
    const data = randomBlob(20);
    const location = await startUpload(app, 'up/repeated');
    assertProgress(await patch(location, data.subarray(0, 10), '0-9'), 202, location, '0-9');
    const again = await patch(location, data.subarray(0, 10), '0-9');
    assertError(again, 416, 'RANGE_INVALID');
    assert.equal(again.headers.range, '0-9');
    assert.equal(again.headers.location, location);
    const overlap = await patch(location, data.subarray(5, 15), '5-14');
    assertError(overlap, 416, 'RANGE_INVALID');
    assert.equal(overlap.headers.range, '0-9');
    assertProgress(await app.inject({ url: location }), 204, location, '0-9');
    assertBlobCreated(await put(location, digestOf(data), data.subarray(10)), 'up/repeated', digestOf(data));
    await assertBlob('up/repeated', data);
  });

  test('a first chunk that does not start at 0 is 416 with Range 0-0', async () => {
    const location = await startUpload(app, 'up/first-chunk');
    const res = await patch(location, randomBlob(10), '5-14');
    assertError(res, 416, 'RANGE_INVALID');
    assert.equal(res.headers.range, '0-0');
    assert.equal(res.headers.location, location);
  });

  test('an out-of-order final chunk in PUT is 416 and does not complete the upload', async () => {
    const data = randomBlob(20);
    const location = await startUpload(app, 'up/final-out-of-order');
    assertProgress(await patch(location, data.subarray(0, 10), '0-9'), 202, location, '0-9');
    const res = await app.inject({ method: 'PUT', url: `${location}?digest=${digestOf(data)}`, headers: { ...OCTET_STREAM, 'content-range': '12-21' }, payload: data.subarray(10) });
    assertError(res, 416, 'RANGE_INVALID');
    assert.equal(res.headers.range, '0-9');
    assert.equal(res.headers.location, location);
    await assertNoBlob('up/final-out-of-order', digestOf(data));
    assertProgress(await app.inject({ url: location }), 204, location, '0-9');
  });

  test('a malformed Content-Range is 416 RANGE_INVALID and writes nothing', async () => {
    const location = await startUpload(app, 'up/bad-range');
    for (const contentRange of ['abc', '10-5', '-5', '0-', 'bytes=a-b', '0-9, 10-19']) {
      assertError(await patch(location, randomBlob(10), contentRange), 416, 'RANGE_INVALID');
    }
    assertProgress(await app.inject({ url: location }), 204, location, '0-0');
  });

  test('a chunk whose length differs from its Content-Range is SIZE_INVALID and writes nothing', async () => {
    const data = randomBlob(30);
    const location = await startUpload(app, 'up/size-mismatch');
    assertProgress(await patch(location, data.subarray(0, 10), '0-9'), 202, location, '0-9');
    assertError(await patch(location, data.subarray(10, 30), '10-14'), 400, 'SIZE_INVALID');
    assertError(await patch(location, data.subarray(10, 12), '10-29'), 400, 'SIZE_INVALID');
    assertProgress(await app.inject({ url: location }), 204, location, '0-9');
    assertProgress(await patch(location, data.subarray(10, 30), '10-29'), 202, location, '0-29');
    assertBlobCreated(await put(location, digestOf(data)), 'up/size-mismatch', digestOf(data));
    await assertBlob('up/size-mismatch', data);
  });

  test('a chunked sha512 upload', async () => {
    const data = randomBlob(3000);
    const location = await startUpload(app, 'up/chunked512');
    assertProgress(await patch(location, data.subarray(0, 1000), '0-999'), 202, location, '0-999');
    assertProgress(await patch(location, data.subarray(1000), '1000-2999'), 202, location, '0-2999');
    const digest = digestOf(data, 'sha512');
    assertBlobCreated(await put(location, digest), 'up/chunked512', digest);
    await assertBlob('up/chunked512', data, digest);
    await assertNoBlob('up/chunked512', digestOf(data));
  });
});

describe('upload status, cancel and ownership', () => {
  test('GET reports 204 with Range, Location and Docker-Upload-UUID', async () => {
    const location = await startUpload(app, 'up/status');
    assertProgress(await app.inject({ url: location }), 204, location, '0-0');
    assertProgress(await patch(location, randomBlob(1), '0-0'), 202, location, '0-0');
    assertProgress(await patch(location, randomBlob(41), '1-41'), 202, location, '0-41');
    assertProgress(await app.inject({ url: location }), 204, location, '0-41');
  });

  test('DELETE cancels (204); then every upload operation is 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const location = await startUpload(app, 'up/cancel');
    const data = randomBlob(10);
    assertProgress(await patch(location, data, '0-9'), 202, location, '0-9');
    const res = await app.inject({ method: 'DELETE', url: location });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
    assert.equal(res.rawPayload.length, 0);
    assertError(await app.inject({ url: location }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await patch(location, data, '10-19'), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await put(location, digestOf(data)), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await app.inject({ method: 'DELETE', url: location }), 404, 'BLOB_UPLOAD_UNKNOWN');
    await assertNoBlob('up/cancel', digestOf(data));
  });

  test('an upload id of another repository is BLOB_UPLOAD_UNKNOWN there, and the upload is untouched', async () => {
    const location = await startUpload(app, 'up/owner');
    await startUpload(app, 'up/other');
    const id = location.split('/').pop()!;
    const foreign = `/v2/up/other/blobs/uploads/${id}`;
    const data = randomBlob(10);
    assertProgress(await patch(location, data.subarray(0, 5), '0-4'), 202, location, '0-4');
    const status = assertError(await app.inject({ url: foreign }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assert.deepEqual(status.detail, { id });
    assertError(await patch(foreign, data.subarray(5), '5-9'), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await put(foreign, digestOf(data), data.subarray(5)), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await app.inject({ method: 'DELETE', url: foreign }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertProgress(await app.inject({ url: location }), 204, location, '0-4');
    assertBlobCreated(await put(location, digestOf(data), data.subarray(5)), 'up/owner', digestOf(data));
    await assertNoBlob('up/other', digestOf(data));
  });

  test('malformed and unknown upload ids are BLOB_UPLOAD_UNKNOWN', async () => {
    await startUpload(app, 'up/ids');
    // ('..' and '%2e%2e' never reach the server through inject, which normalises the URL: uploads-socket.test.ts sends them.)
    const ids = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', 'ABCDEF01-2345-6789-ABCD-EF0123456789', 'a'.repeat(300), 'x%2Fy', '..a', `${'0'.repeat(8)}-0000-0000-0000-00000000000g`];
    for (const id of ids) {
      const url = `/v2/up/ids/blobs/uploads/${id}`;
      for (const method of ['GET', 'PATCH', 'PUT', 'DELETE'] as const) {
        const res = await app.inject({ method, url: method === 'PUT' ? `${url}?digest=${digestOf('')}` : url, headers: OCTET_STREAM, payload: 'x' });
        assertError(res, 404, 'BLOB_UPLOAD_UNKNOWN');
      }
    }
  });

  test('an upload in an unknown repository is NAME_UNKNOWN, and does not create the repository', async () => {
    const location = await startUpload(app, 'up/real');
    const id = location.split('/').pop()!;
    const url = `/v2/up/ghost/blobs/uploads/${id}`;
    assertError(await app.inject({ url }), 404, 'NAME_UNKNOWN');
    assertError(await patch(url, randomBlob(5), '0-4'), 404, 'NAME_UNKNOWN');
    assertError(await put(url, digestOf('x'), Buffer.from('x')), 404, 'NAME_UNKNOWN');
    assertError(await app.inject({ method: 'DELETE', url }), 404, 'NAME_UNKNOWN');
    const catalog = (await app.inject({ url: '/v2/_catalog' })).json() as { repositories: string[] };
    assert.equal(catalog.repositories.includes('up/ghost'), false);
    assertProgress(await app.inject({ url: location }), 204, location, '0-0');
  });

  test('uploads to invalid repository names are NAME_INVALID', async () => {
    for (const name of ['UP/Upper', 'a', 'up/-dash', 'up/trailing-']) {
      assertError(await app.inject({ method: 'POST', url: `/v2/${name}/blobs/uploads/` }), 400, 'NAME_INVALID');
    }
  });
});

describe('concurrent requests', () => {
  test('two PATCHes of the same chunk at once: one is accepted, the other is 416', async () => {
    const data = randomBlob(64 * 1024);
    const location = await startUpload(app, 'up/race');
    const answers = await Promise.all([patch(location, data, `0-${data.length - 1}`), patch(location, data, `0-${data.length - 1}`)]);
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [202, 416]);
    assertProgress(await app.inject({ url: location }), 204, location, `0-${data.length - 1}`);
    assertBlobCreated(await put(location, digestOf(data)), 'up/race', digestOf(data));
    await assertBlob('up/race', data);
  });

  test('the same blob pushed into several repositories at once', async () => {
    const data = randomBlob(100_000);
    const names = ['up/same-1', 'up/same-2', 'up/same-3'];
    const answers = await Promise.all(names.map((n) => app.inject({ method: 'POST', url: `/v2/${n}/blobs/uploads/?digest=${digestOf(data)}`, headers: OCTET_STREAM, payload: data })));
    for (const [i, res] of answers.entries()) assertBlobCreated(res, names[i]!, digestOf(data));
    for (const n of names) await assertBlob(n, data);
  });
});

describe('resuming after a restart', () => {
  test('an upload continues and completes on a new server over the same data dir', async () => {
    const dataDir = tempDir();
    try {
      const data = randomBlob(2 * 1024 * 1024 + 3);
      let first: TestBerth | undefined = await startBerth({ listen: false, dataDir });
      let location: string;
      try {
        location = await startUpload(first.berth.app, 'up/restart');
        assertProgress(await patch(location, data.subarray(0, 1_000_000), '0-999999', first.berth.app), 202, location, '0-999999');
      } finally {
        await first.close();
        first = undefined;
      }

      const second = await startBerth({ listen: false, dataDir });
      try {
        const again = second.berth.app;
        assertProgress(await again.inject({ url: location }), 204, location, '0-999999');
        const repeated = await patch(location, data.subarray(0, 10), '0-9', again);
        assertError(repeated, 416, 'RANGE_INVALID');
        assert.equal(repeated.headers.range, '0-999999');
        assertProgress(await patch(location, data.subarray(1_000_000, 2_000_000), '1000000-1999999', again), 202, location, '0-1999999');
        assertBlobCreated(await put(location, digestOf(data), data.subarray(2_000_000), again), 'up/restart', digestOf(data));
        await assertBlob('up/restart', data, digestOf(data), again);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a sha512 upload continues after a restart', async () => {
    const dataDir = tempDir();
    try {
      const data = randomBlob(5000);
      const first = await startBerth({ listen: false, dataDir });
      const location = await startUpload(first.berth.app, 'up/restart512');
      assertProgress(await patch(location, data.subarray(0, 2500), '0-2499', first.berth.app), 202, location, '0-2499');
      await first.close();
      const second = await startBerth({ listen: false, dataDir });
      try {
        const digest = digestOf(data, 'sha512');
        assertBlobCreated(await put(location, digest, data.subarray(2500), second.berth.app), 'up/restart512', digest);
        await assertBlob('up/restart512', data, digest, second.berth.app);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('size limit', () => {
  test('a blob over registry.maxBlobBytes is 413 SIZE_INVALID and is not stored', async () => {
    const small = await startBerth({ listen: false, settings: { registry: { maxBlobBytes: 1000 } } });
    try {
      const limited = small.berth.app;
      const data = randomBlob(1001);
      const mono = await limited.inject({ method: 'POST', url: `/v2/up/limit/blobs/uploads/?digest=${digestOf(data)}`, headers: OCTET_STREAM, payload: data });
      assertError(mono, 413, 'SIZE_INVALID');
      assertHeadStatus(await limited.inject({ method: 'HEAD', url: `/v2/up/limit/blobs/${digestOf(data)}` }), 404);

      const location = await startUpload(limited, 'up/limit');
      assertProgress(await patch(location, data.subarray(0, 600), '0-599', limited), 202, location, '0-599');
      assertError(await patch(location, data.subarray(600), '600-1000', limited), 413, 'SIZE_INVALID');
      assertProgress(await limited.inject({ url: location }), 204, location, '0-599');
      const exact = data.subarray(0, 1000);
      assertProgress(await patch(location, exact.subarray(600), '600-999', limited), 202, location, '0-999');
      assertBlobCreated(await put(location, digestOf(exact), undefined, limited), 'up/limit', digestOf(exact));
    } finally {
      await small.close();
    }
  });
});
