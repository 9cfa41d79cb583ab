// A collection of a repository with 10,000 images (BERTH_GC_SCALE_IMAGES), half of them deleted:
// it finishes, frees exactly the deleted images' blobs and links, and leaves every kept image's.
// The images are planted through the metadata port and the driver (pushing 10,000 over HTTP
// would take minutes); the collection runs as the server runs it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Berth } from '../app/berth-api.js';
import { parseDigest } from '../domain/digest.js';
import { blobPath } from '../storage/layout.js';
import { startBerth, type TestBerth } from '../testing/server.js';

const IMAGES = Number(process.env.BERTH_GC_SCALE_IMAGES ?? 10_000);

let server: TestBerth;
let berth: Berth;
before(async () => {
  server = await startBerth({ listen: false, settings: { registry: { trashDays: 0 }, gc: { graceHours: 0 } } });
  berth = server.berth;
});
after(() => server?.close());

const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

test(`a collection of a repository with ${IMAGES} images, half deleted, frees exactly their blobs`, async (t) => {
  const { store, driver } = berth;
  const repository = await store.repositories.ensure(berth.accountId, 'scale/app');
  const base = digestOf('shared base layer');
  await driver.putContent(blobPath(parseDigest(base)), Buffer.from('base'), { durable: false });
  await store.blobs.link(repository.id, base, 4);
  const images: { manifest: string; layer: string }[] = [];
  const started = Date.now() - 60_000;
  for (let i = 0; i < IMAGES; i++) {
    const layer = digestOf(`layer ${i}`);
    await driver.putContent(blobPath(parseDigest(layer)), Buffer.from(`layer ${i}`), { durable: false });
    await store.blobs.link(repository.id, layer, 8);
    const manifest = digestOf(`manifest ${i}`);
    await store.manifests.put(
      {
        repositoryId: repository.id,
        digest: manifest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 100,
        artifactType: null,
        subjectDigest: null,
        annotations: null,
        createdAt: started,
      },
      [base, layer],
      [`v${i}`],
    );
    images.push({ manifest, layer });
  }
  const deleted = images.filter((_, i) => i % 2 === 0);
  for (const image of deleted) assert.ok(await store.manifests.delete(repository.id, image.manifest));
  await new Promise((resolve) => setTimeout(resolve, 5));

  const at = Date.now();
  const report = await berth.gc.collector.collect();
  t.diagnostic(`${IMAGES} images: collected in ${Date.now() - at} ms (${JSON.stringify(report.summary.blobs)})`);
  assert.equal(report.summary.blobs.objects, deleted.length);
  assert.equal(report.summary.links.objects, deleted.length);
  for (const [i, image] of images.entries()) {
    const gone = i % 2 === 0;
    assert.equal(await store.blobs.linkedSize(repository.id, image.layer), gone ? undefined : 8, `layer ${i}`);
    if (i % 97 === 0) {
      const present = await driver.stat(blobPath(parseDigest(image.layer))).then(
        () => true,
        () => false,
      );
      assert.equal(present, !gone, `layer ${i} stored`);
    }
  }
  assert.equal(await store.blobs.linkedSize(repository.id, base), 4, 'the shared base stays');
  const again = await berth.gc.collector.collect();
  assert.equal(again.summary.blobs.objects, 0);
});
