// /v2/<name>/blobs/uploads/[<id>] through the HTTP surface: monolithic and POST-then-PUT uploads
// with digest verification. Chunks: upload-chunks.test.ts; status, cancel, ownership, resuming
// after a restart and the size limit: upload-sessions.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertError,
  digestOf,
  OCTET_STREAM,
  pushBlob,
  randomBlob,
  startUpload,
} from '../../testing/registry-client.js';
import {
  assertBlob,
  assertBlobCreated,
  assertNoBlob,
  assertProgress,
  patchUpload,
  putUpload,
} from '../../testing/upload-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const berth = useInjectedBerth();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('monolithic upload: POST ?digest=', () => {
  test('201 with Location and Docker-Content-Digest; the blob is readable', async () => {
    const data = randomBlob(5000);
    const digest = digestOf(data);
    const res = await berth.app.inject({
      method: 'POST',
      url: `/v2/up/mono/blobs/uploads/?digest=${digest}`,
      headers: OCTET_STREAM,
      payload: data,
    });
    assertBlobCreated(res, 'up/mono', digest);
    await assertBlob(berth.app, 'up/mono', data);
  });

  test('a digest that does not match the body is DIGEST_INVALID and nothing becomes visible', async () => {
    const data = randomBlob();
    const claimed = digestOf(randomBlob());
    const res = await berth.app.inject({
      method: 'POST',
      url: `/v2/up/mono-bad/blobs/uploads/?digest=${claimed}`,
      headers: OCTET_STREAM,
      payload: data,
    });
    assert.deepEqual(assertError(res, 400, 'DIGEST_INVALID').detail, { expected: claimed, actual: digestOf(data) });
    await assertNoBlob(berth.app, 'up/mono-bad', claimed);
    await assertNoBlob(berth.app, 'up/mono-bad', digestOf(data));
  });

  test('a malformed digest or an unknown algorithm is DIGEST_INVALID', async () => {
    for (const digest of ['sha256:abc', `sha256:${'G'.repeat(64)}`, `md5:${'a'.repeat(32)}`, 'nope']) {
      const res = await berth.app.inject({
        method: 'POST',
        url: `/v2/up/mono-bad/blobs/uploads/?digest=${digest}`,
        headers: OCTET_STREAM,
        payload: randomBlob(),
      });
      assertError(res, 400, 'DIGEST_INVALID');
    }
  });

  test('a refused POST into a repository that does not exist does not create it', async () => {
    const catalog = async () => (await berth.app.inject({ url: '/v2/_catalog' })).json() as { repositories: string[] };
    const before = await catalog();
    assertError(
      await berth.app.inject({
        method: 'POST',
        url: '/v2/up/phantom/blobs/uploads/?digest=sha256:abc',
        headers: OCTET_STREAM,
        payload: 'x',
      }),
      400,
      'DIGEST_INVALID',
    );
    assertError(
      await berth.app.inject({
        method: 'POST',
        url: `/v2/up/phantom/blobs/uploads/?digest=md5:${'a'.repeat(32)}`,
        headers: OCTET_STREAM,
        payload: 'x',
      }),
      400,
      'DIGEST_INVALID',
    );
    assertError(
      await berth.app.inject({ method: 'POST', url: '/v2/up/phantom/blobs/uploads/?mount=nope&from=up/mono' }),
      400,
      'DIGEST_INVALID',
    );
    assert.deepEqual(await catalog(), before);
  });

  test('a sha512 digest is verified with sha512', async () => {
    const data = randomBlob(2000);
    const digest = digestOf(data, 'sha512');
    const res = await berth.app.inject({
      method: 'POST',
      url: `/v2/up/mono512/blobs/uploads/?digest=${digest}`,
      headers: OCTET_STREAM,
      payload: data,
    });
    assertBlobCreated(res, 'up/mono512', digest);
    await assertBlob(berth.app, 'up/mono512', data, digest);
    const wrong = digestOf(randomBlob(), 'sha512');
    const bad = await berth.app.inject({
      method: 'POST',
      url: `/v2/up/mono512/blobs/uploads/?digest=${wrong}`,
      headers: OCTET_STREAM,
      payload: data,
    });
    assertError(bad, 400, 'DIGEST_INVALID');
    await assertNoBlob(berth.app, 'up/mono512', wrong);
  });
});

