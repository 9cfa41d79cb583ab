// Deleting a repository (ECR DeleteRepository, forced or of a repository without images) removes
// the bytes of its uploads in progress, which its sessions took with them; bytes a crash left
// without a session are removed by the expire-uploads sweep once nothing writes to them.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { startBerth, type TestBerth } from '../testing/server.js';
import { callApi } from '../testing/api-client.js';
import { pushImage } from '../testing/registry-client.js';

async function openUpload(server: TestBerth, name: string): Promise<string> {
  const { app } = server.berth;
  const started = await app.inject({ method: 'POST', url: `/v2/${name}/blobs/uploads/` });
  assert.equal(started.statusCode, 202, started.body);
  const location = started.headers.location as string;
  const patch = await app.inject({
    method: 'PATCH',
    url: location,
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.alloc(200_000, 7),
  });
  assert.equal(patch.statusCode, 202, patch.body);
  return location.split('/').pop()!;
}

/** Upload ids with bytes in storage, as the storage driver lists them. */
async function storedUploads(server: TestBerth): Promise<string[]> {
  try {
    return (await server.berth.driver.list('/uploads')).map((path) => path.split('/').pop()!).sort();
  } catch {
    return [];
  }
}

it("DeleteRepository removes the bytes of the repository's uploads in progress, forced or not", async () => {
  const server = await startBerth({ listen: false });
  try {
    const kept = await openUpload(server, 'deletion/kept');
    const forced = await openUpload(server, 'deletion/forced');
    await pushImage(server.berth.app, 'deletion/forced', 'v1');
    const empty = await openUpload(server, 'deletion/empty');
    assert.deepEqual(await storedUploads(server), [kept, forced, empty].sort());

    const refused = await callApi(server.berth.app, 'DeleteRepository', { repositoryName: 'deletion/forced' });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.deepEqual(await storedUploads(server), [kept, forced, empty].sort(), 'a refused delete keeps the uploads');

    const deleted = await callApi(server.berth.app, 'DeleteRepository', {
      repositoryName: 'deletion/forced',
      force: true,
    });
    assert.equal(deleted.statusCode, 200, deleted.body);
    const deletedEmpty = await callApi(server.berth.app, 'DeleteRepository', { repositoryName: 'deletion/empty' });
    assert.equal(deletedEmpty.statusCode, 200, deletedEmpty.body);
    assert.deepEqual(await storedUploads(server), [kept], 'only the upload of the repository that stays has bytes');
    const status = await server.berth.app.inject({ url: `/v2/deletion/kept/blobs/uploads/${kept}` });
    assert.equal(status.headers.range, '0-199999');
  } finally {
    await server.close();
  }
});

it('the expire-uploads sweep removes upload bytes left without a session, once nothing has written them for an hour', async () => {
  const server = await startBerth({ listen: false });
  try {
    const { store, services } = server.berth;
    const kept = await openUpload(server, 'deletion/sweep-kept');
    const orphan = await openUpload(server, 'deletion/sweep');
    // A node died between the repository's deletion (its sessions cascading away) and its uploads' bytes.
    assert.equal(await store.uploads.delete(orphan), true);
    const day = Date.now() - 24 * 3_600_000;
    assert.equal(
      await services.uploadExpiry.expire(day),
      0,
      'bytes written just now may still be a session being made',
    );
    assert.deepEqual(await storedUploads(server), [kept, orphan].sort());

    const dir = join(server.dataDir, 'storage', 'uploads');
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const id of [kept, orphan])
      for (const file of readdirSync(join(dir, id))) utimesSync(join(dir, id, file), old, old);
    assert.equal(await services.uploadExpiry.expire(day), 1);
    assert.deepEqual(await storedUploads(server), [kept], 'the orphan is gone; the session that is only idle stays');
  } finally {
    await server.close();
  }
});
