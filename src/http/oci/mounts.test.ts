// Cross-repository blob mounts (POST /v2/<name>/blobs/uploads/?mount=<digest>[&from=<repo>]):
// 201 when the blob can be linked, otherwise 202 and an ordinary upload session.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  API_VERSION,
  assertError,
  digestOf,
  OCTET_STREAM,
  pushBlob,
  randomBlob,
  type Response,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const berth = useInjectedBerth();

function mount(name: string, digest: string, from?: string): Promise<Response> {
  const query = from === undefined ? `mount=${digest}` : `mount=${digest}&from=${from}`;
  return berth.app.inject({ method: 'POST', url: `/v2/${name}/blobs/uploads/?${query}` });
}

function assertMounted(res: Response, name: string, digest: string): void {
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.headers.location, `/v2/${name}/blobs/${digest}`);
  assert.equal(res.headers['docker-content-digest'], digest);
  assert.equal(res.headers['docker-upload-uuid'], undefined);
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
}

/** 202 with an upload session that works like any other: completing it stores the blob. */
async function assertSessionStarted(res: Response, name: string, data: Buffer): Promise<void> {
  assert.equal(res.statusCode, 202, res.body);
  const location = res.headers.location as string;
  assert.match(location, new RegExp(`^/v2/${name}/blobs/uploads/[0-9a-f-]{36}$`));
  assert.equal(res.headers.range, '0-0');
  assert.equal(res.headers['docker-upload-uuid'], location.split('/').pop());
  const put = await berth.app.inject({
    method: 'PUT',
    url: `${location}?digest=${digestOf(data)}`,
    headers: OCTET_STREAM,
    payload: data,
  });
  assert.equal(put.statusCode, 201, put.body);
  await assertReadable(name, data);
}

async function assertReadable(name: string, data: Buffer): Promise<void> {
  const res = await berth.app.inject({ url: `/v2/${name}/blobs/${digestOf(data)}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.ok(res.rawPayload.equals(data));
}

async function assertUnreadable(name: string, digest: string): Promise<void> {
  const res = await berth.app.inject({ method: 'HEAD', url: `/v2/${name}/blobs/${digest}` });
  assert.equal(res.statusCode, 404);
}

describe('mount with from', () => {
  test('a blob of the source repository is linked: 201 with Location and Docker-Content-Digest', async () => {
    const data = randomBlob(2000);
    const { digest } = await pushBlob(berth.app, 'mount/source', data);
    assertMounted(await mount('mount/target', digest, 'mount/source'), 'mount/target', digest);
    await assertReadable('mount/target', data);
    // the target owns its link: deleting it there leaves the source intact
    assert.equal(
      (await berth.app.inject({ method: 'DELETE', url: `/v2/mount/target/blobs/${digest}` })).statusCode,
      202,
    );
    await assertReadable('mount/source', data);
  });

  test('mounting creates the target repository', async () => {
    const { digest } = await pushBlob(berth.app, 'mount/source', randomBlob());
    assertMounted(await mount('mount/new-target', digest, 'mount/source'), 'mount/new-target', digest);
    const catalog = (await berth.app.inject({ url: '/v2/_catalog' })).json() as { repositories: string[] };
    assert.ok(catalog.repositories.includes('mount/new-target'));
  });

  test('a blob the target has already is 201 whatever from says', async () => {
    const data = randomBlob();
    const { digest } = await pushBlob(berth.app, 'mount/has-it', data);
    assertMounted(await mount('mount/has-it', digest, 'mount/nowhere'), 'mount/has-it', digest);
  });

  test('a source repository that lacks the blob: 202 and a normal upload session', async () => {
    const data = randomBlob();
    await pushBlob(berth.app, 'mount/elsewhere', data);
    await pushBlob(berth.app, 'mount/empty-source', randomBlob());
    await assertSessionStarted(
      await mount('mount/target2', digestOf(data), 'mount/empty-source'),
      'mount/target2',
      data,
    );
  });

  test('a source repository that does not exist, or is not a valid name: 202', async () => {
    const data = randomBlob();
    await pushBlob(berth.app, 'mount/real', data);
    await assertSessionStarted(
      await mount('mount/target3', digestOf(data), 'mount/does-not-exist'),
      'mount/target3',
      data,
    );
    const data2 = randomBlob();
    await pushBlob(berth.app, 'mount/real', data2);
    await assertSessionStarted(await mount('mount/target3', digestOf(data2), 'Mount/REAL'), 'mount/target3', data2);
  });

  test('a blob deleted from the source can no longer be mounted from it', async () => {
    const data = randomBlob();
    const { digest } = await pushBlob(berth.app, 'mount/deleted', data);
    assert.equal(
      (await berth.app.inject({ method: 'DELETE', url: `/v2/mount/deleted/blobs/${digest}` })).statusCode,
      202,
    );
    const res = await mount('mount/target4', digest, 'mount/deleted');
    assert.equal(res.statusCode, 202);
    await assertUnreadable('mount/target4', digest);
  });

  test('a blob known nowhere: 202', async () => {
    const data = randomBlob();
    await pushBlob(berth.app, 'mount/source', randomBlob());
    await assertSessionStarted(await mount('mount/target5', digestOf(data), 'mount/source'), 'mount/target5', data);
  });

  test('a sha512 blob', async () => {
    const data = randomBlob(500);
    const { digest } = await pushBlob(berth.app, 'mount/source512', data, 'application/octet-stream', 'sha512');
    assertMounted(await mount('mount/target512', digest, 'mount/source512'), 'mount/target512', digest);
    const res = await berth.app.inject({ url: `/v2/mount/target512/blobs/${digest}` });
    assert.ok(res.rawPayload.equals(data));
  });

  test('an invalid mount digest is 400 DIGEST_INVALID and opens no session', async () => {
    await pushBlob(berth.app, 'mount/source', randomBlob());
    for (const digest of ['sha256:abc', `md5:${'a'.repeat(32)}`, 'latest']) {
      assertError(await mount('mount/source', digest, 'mount/source'), 400, 'DIGEST_INVALID');
    }
  });
});

describe('mount without from', () => {
  test('a blob in another repository of the registry is mounted automatically', async () => {
    const data = randomBlob(1500);
    const { digest } = await pushBlob(berth.app, 'auto/source', data);
    assertMounted(await mount('auto/target', digest), 'auto/target', digest);
    await assertReadable('auto/target', data);
  });

  test('a blob that was only ever pushed with a wrong digest is not mountable', async () => {
    const data = randomBlob();
    const claimed = digestOf(data);
    const bad = await berth.app.inject({
      method: 'POST',
      url: `/v2/auto/liar/blobs/uploads/?digest=${claimed}`,
      headers: OCTET_STREAM,
      payload: randomBlob(),
    });
    assertError(bad, 400, 'DIGEST_INVALID');
    await assertSessionStarted(await mount('auto/target2', claimed), 'auto/target2', data);
  });

  test('a blob known nowhere: 202', async () => {
    const data = randomBlob();
    await assertSessionStarted(await mount('auto/target3', digestOf(data)), 'auto/target3', data);
  });
});
