// Writes of one manifest or repository racing each other, through the HTTP surface, on the
// backend of this pass (run it with BERTH_TEST_BACKEND=postgres too): a PUT and a DELETE of the
// same manifest, and ECR's DeleteRepository (force) against pushes. Every answer is one the
// protocol has (never a 5xx), and what is left is consistent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaTypes } from '../../domain/media-types.js';
import { callApi } from '../../testing/api-client.js';
import { manifestUrl } from '../../testing/manifest-assertions.js';
import {
  digestOf,
  manifestBytes,
  pushImage,
  putManifest,
  randomBlob,
  type Response,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const berth = useInjectedBerth();

function codeOf(res: Response): string | undefined {
  try {
    return (res.json() as { errors?: { code: string }[] }).errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

/** Tallies answers as "status code"; fails on any not in `allowed`. */
function expectOnly(answers: Response[], allowed: string[], what: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const res of answers) {
    const key = `${res.statusCode}${codeOf(res) ? ` ${codeOf(res)}` : ''}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    assert.ok(res.statusCode < 500, `${what}: ${res.statusCode} ${res.body}`);
    assert.ok(allowed.includes(key), `${what}: unexpected ${key} ${res.body}`);
  }
  return seen;
}

/** Every tag listed resolves, and the manifest answers by digest exactly when a tag on it does. */
async function assertConsistent(name: string, digest: string): Promise<void> {
  const tags = await berth.app.inject({ url: `/v2/${name}/tags/list` });
  const listed = tags.statusCode === 200 ? (tags.json() as { tags: string[] }).tags : [];
  for (const tag of listed) {
    const res = await berth.app.inject({ method: 'HEAD', url: manifestUrl(name, tag) });
    assert.equal(res.statusCode, 200, `tag ${tag} is listed but does not resolve`);
  }
  const byDigest = await berth.app.inject({ method: 'HEAD', url: manifestUrl(name, digest) });
  assert.ok([200, 404].includes(byDigest.statusCode));
  if (listed.includes('v1')) assert.equal(byDigest.statusCode, 200, 'v1 is listed, its manifest must be there');
}

describe('a PUT and a DELETE of the same manifest, concurrently', () => {
  test('40 rounds: every answer is 201, 202 or 404 MANIFEST_UNKNOWN, and the repository stays consistent', async () => {
    const name = 'races/manifest';
    const image = await pushImage(berth.app, name, 'v1', { layers: 3 });
    const index = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [{ mediaType: image.mediaType, digest: image.digest, size: image.size }],
    });
    const answers: Response[] = [];
    for (let round = 0; round < 40; round++) {
      const batch = await Promise.all([
        putManifest(berth.app, name, 'v1', image.bytes, image.mediaType),
        berth.app.inject({ method: 'DELETE', url: manifestUrl(name, image.digest) }),
        putManifest(berth.app, name, `t${round % 3}`, image.bytes, image.mediaType),
        berth.app.inject({ method: 'DELETE', url: manifestUrl(name, image.digest) }),
        putManifest(berth.app, name, image.digest, image.bytes, image.mediaType),
        // an index of it: its child may be gone by the time it is stored
        putManifest(berth.app, name, 'index', index, MediaTypes.ociIndex),
        berth.app.inject({ method: 'DELETE', url: manifestUrl(name, digestOf(index)) }),
      ]);
      answers.push(...batch);
      await assertConsistent(name, image.digest);
    }
    const seen = expectOnly(answers, ['201', '202', '404 MANIFEST_UNKNOWN', '400 MANIFEST_BLOB_UNKNOWN'], 'PUT/DELETE');
    assert.ok(
      (seen.get('201') ?? 0) > 0 && (seen.get('202') ?? 0) > 0,
      `both sides won sometimes: ${JSON.stringify([...seen])}`,
    );
    // and the manifest can still be pushed and pulled whole afterwards
    assert.equal((await putManifest(berth.app, name, 'final', image.bytes, image.mediaType)).statusCode, 201);
    const pulled = await berth.app.inject({ url: manifestUrl(name, 'final') });
    assert.equal(pulled.statusCode, 200);
    assert.ok(pulled.rawPayload.equals(image.bytes));
  });
});

describe('DeleteRepository (force) racing pushes', () => {
  test('30 rounds: pushes succeed or are 404 NAME_UNKNOWN (or miss an upload or blob the delete took), the delete succeeds, never a 5xx', async () => {
    const answers: Response[] = [];
    const deletes: Response[] = [];
    for (let round = 0; round < 30; round++) {
      const name = `races/repo${round}`;
      const image = await pushImage(berth.app, name, 'v1');
      const push = async (tag: string): Promise<Response[]> => {
        const data = randomBlob(200);
        const blob = await berth.app.inject({
          method: 'POST',
          url: `/v2/${name}/blobs/uploads/?digest=${digestOf(data)}`,
          headers: { 'content-type': 'application/octet-stream' },
          payload: data,
        });
        const manifest = manifestBytes({
          schemaVersion: 2,
          mediaType: MediaTypes.ociManifest,
          config: image.config,
          layers: [
            ...image.layers,
            { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(data), size: data.length },
          ],
        });
        return [blob, await putManifest(berth.app, name, tag, manifest, MediaTypes.ociManifest)];
      };
      // the delete lands at a different point of the pushes each round
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const [deleted, ...pushes] = await Promise.all([
        pause(round % 6).then(() => callApi(berth.app, 'DeleteRepository', { repositoryName: name, force: true })),
        push('a'),
        push('b'),
        push('c'),
        push('d'),
        push('e'),
        putManifest(berth.app, name, 'v1', image.bytes, image.mediaType).then((res) => [res]),
      ]);
      deletes.push(deleted as Response);
      answers.push(...(pushes as Response[][]).flat());
    }
    for (const res of deletes) assert.equal(res.statusCode, 200, `DeleteRepository: ${res.statusCode} ${res.body}`);
    // A monolithic upload whose session the delete took with the repository: the upload is unknown.
    expectOnly(answers, ['201', '404 NAME_UNKNOWN', '404 BLOB_UPLOAD_UNKNOWN', '400 MANIFEST_BLOB_UNKNOWN'], 'push');
  });
});

describe('DeleteRepository (not forced) racing pushes, where pushes do not create repositories', () => {
  let strict: TestBerth;
  before(async () => {
    strict = await startBerth({ listen: false, settings: { registry: { createRepositoryOnPush: false } } });
  });
  after(() => strict?.close());

  test('30 rounds: the delete succeeds only if no push stored a manifest; else it is RepositoryNotEmptyException and the images stay', async () => {
    const app = strict.berth.app;
    for (let round = 0; round < 30; round++) {
      const name = `races/empty${round}`;
      assert.equal((await callApi(app, 'CreateRepository', { repositoryName: name })).statusCode, 200);
      const blobs = await pushImage(app, name, undefined, { layers: 1 }).catch(() => undefined);
      assert.ok(blobs, 'the first push');
      assert.equal(
        (await app.inject({ method: 'DELETE', url: manifestUrl(name, blobs.digest) })).statusCode,
        202,
        'emptied again',
      );
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const [deleted, ...puts] = await Promise.all([
        pause(round % 4).then(() => callApi(app, 'DeleteRepository', { repositoryName: name })),
        ...['a', 'b', 'c'].map((tag) => putManifest(app, name, tag, blobs.bytes, blobs.mediaType)),
      ]);
      expectOnly(puts, ['201', '404 NAME_UNKNOWN', '400 MANIFEST_BLOB_UNKNOWN'], 'push');
      const stored = puts.filter((res) => res.statusCode === 201).length;
      if (deleted.statusCode === 200) {
        assert.equal(
          stored,
          0,
          `round ${round}: the repository was deleted as empty, yet ${stored} push(es) stored a manifest in it`,
        );
      } else {
        assert.equal(deleted.statusCode, 400, deleted.body);
        assert.match(deleted.body, /RepositoryNotEmptyException/);
        assert.ok(stored > 0);
        assert.equal(
          (await app.inject({ method: 'HEAD', url: manifestUrl(name, blobs.digest) })).statusCode,
          200,
          'its images stay',
        );
      }
    }
  });
});
