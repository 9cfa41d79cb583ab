// Online garbage collection through the HTTP surface, on the backend of this pass: deletions
// answer at once and the space comes back with the next collection; what is still named stays;
// a dry run frees nothing; the grace period, GC roots, converted manifests, upload leftovers,
// untagged manifests (gc.deleteUntagged), the scheduled job and the totals kept for metering.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { wireGc } from '../app/gc.js';
import type { Berth } from '../app/berth-api.js';
import { parseDigest } from '../domain/digest.js';
import { privateRegistry } from '../domain/registry.js';
import { EMPTY_JSON, MediaTypes } from '../domain/media-types.js';
import { blobPath } from '../storage/layout.js';
import { callApi } from '../testing/api-client.js';
import { manifestUrl } from '../testing/manifest-assertions.js';
import type { Descriptor } from '../domain/manifest.js';
import { pushArtifact, pushImage, pushManifest } from '../testing/registry-client.js';
import { startBerth, type TestBerth } from '../testing/server.js';
import type { GcItem } from './gc.js';

let server: TestBerth;
let berth: Berth;

before(async () => {
  server = await startBerth({ listen: false, settings: { registry: { trashDays: 0 }, gc: { graceHours: 0 } } });
  berth = server.berth;
});
after(() => server?.close());

async function stored(digest: string): Promise<boolean> {
  try {
    await berth.driver.stat(blobPath(parseDigest(digest)));
    return true;
  } catch {
    return false;
  }
}

async function pull(name: string, reference: string, blobs: Descriptor[]): Promise<void> {
  const res = await berth.app.inject({ url: manifestUrl(name, reference) });
  assert.equal(res.statusCode, 200, `${name}:${reference}: ${res.body}`);
  for (const blob of blobs) {
    const got = await berth.app.inject({ url: `/v2/${name}/blobs/${blob.digest}` });
    assert.equal(got.statusCode, 200, `${name} ${blob.digest}: ${got.statusCode}`);
    assert.equal(got.rawPayload.length, blob.size);
  }
}

