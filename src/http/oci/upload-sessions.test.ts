// /v2/<name>/blobs/uploads/<id> through the HTTP surface: an upload session's status, cancel and
// ownership, resuming after a restart over the same data dir, and registry.maxBlobBytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startBerth, tempDir, type TestBerth } from '../../testing/server.js';
import {
  API_VERSION,
  assertError,
  assertHeadStatus,
  digestOf,
  OCTET_STREAM,
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

describe('upload status, cancel and ownership', () => {
  test('GET reports 204 with Range, Location and Docker-Upload-UUID', async () => {
    const location = await startUpload(berth.app, 'up/status');
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-0');
    assertProgress(await patchUpload(berth.app, location, randomBlob(1), '0-0'), 202, location, '0-0');
    assertProgress(await patchUpload(berth.app, location, randomBlob(41), '1-41'), 202, location, '0-41');
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-41');
  });

  test('DELETE cancels (204); then every upload operation is 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const location = await startUpload(berth.app, 'up/cancel');
    const data = randomBlob(10);
    assertProgress(await patchUpload(berth.app, location, data, '0-9'), 202, location, '0-9');
    const res = await berth.app.inject({ method: 'DELETE', url: location });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
    assert.equal(res.rawPayload.length, 0);
    assertError(await berth.app.inject({ url: location }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await patchUpload(berth.app, location, data, '10-19'), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await putUpload(berth.app, location, digestOf(data)), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await berth.app.inject({ method: 'DELETE', url: location }), 404, 'BLOB_UPLOAD_UNKNOWN');
    await assertNoBlob(berth.app, 'up/cancel', digestOf(data));
  });

  test('an upload id of another repository is BLOB_UPLOAD_UNKNOWN there, and the upload is untouched', async () => {
    const location = await startUpload(berth.app, 'up/owner');
    await startUpload(berth.app, 'up/other');
    const id = location.split('/').pop()!;
    const foreign = `/v2/up/other/blobs/uploads/${id}`;
    const data = randomBlob(10);
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 5), '0-4'), 202, location, '0-4');
    const status = assertError(await berth.app.inject({ url: foreign }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assert.deepEqual(status.detail, { id });
    assertError(await patchUpload(berth.app, foreign, data.subarray(5), '5-9'), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await putUpload(berth.app, foreign, digestOf(data), data.subarray(5)), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await berth.app.inject({ method: 'DELETE', url: foreign }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-4');
    assertBlobCreated(
      await putUpload(berth.app, location, digestOf(data), data.subarray(5)),
      'up/owner',
      digestOf(data),
    );
    await assertNoBlob(berth.app, 'up/other', digestOf(data));
  });

  test('malformed and unknown upload ids are BLOB_UPLOAD_UNKNOWN', async () => {
    await startUpload(berth.app, 'up/ids');
    // ('..' and '%2e%2e' never reach the server through inject, which normalises the URL: uploads-socket.test.ts sends them.)
    const ids = [
      'not-a-uuid',
      '00000000-0000-0000-0000-000000000000',
      'ABCDEF01-2345-6789-ABCD-EF0123456789',
      'a'.repeat(300),
      'x%2Fy',
      '..a',
      `${'0'.repeat(8)}-0000-0000-0000-00000000000g`,
    ];
    for (const id of ids) {
      const url = `/v2/up/ids/blobs/uploads/${id}`;
      for (const method of ['GET', 'PATCH', 'PUT', 'DELETE'] as const) {
        const res = await berth.app.inject({
          method,
          url: method === 'PUT' ? `${url}?digest=${digestOf('')}` : url,
          headers: OCTET_STREAM,
          payload: 'x',
        });
        assertError(res, 404, 'BLOB_UPLOAD_UNKNOWN');
      }
    }
  });

  test('an upload in an unknown repository is NAME_UNKNOWN, and does not create the repository', async () => {
    const location = await startUpload(berth.app, 'up/real');
    const id = location.split('/').pop()!;
    const url = `/v2/up/ghost/blobs/uploads/${id}`;
    assertError(await berth.app.inject({ url }), 404, 'NAME_UNKNOWN');
    assertError(await patchUpload(berth.app, url, randomBlob(5), '0-4'), 404, 'NAME_UNKNOWN');
    assertError(await putUpload(berth.app, url, digestOf('x'), Buffer.from('x')), 404, 'NAME_UNKNOWN');
    assertError(await berth.app.inject({ method: 'DELETE', url }), 404, 'NAME_UNKNOWN');
    const catalog = (await berth.app.inject({ url: '/v2/_catalog' })).json() as { repositories: string[] };
    assert.equal(catalog.repositories.includes('up/ghost'), false);
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-0');
  });

  test('uploads to invalid repository names are NAME_INVALID', async () => {
    for (const name of ['UP/Upper', 'a', 'up/-dash', 'up/trailing-']) {
      assertError(await berth.app.inject({ method: 'POST', url: `/v2/${name}/blobs/uploads/` }), 400, 'NAME_INVALID');
    }
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
        assertProgress(
          await patchUpload(first.berth.app, location, data.subarray(0, 1_000_000), '0-999999'),
          202,
          location,
          '0-999999',
        );
      } finally {
        await first.close();
        first = undefined;
      }

      const second = await startBerth({ listen: false, dataDir });
      try {
        const again = second.berth.app;
        assertProgress(await again.inject({ url: location }), 204, location, '0-999999');
        const repeated = await patchUpload(again, location, data.subarray(0, 10), '0-9');
        assertError(repeated, 416, 'RANGE_INVALID');
        assert.equal(repeated.headers.range, '0-999999');
        assertProgress(
          await patchUpload(again, location, data.subarray(1_000_000, 2_000_000), '1000000-1999999'),
          202,
          location,
          '0-1999999',
        );
        assertBlobCreated(
          await putUpload(again, location, digestOf(data), data.subarray(2_000_000)),
          'up/restart',
          digestOf(data),
        );
        await assertBlob(again, 'up/restart', data, digestOf(data));
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
      assertProgress(
        await patchUpload(first.berth.app, location, data.subarray(0, 2500), '0-2499'),
        202,
        location,
        '0-2499',
      );
      await first.close();
      const second = await startBerth({ listen: false, dataDir });
      try {
        const digest = digestOf(data, 'sha512');
        assertBlobCreated(
          await putUpload(second.berth.app, location, digest, data.subarray(2500)),
          'up/restart512',
          digest,
        );
        await assertBlob(second.berth.app, 'up/restart512', data, digest);
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
      const mono = await limited.inject({
        method: 'POST',
        url: `/v2/up/limit/blobs/uploads/?digest=${digestOf(data)}`,
        headers: OCTET_STREAM,
        payload: data,
      });
      assertError(mono, 413, 'SIZE_INVALID');
      assertHeadStatus(await limited.inject({ method: 'HEAD', url: `/v2/up/limit/blobs/${digestOf(data)}` }), 404);
      // The refused monolithic push's session was never named to the client: nothing of it is left.
      assert.deepEqual(await small.berth.driver.list('/uploads').catch(() => []), []);

      const location = await startUpload(limited, 'up/limit');
      assertProgress(await patchUpload(limited, location, data.subarray(0, 600), '0-599'), 202, location, '0-599');
      assertError(await patchUpload(limited, location, data.subarray(600), '600-1000'), 413, 'SIZE_INVALID');
      assertProgress(await limited.inject({ url: location }), 204, location, '0-599');
      const exact = data.subarray(0, 1000);
      assertProgress(await patchUpload(limited, location, exact.subarray(600), '600-999'), 202, location, '0-999');
      assertBlobCreated(await putUpload(limited, location, digestOf(exact), undefined), 'up/limit', digestOf(exact));
    } finally {
      await small.close();
    }
  });
});