describe('POST then PUT', () => {
  test('POST opens a session (202), PUT with the body completes it (201)', async () => {
    const res = await berth.app.inject({ method: 'POST', url: '/v2/up/post-put/blobs/uploads/' });
    assert.equal(res.statusCode, 202);
    const location = res.headers.location as string;
    assert.match(location, /^\/v2\/up\/post-put\/blobs\/uploads\/[0-9a-f-]+$/);
    assert.match(res.headers['docker-upload-uuid'] as string, UUID);
    assertProgress(res, 202, location, '0-0');

    const data = randomBlob(4096);
    assertBlobCreated(await putUpload(berth.app, location, digestOf(data), data), 'up/post-put', digestOf(data));
    await assertBlob(berth.app, 'up/post-put', data);
    // the session is closed
    assertError(await berth.app.inject({ url: location }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await patchUpload(berth.app, location, randomBlob()), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  test('each POST opens its own session', async () => {
    const first = await startUpload(berth.app, 'up/sessions');
    const second = await startUpload(berth.app, 'up/sessions');
    assert.notEqual(first, second);
  });

  test('PUT with a digest that does not match is DIGEST_INVALID; the blob is not visible and the session is gone', async () => {
    const location = await startUpload(berth.app, 'up/put-bad');
    const data = randomBlob();
    const claimed = digestOf(randomBlob());
    const res = await putUpload(berth.app, location, claimed, data);
    assert.deepEqual(assertError(res, 400, 'DIGEST_INVALID').detail, { expected: claimed, actual: digestOf(data) });
    await assertNoBlob(berth.app, 'up/put-bad', claimed);
    await assertNoBlob(berth.app, 'up/put-bad', digestOf(data));
    assertError(await berth.app.inject({ url: location }), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  test('PUT without a digest (or with a malformed one) is DIGEST_INVALID and keeps the session and its bytes', async () => {
    const location = await startUpload(berth.app, 'up/put-nodigest');
    const data = randomBlob(100);
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 60), '0-59'), 202, location, '0-59');
    const missing = await putUpload(berth.app, location, undefined);
    assert.equal(
      assertError(missing, 400, 'DIGEST_INVALID').message,
      'the digest query parameter is required to complete an upload',
    );
    assertError(await putUpload(berth.app, location, ''), 400, 'DIGEST_INVALID');
    assertError(await putUpload(berth.app, location, 'sha256:123'), 400, 'DIGEST_INVALID');
    assertError(await putUpload(berth.app, location, `sha1:${'a'.repeat(40)}`), 400, 'DIGEST_INVALID');
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-59');
    assertBlobCreated(
      await putUpload(berth.app, location, digestOf(data), data.subarray(60)),
      'up/put-nodigest',
      digestOf(data),
    );
    await assertBlob(berth.app, 'up/put-nodigest', data);
  });

  test('an empty blob', async () => {
    const location = await startUpload(berth.app, 'up/empty');
    const digest = digestOf(Buffer.alloc(0));
    assertBlobCreated(await putUpload(berth.app, location, digest), 'up/empty', digest);
    await assertBlob(berth.app, 'up/empty', Buffer.alloc(0));
  });

  test('a blob already stored (by another repository) is linked, not stored twice, and stays intact', async () => {
    const data = randomBlob(700);
    await pushBlob(berth.app, 'up/dedupe-a', data);
    const location = await startUpload(berth.app, 'up/dedupe-b');
    assertBlobCreated(await putUpload(berth.app, location, digestOf(data), data), 'up/dedupe-b', digestOf(data));
    await assertBlob(berth.app, 'up/dedupe-a', data);
    await assertBlob(berth.app, 'up/dedupe-b', data);
  });
});
