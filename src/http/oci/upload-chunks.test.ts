// /v2/<name>/blobs/uploads/<id> through the HTTP surface: chunked uploads (PATCH with and without
// Content-Range, the last chunk in PUT), every way a chunk is refused, and concurrent requests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, digestOf, OCTET_STREAM, randomBlob, startUpload } from '../../testing/registry-client.js';
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

describe('chunked upload: PATCH with Content-Range', () => {
  test('chunks in order, progress after each, then PUT without a body', async () => {
    const data = randomBlob(3 * 1024 * 1024 + 5);
    const location = await startUpload(berth.app, 'up/chunked');
    const cuts = [0, 1024 * 1024, 2 * 1024 * 1024 + 7, data.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const [start, end] = [cuts[i]!, cuts[i + 1]! - 1];
      assertProgress(
        await patchUpload(berth.app, location, data.subarray(start, end + 1), `${start}-${end}`),
        202,
        location,
        `0-${end}`,
      );
      assertProgress(await berth.app.inject({ url: location }), 204, location, `0-${end}`);
    }
    assertBlobCreated(await putUpload(berth.app, location, digestOf(data)), 'up/chunked', digestOf(data));
    await assertBlob(berth.app, 'up/chunked', data);
  });

  test('the last chunk in the closing PUT, with its Content-Range', async () => {
    const data = randomBlob(300);
    const location = await startUpload(berth.app, 'up/chunked-put');
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 200), '0-199'), 202, location, '0-199');
    const res = await berth.app.inject({
      method: 'PUT',
      url: `${location}?digest=${digestOf(data)}`,
      headers: { ...OCTET_STREAM, 'content-range': '200-299' },
      payload: data.subarray(200),
    });
    assertBlobCreated(res, 'up/chunked-put', digestOf(data));
    await assertBlob(berth.app, 'up/chunked-put', data);
  });

  test('PATCH without Content-Range appends at the end', async () => {
    const data = randomBlob(90);
    const location = await startUpload(berth.app, 'up/append');
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 30)), 202, location, '0-29');
    assertProgress(await patchUpload(berth.app, location, data.subarray(30, 60)), 202, location, '0-59');
    assertProgress(await patchUpload(berth.app, location, Buffer.alloc(0)), 202, location, '0-59');
    assertProgress(await patchUpload(berth.app, location, data.subarray(60)), 202, location, '0-89');
    assertBlobCreated(await putUpload(berth.app, location, digestOf(data)), 'up/append', digestOf(data));
    await assertBlob(berth.app, 'up/append', data);
  });

  test('Content-Range with a "bytes " prefix and a total', async () => {
    const data = randomBlob(20);
    const location = await startUpload(berth.app, 'up/range-forms');
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 10), 'bytes 0-9/20'), 202, location, '0-9');
    assertProgress(await patchUpload(berth.app, location, data.subarray(10), 'bytes=10-19/*'), 202, location, '0-19');
    assertBlobCreated(await putUpload(berth.app, location, digestOf(data)), 'up/range-forms', digestOf(data));
  });

  test('an out-of-order chunk is 416 with the current Range and Location; the upload is unchanged', async () => {
    const data = randomBlob(30);
    const location = await startUpload(berth.app, 'up/out-of-order');
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 10), '0-9'), 202, location, '0-9');
    const gap = await patchUpload(berth.app, location, data.subarray(20, 30), '20-29');
    assertError(gap, 416, 'RANGE_INVALID');
    assert.equal(gap.headers.range, '0-9');
    assert.equal(gap.headers.location, location);
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-9');
    // the client resumes where the registry says
    assertProgress(await patchUpload(berth.app, location, data.subarray(10, 30), '10-29'), 202, location, '0-29');
    assertBlobCreated(await putUpload(berth.app, location, digestOf(data)), 'up/out-of-order', digestOf(data));
    await assertBlob(berth.app, 'up/out-of-order', data);
  });

  test('a repeated chunk is 416 with the current Range and Location; the upload is unchanged', async () => {
    const data = randomBlob(20);
    const location = await startUpload(berth.app, 'up/repeated');
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 10), '0-9'), 202, location, '0-9');
    const again = await patchUpload(berth.app, location, data.subarray(0, 10), '0-9');
    assertError(again, 416, 'RANGE_INVALID');
    assert.equal(again.headers.range, '0-9');
    assert.equal(again.headers.location, location);
    const overlap = await patchUpload(berth.app, location, data.subarray(5, 15), '5-14');
    assertError(overlap, 416, 'RANGE_INVALID');
    assert.equal(overlap.headers.range, '0-9');
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-9');
    assertBlobCreated(
      await putUpload(berth.app, location, digestOf(data), data.subarray(10)),
      'up/repeated',
      digestOf(data),
    );
    await assertBlob(berth.app, 'up/repeated', data);
  });

  test('a first chunk that does not start at 0 is 416 with Range 0-0', async () => {
    const location = await startUpload(berth.app, 'up/first-chunk');
    const res = await patchUpload(berth.app, location, randomBlob(10), '5-14');
    assertError(res, 416, 'RANGE_INVALID');
    assert.equal(res.headers.range, '0-0');
    assert.equal(res.headers.location, location);
  });

  test('an out-of-order final chunk in PUT is 416 and does not complete the upload', async () => {
    const data = randomBlob(20);
    const location = await startUpload(berth.app, 'up/final-out-of-order');
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 10), '0-9'), 202, location, '0-9');
    const res = await berth.app.inject({
      method: 'PUT',
      url: `${location}?digest=${digestOf(data)}`,
      headers: { ...OCTET_STREAM, 'content-range': '12-21' },
      payload: data.subarray(10),
    });
    assertError(res, 416, 'RANGE_INVALID');
    assert.equal(res.headers.range, '0-9');
    assert.equal(res.headers.location, location);
    await assertNoBlob(berth.app, 'up/final-out-of-order', digestOf(data));
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-9');
  });

  test('a malformed Content-Range is 416 RANGE_INVALID and writes nothing', async () => {
    const location = await startUpload(berth.app, 'up/bad-range');
    for (const contentRange of ['abc', '10-5', '-5', '0-', 'bytes=a-b', '0-9, 10-19']) {
      assertError(await patchUpload(berth.app, location, randomBlob(10), contentRange), 416, 'RANGE_INVALID');
    }
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-0');
  });

  test('a Content-Range whose total it does not fit in, or with numbers out of range, is 416 and writes nothing', async () => {
    const data = randomBlob(100);
    const location = await startUpload(berth.app, 'up/bad-total');
    for (const contentRange of [
      '0-99/5',
      'bytes 0-99/99',
      '0-99/0',
      '0-99/-1',
      '0-99/x',
      '0-99/1000000000000000000000',
      '0-9999999999999999999',
      '-1-98',
      '99-0',
      '0x0-99',
    ]) {
      const res = await patchUpload(berth.app, location, data, contentRange);
      assertError(res, 416, 'RANGE_INVALID');
    }
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-0');
    assertProgress(await patchUpload(berth.app, location, data, 'bytes 0-99/100'), 202, location, '0-99');
    const later = randomBlob(100);
    assertError(await patchUpload(berth.app, location, later, '100-199/5'), 416, 'RANGE_INVALID');
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-99');
    assertProgress(await patchUpload(berth.app, location, later, '100-199/*'), 202, location, '0-199');
  });

  test('a Content-Length that is negative, not a number, or beyond a safe integer is 400, never 5xx', async () => {
    const location = await startUpload(berth.app, 'up/bad-length');
    for (const length of ['-1', '1e3', '99999999999999999999']) {
      const res = await berth.app.inject({
        method: 'PATCH',
        url: location,
        headers: { ...OCTET_STREAM, 'content-length': length, 'content-range': '0-9' },
        payload: randomBlob(10),
      });
      assert.ok(
        res.statusCode >= 400 && res.statusCode < 500,
        `Content-Length ${length}: ${res.statusCode} ${res.body}`,
      );
    }
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-0');
  });

  test('a chunk whose length differs from its Content-Range is SIZE_INVALID and writes nothing', async () => {
    const data = randomBlob(30);
    const location = await startUpload(berth.app, 'up/size-mismatch');
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 10), '0-9'), 202, location, '0-9');
    assertError(await patchUpload(berth.app, location, data.subarray(10, 30), '10-14'), 400, 'SIZE_INVALID');
    assertError(await patchUpload(berth.app, location, data.subarray(10, 12), '10-29'), 400, 'SIZE_INVALID');
    assertProgress(await berth.app.inject({ url: location }), 204, location, '0-9');
    assertProgress(await patchUpload(berth.app, location, data.subarray(10, 30), '10-29'), 202, location, '0-29');
    assertBlobCreated(await putUpload(berth.app, location, digestOf(data)), 'up/size-mismatch', digestOf(data));
    await assertBlob(berth.app, 'up/size-mismatch', data);
  });

  test('a chunked sha512 upload', async () => {
    const data = randomBlob(3000);
    const location = await startUpload(berth.app, 'up/chunked512');
    assertProgress(await patchUpload(berth.app, location, data.subarray(0, 1000), '0-999'), 202, location, '0-999');
    assertProgress(await patchUpload(berth.app, location, data.subarray(1000), '1000-2999'), 202, location, '0-2999');
    const digest = digestOf(data, 'sha512');
    assertBlobCreated(await putUpload(berth.app, location, digest), 'up/chunked512', digest);
    await assertBlob(berth.app, 'up/chunked512', data, digest);
    await assertNoBlob(berth.app, 'up/chunked512', digestOf(data));
  });
});

