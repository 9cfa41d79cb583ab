// Storage-managed encryption with a real client: skopeo pushes an image whose layer spans several
// of the upload path's 1 MiB batches (and ends in a partial one) to a `berth serve` on a declared
// encrypted volume; the layer is stored plain, byte-identical, and skopeo pulls the image back
// byte-identical.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { OciLayout } from '../testing/oci-layout.js';
import { scratchDirs } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';
import { ServedBerth, skopeo } from './support.js';

const NAME = 'e2e/volume';
const scratch = scratchDirs();
let berth: ServedBerth;
let layout: OciLayout;
let image: Descriptor;

before(async () => {
  layout = new OciLayout(scratch.make('berth-volume-layout-'));
  // A layer of random file bytes: about 3.2 MiB once tarred and gzipped.
  image = layout.addImage([3 * 1024 * 1024 + 200 * 1024]);
  layout.tag(image, 'img');
  berth = await ServedBerth.start({
    BERTH_AUTH_MODE: 'iam',
    // Forced: the test machine's temporary directory may be on a plain disk.
    BERTH_STORAGE_FILESYSTEM_ENCRYPTED_VOLUME: 'true',
    BERTH_STORAGE_FILESYSTEM_FORCE_ENCRYPTED_VOLUME: 'true',
  });
});

after(async () => {
  await berth?.close();
  scratch.remove();
});

describe('storage-managed encryption with skopeo', () => {
  it('a pushed layer is stored plain and byte-identical, and pulls back byte-identical', async (t) => {
    if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    await berth.login();
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout.dir}:img`, `docker://${berth.host}/${NAME}:v1`]);

    const manifest = JSON.parse(layout.readBlob(image.digest).toString('utf8')) as {
      config: Descriptor;
      layers: Descriptor[];
    };
    const layer = manifest.layers[0]!;
    assert.ok(layer.size > 3 * 1024 * 1024, `the layer spans several batches (${layer.size} bytes)`);
    const hex = layer.digest.slice('sha256:'.length);
    const dir = join(berth.dataDir, 'storage', 'blobs', 'sha256', hex.slice(0, 2), hex);
    assert.deepEqual(readdirSync(dir), ['store-encrypted'], 'only the plain form is stored');
    assert.ok(readFileSync(join(dir, 'store-encrypted')).equals(layout.readBlob(layer.digest)));

    const out = scratch.make('berth-volume-out-');
    await skopeo(['copy', '--src-tls-verify=false', `docker://${berth.host}/${NAME}:v1`, `oci:${out}:img`]);
    const expected = [image.digest, manifest.config.digest, layer.digest].sort();
    const written = readdirSync(join(out, 'blobs', 'sha256'))
      .map((name) => `sha256:${name}`)
      .sort();
    assert.deepEqual(written, expected);
    for (const digest of written)
      assert.ok(readFileSync(join(out, 'blobs', 'sha256', digest.slice(7))).equals(layout.readBlob(digest)), digest);
  });
});