describe('garbage collection', { concurrency: false }, () => {
  test('DELETE on /v2 and BatchDeleteImage answer at once; the next collection frees what only they named', async () => {
    const name = 'gc/space';
    const a = await pushImage(berth.app, name, 'a', { layers: 2 });
    const b = await pushImage(berth.app, name, 'b', { layers: 1 });
    const c = await pushImage(berth.app, name, 'c', { layers: 1 });
    const shared = await pushImage(berth.app, 'gc/other', 'keep', { layers: 1 });
    const before = await berth.store.gc.freed();

    const deleted = await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, a.digest) });
    assert.equal(deleted.statusCode, 202);
    const batch = await callApi(berth.app, 'BatchDeleteImage', {
      repositoryName: name,
      imageIds: [{ imageDigest: b.digest }],
    });
    assert.equal(batch.statusCode, 200, batch.body);
    assert.deepEqual(batch.json().failures, []);
    // Nothing is freed by the deletions themselves.
    for (const blob of [a.config, ...a.layers, b.config, ...b.layers]) assert.ok(await stored(blob.digest));

    const items: GcItem[] = [];
    const report = await berth.gc.collector.collect({ onItem: (item) => items.push(item) });
    assert.equal(report.dryRun, false);
    for (const blob of [a.config, ...a.layers, b.config, ...b.layers])
      assert.equal(await stored(blob.digest), false, `${blob.digest} freed`);
    for (const m of [a, b]) assert.equal(await stored(m.digest), false, `manifest ${m.digest} freed`);
    const freedBlobs = items.filter((i) => i.kind === 'blobs').map((i) => i.id);
    for (const blob of [a.config, ...a.layers, b.config, ...b.layers]) assert.ok(freedBlobs.includes(blob.digest));
    assert.ok(report.summary.blobs.bytes >= a.layers[0]!.size + a.layers[1]!.size + b.layers[0]!.size);
    assert.ok(report.summary.manifests.objects >= 2);
    assert.ok(report.summary.links.objects >= 5);
    // What is still named stays, in full.
    await pull(name, 'c', [c.config, ...c.layers]);
    await pull('gc/other', 'keep', [shared.config, ...shared.layers]);
    // The running total grew by what this collection freed.
    const total = await berth.store.gc.freed();
    assert.equal(total.blobs!.bytes - (before.blobs?.bytes ?? 0), report.summary.blobs.bytes);
    assert.equal(total.blobs!.objects - (before.blobs?.objects ?? 0), report.summary.blobs.objects);
  });

  test('a blob shared with an image that stays is kept; its link in the other repository goes', async () => {
    const image = await pushImage(berth.app, 'gc/shared-a', 'v1', { layers: 1 });
    // The same layer mounted into another repository, then that repository's only image deleted.
    const mount = await berth.app.inject({
      method: 'POST',
      url: `/v2/gc/shared-b/blobs/uploads/?mount=${image.layers[0]!.digest}&from=gc/shared-a`,
    });
    assert.equal(mount.statusCode, 201, mount.body);
    await new Promise((resolve) => setTimeout(resolve, 5)); // older than the grace of 0 ms
    await berth.gc.collector.collect();
    assert.equal(
      (await berth.app.inject({ method: 'HEAD', url: `/v2/gc/shared-b/blobs/${image.layers[0]!.digest}` })).statusCode,
      404,
      'the unnamed link is collected',
    );
    await pull('gc/shared-a', 'v1', [image.config, ...image.layers]);
  });

  test('a dry run lists what would be freed and frees nothing', async () => {
    const name = 'gc/dry';
    const image = await pushImage(berth.app, name, 'v1', { layers: 2 });
    assert.equal((await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, image.digest) })).statusCode, 202);
    const listed: GcItem[] = [];
    const dry = await berth.gc.collector.collect({ dryRun: true, onItem: (item) => listed.push(item) });
    assert.equal(dry.dryRun, true);
    for (const blob of [image.config, ...image.layers]) {
      assert.ok(
        listed.some((i) => i.kind === 'blobs' && i.id === blob.digest),
        `${blob.digest} would be freed`,
      );
      assert.ok(await stored(blob.digest), 'still stored after the dry run');
    }
    assert.ok(listed.some((i) => i.kind === 'manifests' && i.id === image.digest));
    assert.ok(await stored(image.digest));
    const freed: GcItem[] = [];
    await berth.gc.collector.collect({ onItem: (item) => freed.push(item) });
    for (const item of listed.filter((i) => i.kind === 'blobs' || i.kind === 'manifests'))
      assert.ok(
        freed.some((f) => f.kind === item.kind && f.id === item.id),
        `${item.kind} ${item.id} freed`,
      );
  });

  test('nothing younger than the grace period is freed; the same collection later frees it', async () => {
    const name = 'gc/grace';
    const image = await pushImage(berth.app, name, 'v1', { layers: 1 });
    assert.equal((await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, image.digest) })).statusCode, 202);
    let now = Date.now();
    const config = { ...berth.config, gc: { ...berth.config.gc, graceHours: 1 } };
    const { collector } = wireGc(config, berth.store, berth.driver, [], () => now);
    await collector.collect();
    for (const blob of [image.config, ...image.layers, image]) assert.ok(await stored(blob.digest));
    now += 2 * 3_600_000;
    await collector.collect();
    for (const blob of [image.config, ...image.layers, image]) assert.equal(await stored(blob.digest), false);
  });

  test('GC roots keep what they name', async () => {
    const name = 'gc/roots';
    const image = await pushImage(berth.app, name, 'v1', { layers: 1 });
    assert.equal((await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, image.digest) })).statusCode, 202);
    const trash = {
      name: 'trash',
      async *digests() {
        yield image.digest;
        yield image.layers[0]!.digest;
      },
    };
    const { collector } = wireGc(berth.config, berth.store, berth.driver, [trash]);
    const report = await collector.collect();
    assert.equal(report.roots.trash, 2);
    assert.ok(await stored(image.digest));
    assert.ok(await stored(image.layers[0]!.digest));
    assert.equal(await stored(image.config.digest), false);
  });

  test('the well-known empty blob Berth links itself is never freed', async () => {
    const name = 'gc/artifacts';
    const artifact = await pushArtifact(berth.app, name, 'sbom', 'application/vnd.example.sbom');
    assert.equal(
      (await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, artifact.digest) })).statusCode,
      202,
    );
    await berth.gc.collector.collect();
    assert.ok(await stored(EMPTY_JSON.digest));
    await pushArtifact(berth.app, name, 'sbom2', 'application/vnd.example.sbom');
    await pull(name, 'sbom2', [{ mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size }]);
  });

  test('converted manifests go with their source', async () => {
    const name = 'gc/converted';
    const image = await pushImage(berth.app, name, 'v1', { docker: true, layers: 1 });
    const converted = await berth.app.inject({
      url: manifestUrl(name, 'v1'),
      headers: { accept: MediaTypes.ociManifest },
    });
    assert.equal(converted.statusCode, 200, converted.body);
    assert.equal(converted.headers['content-type'], MediaTypes.ociManifest);
    const conversion = converted.headers['docker-content-digest'] as string;
    assert.notEqual(conversion, image.digest);
    assert.ok(await stored(conversion));
    await berth.gc.collector.collect();
    assert.ok(await stored(conversion), 'kept while its source is there');
    assert.equal((await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, image.digest) })).statusCode, 202);
    await berth.gc.collector.collect();
    assert.equal(await stored(conversion), false);
    assert.equal(await stored(image.digest), false);
  });

  test('upload bytes no session owns are removed; an upload in progress stays', async () => {
    const root = join(server.dataDir, 'storage', 'uploads');
    const leftover = randomUUID();
    mkdirSync(join(root, leftover), { recursive: true });
    writeFileSync(join(root, leftover, 'data'), Buffer.alloc(4096, 7));
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(root, leftover, 'data'), old, old);
    const started = await berth.app.inject({ method: 'POST', url: '/v2/gc/uploads/blobs/uploads/' });
    assert.equal(started.statusCode, 202);
    const location = started.headers.location as string;
    const live = location.split('/').pop()!;
    const patch = await berth.app.inject({
      method: 'PATCH',
      url: location,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(1000, 1),
    });
    assert.equal(patch.statusCode, 202);
    for (const file of ['data', 'tail', 'repair']) {
      try {
        utimesSync(join(root, live, file), old, old);
      } catch {
        // not every upload has every file
      }
    }
    const items: GcItem[] = [];
    await berth.gc.collector.collect({ onItem: (item) => items.push(item) });
    assert.deepEqual(
      items.filter((i) => i.kind === 'uploads'),
      [{ kind: 'uploads', id: leftover, bytes: 4096 }],
    );
    assert.equal((await berth.app.inject({ url: location })).statusCode, 204, 'the live upload is still there');
  });

  test('untagged manifests are lifecycle’s by default; gc.deleteUntagged deletes those nothing needs', async () => {
    const name = 'gc/untagged';
    const untagged = await pushImage(berth.app, name, undefined, { layers: 1 });
    const child = await pushImage(berth.app, name, undefined, { layers: 1 });
    await pushManifest(
      berth.app,
      name,
      'multi',
      {
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [{ mediaType: child.mediaType, digest: child.digest, size: child.size }],
      },
      MediaTypes.ociIndex,
    );
    await berth.gc.collector.collect();
    assert.equal((await berth.app.inject({ method: 'HEAD', url: manifestUrl(name, untagged.digest) })).statusCode, 200);
    const config = { ...berth.config, gc: { ...berth.config.gc, deleteUntagged: true } };
    const report = await wireGc(config, berth.store, berth.driver).collector.collect();
    assert.ok(report.summary.untagged.objects >= 1);
    assert.equal((await berth.app.inject({ method: 'HEAD', url: manifestUrl(name, untagged.digest) })).statusCode, 404);
    assert.equal(await stored(untagged.layers[0]!.digest), false);
    await pull(name, child.digest, [child.config, ...child.layers]);
  });

  test('the scheduled job collects', async () => {
    const image = await pushImage(berth.app, 'gc/job', 'v1', { layers: 1 });
    assert.equal(
      (await berth.app.inject({ method: 'DELETE', url: manifestUrl('gc/job', image.digest) })).statusCode,
      202,
    );
    const { store, scheduler } = berth;
    // Make the job due now: lease it as if the interval had passed, and record a run due at 0.
    const later = Date.now() + 30 * 3_600_000;
    const seen = new Set<string>();
    for (;;) {
      const claimed = await store.jobs.claim('test', later, later + 1);
      if (!claimed) break;
      await store.jobs.complete(claimed, 'test', 0, claimed === 'garbage-collection' ? 0 : later + 3_600_000, null);
      if (seen.has(claimed)) break;
      seen.add(claimed);
    }
    assert.ok((await scheduler.tick()).includes('garbage-collection'));
    assert.equal(await stored(image.layers[0]!.digest), false);
  });
});

