// A completion interrupted after the verified bytes moved into the blob store (the metadata
// write failed, or the process died) is finished by retrying the PUT, without the bytes.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startBerth } from '../testing/server.js';

it('a retried PUT completes an upload whose completion failed after its bytes were verified', async () => {
  const server = await startBerth({ listen: false });
  try {
    const { app, store } = server.berth;
    const body = randomBytes(200_000);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const started = await app.inject({ method: 'POST', url: '/v2/recover/app/blobs/uploads/' });
    const location = started.headers.location as string;
    const patched = await app.inject({
      method: 'PATCH',
      url: location,
      headers: { 'content-type': 'application/octet-stream' },
      payload: body,
    });
    assert.equal(patched.statusCode, 202);

    // The first completion dies between moving the bytes and linking the blob.
    const link = store.blobs.link.bind(store.blobs);
    store.blobs.link = async () => {
      store.blobs.link = link;
      throw new Error('database went away');
    };
    const failed = await app.inject({ method: 'PUT', url: `${location}?digest=${digest}` });
    assert.equal(failed.statusCode, 500);
    assert.equal(
      (await app.inject({ method: 'HEAD', url: `/v2/recover/app/blobs/${digest}` })).statusCode,
      404,
      'not visible yet',
    );

    const status = await app.inject({ method: 'GET', url: location });
    assert.equal(status.statusCode, 204);
    assert.equal(status.headers.range, `0-${body.length - 1}`, 'the verified bytes still count');

    const wrong = await app.inject({ method: 'PUT', url: `${location}?digest=sha256:${'0'.repeat(64)}` });
    assert.equal(wrong.statusCode, 400, 'another digest is refused');

    const retried = await app.inject({ method: 'PUT', url: `${location}?digest=${digest}` });
    assert.equal(retried.statusCode, 201);
    const got = await app.inject({ method: 'GET', url: `/v2/recover/app/blobs/${digest}` });
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.rawPayload, body);
    assert.equal((await app.inject({ method: 'GET', url: location })).statusCode, 404, 'the session is gone');
  } finally {
    await server.close();
  }
});
