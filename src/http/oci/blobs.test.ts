// /v2/<name>/blobs/<digest> through the HTTP surface: HEAD, GET, Range, DELETE, and the rule
// that a repository reads only the blobs linked to it.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  API_VERSION,
  assertError,
  assertHeadStatus,
  digestOf,
  pushBlob,
  randomBlob,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const berth = useInjectedBerth();

const blobUrl = (name: string, digest: string) => `/v2/${name}/blobs/${digest}`;

describe('HEAD and GET a blob', () => {
  test('HEAD answers the size, digest and range support without a body', async () => {
    const data = randomBlob(1000);
    const { digest } = await pushBlob(berth.app, 'blobs/head', data);
    const res = await berth.app.inject({ method: 'HEAD', url: blobUrl('blobs/head', digest) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], '1000');
    assert.equal(res.headers['docker-content-digest'], digest);
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
    assert.equal(res.rawPayload.length, 0);
  });

  test('GET streams the exact bytes with their digest', async () => {
    const data = randomBlob(3 * 1024 * 1024 + 17); // more than one read chunk of the storage driver
    const { digest } = await pushBlob(berth.app, 'blobs/get', data);
    const res = await berth.app.inject({ url: blobUrl('blobs/get', digest) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], String(data.length));
    assert.equal(res.headers['docker-content-digest'], digest);
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(res.headers['content-range'], undefined);
    assert.ok(res.rawPayload.equals(data));
    assert.equal(digestOf(res.rawPayload), digest);
  });

  test('an empty blob', async () => {
    const { digest } = await pushBlob(berth.app, 'blobs/empty', Buffer.alloc(0));
    assert.equal(digest, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const res = await berth.app.inject({ url: blobUrl('blobs/empty', digest) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.rawPayload.length, 0);
    const range = await berth.app.inject({ url: blobUrl('blobs/empty', digest), headers: { range: 'bytes=0-' } });
    assert.equal(assertError(range, 416, 'RANGE_INVALID').code, 'RANGE_INVALID');
    assert.equal(range.headers['content-range'], 'bytes */0');
  });

  test('a sha512 blob is addressed by its sha512 digest', async () => {
    const data = randomBlob(300);
    const { digest } = await pushBlob(berth.app, 'blobs/sha512', data, 'application/octet-stream', 'sha512');
    assert.match(digest, /^sha512:[0-9a-f]{128}$/);
    const res = await berth.app.inject({ url: blobUrl('blobs/sha512', digest) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['docker-content-digest'], digest);
    assert.ok(res.rawPayload.equals(data));
    assertHeadStatus(await berth.app.inject({ method: 'HEAD', url: blobUrl('blobs/sha512', digestOf(data)) }), 404);
    assertError(await berth.app.inject({ url: blobUrl('blobs/sha512', digestOf(data)) }), 404, 'BLOB_UNKNOWN');
  });

  test('an unknown blob in a known repository is BLOB_UNKNOWN', async () => {
    await pushBlob(berth.app, 'blobs/unknown', randomBlob());
    const missing = digestOf(randomBlob());
    const get = await berth.app.inject({ url: blobUrl('blobs/unknown', missing) });
    const entry = assertError(get, 404, 'BLOB_UNKNOWN');
    assert.deepEqual(entry.detail, { digest: missing });
    assertHeadStatus(await berth.app.inject({ method: 'HEAD', url: blobUrl('blobs/unknown', missing) }), 404);
  });

  test('a blob of an unknown repository is NAME_UNKNOWN', async () => {
    const res = await berth.app.inject({ url: blobUrl('blobs/no-such-repo', digestOf('x')) });
    assert.deepEqual(assertError(res, 404, 'NAME_UNKNOWN').detail, { name: 'blobs/no-such-repo' });
  });

  test('invalid digests and unknown algorithms are DIGEST_INVALID', async () => {
    await pushBlob(berth.app, 'blobs/bad-digest', randomBlob());
    for (const digest of [
      'sha256:abc',
      `sha256:${'A'.repeat(64)}`,
      `sha256:${'a'.repeat(65)}`,
      'sha256',
      `md5:${'a'.repeat(32)}`,
      `sha384:${'a'.repeat(96)}`,
      'latest',
    ]) {
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await berth.app.inject({ method, url: blobUrl('blobs/bad-digest', digest) });
        assertError(res, 400, 'DIGEST_INVALID');
      }
      assertHeadStatus(await berth.app.inject({ method: 'HEAD', url: blobUrl('blobs/bad-digest', digest) }), 400);
    }
  });
});

describe('Range requests', () => {
  const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
  let digest: string;

  before(async () => {
    digest = (await pushBlob(berth.app, 'blobs/range', data)).digest;
  });

  async function range(header: string) {
    return berth.app.inject({ url: blobUrl('blobs/range', digest), headers: { range: header } });
  }

  async function assertPartial(header: string, start: number, end: number) {
    const res = await range(header);
    assert.equal(res.statusCode, 206, `${header}: ${res.body}`);
    assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${data.length}`);
    assert.equal(res.headers['content-length'], String(end - start + 1));
    assert.equal(res.headers['docker-content-digest'], digest);
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.equal(res.body, data.subarray(start, end + 1).toString());
  }

  test('bytes=a-b', () => assertPartial('bytes=3-9', 3, 9));
  test('bytes=a-a (one byte)', () => assertPartial('bytes=0-0', 0, 0));
  test('bytes=a- (to the end)', () => assertPartial('bytes=30-', 30, 35));
  test('bytes=-n (the last n bytes)', () => assertPartial('bytes=-4', 32, 35));
  test('bytes=-n longer than the blob is the whole blob', () => assertPartial('bytes=-1000', 0, 35));
  test('an end past the blob is clamped to its last byte', () => assertPartial('bytes=10-1000', 10, 35));
  test('the whole blob as a range', () => assertPartial('bytes=0-35', 0, 35));

  test('unsatisfiable ranges are 416 RANGE_INVALID with Content-Range: bytes */size', async () => {
    for (const header of ['bytes=36-', 'bytes=36-40', 'bytes=100-200', 'bytes=9-3', 'bytes=-0']) {
      const res = await range(header);
      assertError(res, 416, 'RANGE_INVALID');
      assert.equal(res.headers['content-range'], `bytes */${data.length}`, header);
    }
  });

  test('malformed ranges are 416 RANGE_INVALID', async () => {
    for (const header of ['bytes=', 'bytes=-', 'bytes=a-b', 'items=0-5', 'bytes=0-1,3-4', '0-5', 'bytes 0-5']) {
      const res = await range(header);
      assertError(res, 416, 'RANGE_INVALID');
    }
  });

  test('a range of a sha512 blob', async () => {
    const big = randomBlob(5000);
    const pushed = await pushBlob(berth.app, 'blobs/range', big, 'application/octet-stream', 'sha512');
    const res = await berth.app.inject({
      url: blobUrl('blobs/range', pushed.digest),
      headers: { range: 'bytes=4990-' },
    });
    assert.equal(res.statusCode, 206);
    assert.equal(res.headers['content-range'], 'bytes 4990-4999/5000');
    assert.ok(res.rawPayload.equals(big.subarray(4990)));
  });
});

describe('DELETE a blob', () => {
  test('202, then HEAD, GET and a second DELETE are 404 BLOB_UNKNOWN', async () => {
    const { digest } = await pushBlob(berth.app, 'blobs/delete', randomBlob());
    const res = await berth.app.inject({ method: 'DELETE', url: blobUrl('blobs/delete', digest) });
    assert.equal(res.statusCode, 202);
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
    assertHeadStatus(await berth.app.inject({ method: 'HEAD', url: blobUrl('blobs/delete', digest) }), 404);
    assertError(await berth.app.inject({ url: blobUrl('blobs/delete', digest) }), 404, 'BLOB_UNKNOWN');
    assertError(
      await berth.app.inject({ method: 'DELETE', url: blobUrl('blobs/delete', digest) }),
      404,
      'BLOB_UNKNOWN',
    );
  });

  test('deleting from one repository leaves the blob readable where else it is linked', async () => {
    const data = randomBlob();
    const { digest } = await pushBlob(berth.app, 'blobs/delete-a', data);
    await pushBlob(berth.app, 'blobs/delete-b', data);
    assert.equal(
      (await berth.app.inject({ method: 'DELETE', url: blobUrl('blobs/delete-a', digest) })).statusCode,
      202,
    );
    assertError(await berth.app.inject({ url: blobUrl('blobs/delete-a', digest) }), 404, 'BLOB_UNKNOWN');
    const res = await berth.app.inject({ url: blobUrl('blobs/delete-b', digest) });
    assert.equal(res.statusCode, 200);
    assert.ok(res.rawPayload.equals(data));
  });

  test('a blob can be pushed again after it was deleted', async () => {
    const data = randomBlob();
    const { digest } = await pushBlob(berth.app, 'blobs/repush', data);
    assert.equal((await berth.app.inject({ method: 'DELETE', url: blobUrl('blobs/repush', digest) })).statusCode, 202);
    await pushBlob(berth.app, 'blobs/repush', data);
    const res = await berth.app.inject({ url: blobUrl('blobs/repush', digest) });
    assert.equal(res.statusCode, 200);
    assert.ok(res.rawPayload.equals(data));
  });
});

describe('repository isolation', () => {
  test('a blob stored for another repository is not readable from one it is not linked to', async () => {
    const data = randomBlob();
    const { digest } = await pushBlob(berth.app, 'blobs/owner', data);
    await pushBlob(berth.app, 'blobs/stranger', randomBlob()); // the repository exists, the blob is not linked to it
    assertError(await berth.app.inject({ url: blobUrl('blobs/stranger', digest) }), 404, 'BLOB_UNKNOWN');
    assertError(
      await berth.app.inject({ url: blobUrl('blobs/stranger', digest), headers: { range: 'bytes=0-3' } }),
      404,
      'BLOB_UNKNOWN',
    );
    assertHeadStatus(await berth.app.inject({ method: 'HEAD', url: blobUrl('blobs/stranger', digest) }), 404);
    assertError(
      await berth.app.inject({ method: 'DELETE', url: blobUrl('blobs/stranger', digest) }),
      404,
      'BLOB_UNKNOWN',
    );
    // and the owner still has it
    const res = await berth.app.inject({ url: blobUrl('blobs/owner', digest) });
    assert.equal(res.statusCode, 200);
    assert.ok(res.rawPayload.equals(data));
  });
});