describe('garbage collection and the trash', { concurrency: false }, () => {
  let trashing: TestBerth;
  before(async () => {
    trashing = await startBerth({ listen: false, settings: { registry: { trashDays: 1 }, gc: { graceHours: 0 } } });
  });
  after(() => trashing?.close());

  test('a deleted image in the trash keeps its blobs until the window ends; then a collection frees them', async () => {
    const { berth: b } = trashing;
    const name = 'gc/trashed';
    const image = await pushImage(b.app, name, 'v1', { layers: 2 });
    const deleted = await b.app.inject({ method: 'DELETE', url: manifestUrl(name, image.digest) });
    assert.equal(deleted.statusCode, 202);
    const held = async (digest: string) => {
      try {
        await b.driver.stat(blobPath(parseDigest(digest)));
        return true;
      } catch {
        return false;
      }
    };
    await b.gc.collector.collect();
    for (const blob of [image.config, ...image.layers]) assert.ok(await held(blob.digest), `${blob.digest} kept`);
    assert.ok(await held(image.digest), 'the manifest bytes kept');
    // Restorable, byte for byte, after the collection.
    const restored = await b.services.trash.restore(privateRegistry(b.accountId), name, image.digest);
    assert.deepEqual(restored.restored, [image.digest]);
    const pulled = await b.app.inject({ url: manifestUrl(name, 'v1') });
    assert.ok(pulled.rawPayload.equals(image.bytes));

    // Deleted again, and the window over: the next collection frees it.
    assert.equal((await b.app.inject({ method: 'DELETE', url: manifestUrl(name, image.digest) })).statusCode, 202);
    assert.equal(await b.services.trash.purge(Date.now() + 2 * 24 * 3_600_000), 1);
    await b.gc.collector.collect();
    for (const blob of [image.config, ...image.layers]) assert.equal(await held(blob.digest), false);
  });

  test('gc.deleteUntagged goes through protection and the trash like every other deletion', async () => {
    const { berth: b } = trashing;
    const config = { ...b.config, gc: { ...b.config.gc, deleteUntagged: true } };
    const collector = wireGc(config, b.store, b.driver).collector;
    const loose = await pushImage(b.app, 'gc/untagged-trash', undefined, { layers: 1 });
    const guarded = await pushImage(b.app, 'gc/untagged-protected', undefined, { layers: 1 });
    await b.services.protections.add(b.accountId, 'gc/untagged-protected', undefined);

    const report = await collector.collect();
    assert.equal(report.summary.untagged.objects, 1, 'only the unprotected one');
    const head = (name: string, digest: string) =>
      b.app.inject({ method: 'HEAD', url: manifestUrl(name, digest) }).then((r) => r.statusCode);
    assert.equal(await head('gc/untagged-protected', guarded.digest), 200, 'a protected repository keeps it');
    assert.equal(await head('gc/untagged-trash', loose.digest), 404);
    const entries = await b.services.trash.list(privateRegistry(b.accountId), 'gc/untagged-trash');
    assert.deepEqual(
      entries.map((e) => [e.manifest.digest, e.deletedBy]),
      [[loose.digest, 'gc:untagged']],
    );
    // Its blobs outlive the collection, and it comes back byte for byte.
    await b.services.trash.restore(privateRegistry(b.accountId), 'gc/untagged-trash', loose.digest);
    const pulled = await b.app.inject({ url: manifestUrl('gc/untagged-trash', loose.digest) });
    assert.ok(pulled.rawPayload.equals(loose.bytes));
    for (const blob of loose.layers) {
      const got = await b.app.inject({ url: `/v2/gc/untagged-trash/blobs/${blob.digest}` });
      assert.equal(got.statusCode, 200);
      assert.equal(got.rawPayload.length, blob.size);
    }
    await b.services.protections.remove(b.accountId, 'gc/untagged-protected', undefined);
  });
});