describe('concurrent requests', () => {
  test('two PATCHes of the same chunk at once: one is accepted, the other is 416', async () => {
    const data = randomBlob(64 * 1024);
    const location = await startUpload(berth.app, 'up/race');
    const answers = await Promise.all([
      patchUpload(berth.app, location, data, `0-${data.length - 1}`),
      patchUpload(berth.app, location, data, `0-${data.length - 1}`),
    ]);
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [202, 416]);
    const loser = answers.find((r) => r.statusCode === 416)!;
    assert.equal(loser.headers.range, `0-${data.length - 1}`, 'the 416 tells the true end of the upload');
    assert.equal(loser.headers.location, location);
    assertProgress(await berth.app.inject({ url: location }), 204, location, `0-${data.length - 1}`);
    assertBlobCreated(await putUpload(berth.app, location, digestOf(data)), 'up/race', digestOf(data));
    await assertBlob(berth.app, 'up/race', data);
  });

  test('the same blob pushed into several repositories at once', async () => {
    const data = randomBlob(100_000);
    const names = ['up/same-1', 'up/same-2', 'up/same-3'];
    const answers = await Promise.all(
      names.map((n) =>
        berth.app.inject({
          method: 'POST',
          url: `/v2/${n}/blobs/uploads/?digest=${digestOf(data)}`,
          headers: OCTET_STREAM,
          payload: data,
        }),
      ),
    );
    for (const [i, res] of answers.entries()) assertBlobCreated(res, names[i]!, digestOf(data));
    for (const n of names) await assertBlob(berth.app, n, data);
  });
});
