// Berth on S3 storage (s3rver on loopback, or the store BERTH_TEST_S3_* names), as `berth serve`
// children configured by BERTH_STORAGE_* variables: skopeo pushes and pulls byte-identical
// images, nothing lands on local disk, a chunked upload continues on another node, downloads
// stream with flat memory, /readyz notices a store that is gone, and the bucket holds ciphertext
// only (Berth encrypts above the driver, so it never hands out pre-signed URLs).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { peakRssDuring } from '../bench/workloads.js';
import type { Descriptor } from '../domain/manifest.js';
import { apiPushImage, ecrClient } from '../testing/ecr.js';
import { OciLayout } from '../testing/oci-layout.js';
import { dropPostgresDatabaseFor, postgresDatabaseFor, requirePostgres } from '../testing/postgres.js';
import { createS3Client } from '../storage/s3-client.js';
import { berthS3Env, startS3, type TestS3 } from '../testing/s3.js';
import { freePort, spawnBerth, tempDir, type ChildBerth } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';
import { send, skopeo } from './support.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface Manifest {
  config: Descriptor;
  layers: Descriptor[];
}

let layout: OciLayout;
let image: Descriptor;
const scratch: string[] = [];

before(() => {
  layout = new OciLayout(tempDir('berth-s3-layout-'));
  // A layer over two parts of 5 MiB: an upload of several segments, assembled by a multipart copy.
  image = layout.addImage([1024, 12 * MiB, 16 * 1024]);
  layout.tag(image, 'img');
  scratch.push(layout.dir);
});

after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function layersOf(digest: string): Descriptor[] {
  const manifest = JSON.parse(layout.readBlob(digest).toString('utf8')) as Manifest;
  return [manifest.config, ...manifest.layers];
}

async function pullAndCompare(host: string, reference: string): Promise<void> {
  const out = tempDir('berth-s3-pull-');
  scratch.push(out);
  await skopeo(['copy', '--src-tls-verify=false', `docker://${host}/${reference}`, `oci:${out}:img`]);
  const files = readdirSync(join(out, 'blobs', 'sha256'));
  for (const blob of layersOf(image.digest)) assert.ok(files.includes(blob.digest.slice(7)), `pulled ${blob.digest}`);
  for (const file of files) {
    assert.deepEqual(
      readFileSync(join(out, 'blobs', 'sha256', file)),
      layout.readBlob(`sha256:${file}`),
      `blob ${file} is byte-identical`,
    );
  }
}

describe('Berth on S3 storage', { concurrency: false }, () => {
  let s3: TestS3;
  let berth: ChildBerth;
  let dataDir: string;

  before(async () => {
    s3 = await startS3();
    dataDir = tempDir('berth-s3-data-');
    scratch.push(dataDir);
    berth = await spawnBerth(dataDir, await freePort(), berthS3Env(s3.settings));
  });

  after(async () => {
    await berth?.stop();
    await s3?.close();
  });

  it('takes a skopeo push into the bucket and gives it back byte-identical, with nothing on local disk', async (t) => {
    if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    const host = berth.url.replace('http://', '');
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout.dir}:img`, `docker://${host}/team/app:v1`]);
    const keys = await s3.keys();
    for (const blob of [image, ...layersOf(image.digest)]) {
      assert.ok(
        keys.includes(`${s3.settings.prefix}/blobs/sha256/${blob.digest.slice(7, 9)}/${blob.digest.slice(7)}/data`),
        `${blob.digest} is an object`,
      );
    }
    assert.deepEqual(
      keys.filter((k) => !k.startsWith(`${s3.settings.prefix}/blobs/`)),
      [],
      'no upload or segment is left',
    );
    assert.equal(existsSync(join(dataDir, 'storage')), false, 'no blob directory on local disk');
    assert.deepEqual(readdirSync(s3.settings.bufferDir), [], 'no part buffer is left');
    // Every object is sealed: no manifest JSON, no window of any layer's plaintext.
    const client = createS3Client(s3.settings);
    for (const blob of [image, ...layersOf(image.digest)]) {
      const key = `${s3.settings.prefix}/blobs/sha256/${blob.digest.slice(7, 9)}/${blob.digest.slice(7)}/data`;
      const stored = Buffer.from(
        await (
          await client.send(new GetObjectCommand({ Bucket: s3.settings.bucket, Key: key }))
        ).Body!.transformToByteArray(),
      );
      const plain = layout.readBlob(blob.digest);
      assert.ok(stored.length > plain.length, `${blob.digest} is stored with its header and tags`);
      assert.equal(stored.includes('"mediaType"'), false, `${blob.digest} holds no manifest JSON`);
      const window = plain.subarray(
        Math.floor(plain.length / 2),
        Math.floor(plain.length / 2) + Math.min(64, plain.length),
      );
      assert.equal(stored.includes(window), false, `${blob.digest} holds no plaintext`);
    }
    client.destroy();
    await pullAndCompare(host, 'team/app:v1');
    // GetDownloadUrlForLayer's URL is Berth's, which decrypts what it streams from the bucket.
    const layer = layersOf(image.digest)[2]!;
    const { downloadUrl } = await ecrClient(berth.url).send(
      new GetDownloadUrlForLayerCommand({ repositoryName: 'team/app', layerDigest: layer.digest }),
    );
    assert.ok(downloadUrl!.startsWith(`${berth.url}/layers/`), downloadUrl);
    const ranged = await fetch(downloadUrl!, { headers: { range: 'bytes=5242870-5242889' } });
    assert.equal(ranged.status, 206);
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(layout.readBlob(layer.digest).subarray(5242870, 5242890)));
  });

  it('streams a 384 MiB blob in and out with memory far below its size', async (t) => {
    const blob = Buffer.alloc(384 * MiB);
    for (let at = 0; at < blob.length; at += 4096) blob.writeUInt32BE(at, at);
    const digest = sha256(blob);
    const pid = berth.process.pid!;
    const upload = await peakRssDuring(pid, async () => {
      const started = Date.now();
      const res = await send('POST', `${berth.url}/v2/team/big/blobs/uploads/?digest=${digest}`, {
        body: blob,
        piece: MiB,
        timeoutMs: 300_000,
      });
      assert.equal(res.status, 201, res.body.toString());
      return (Date.now() - started) / 1000;
    });
    const download = await peakRssDuring(pid, async () => {
      const started = Date.now();
      const res = await fetch(`${berth.url}/v2/team/big/blobs/${digest}`);
      assert.equal(res.status, 200);
      const hash = createHash('sha256');
      for await (const part of res.body!) hash.update(part);
      assert.equal(`sha256:${hash.digest('hex')}`, digest);
      return (Date.now() - started) / 1000;
    });
    for (const [what, rss] of [
      ['upload', upload],
      ['download', download],
    ] as const) {
      const grew = rss.peakMiB - rss.baselineMiB;
      t.diagnostic(
        `${what}: ${(384 / rss.seconds).toFixed(0)} MiB/s, peak RSS ${rss.peakMiB.toFixed(0)} MiB from ${rss.baselineMiB.toFixed(0)} MiB`,
      );
      assert.ok(grew < 192, `${what}: resident memory grew by ${grew.toFixed(0)} MiB for a 384 MiB blob`);
    }
  });

  it('signs with the AWS SDK default chain (here AWS_* variables) when no key is configured', async () => {
    const withKey = async (accessKeyId: string) => {
      const dir = tempDir('berth-s3-chain-');
      scratch.push(dir);
      const env = berthS3Env(
        { ...s3.settings, accessKeyId: '', secretAccessKey: '' },
        { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: 'S3RVER' },
      );
      const node = await spawnBerth(dir, await freePort(), env);
      try {
        return (await fetch(`${node.url}/readyz`)).status;
      } finally {
        await node.stop();
      }
    };
    assert.equal(await withKey(s3.settings.accessKeyId), 200);
    assert.equal(await withKey('AKIAUNKNOWNUNKNOWN00'), 503, 'a key the store refuses makes the node unready');
  });

  it('answers /readyz 200 with the store up and 503 when it is gone', async () => {
    const ready = await fetch(`${berth.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { database: true, storage: true });
    // A bucket that does not exist is no more ready than an unreachable store.
    const wrongDir = tempDir('berth-s3-nobucket-');
    scratch.push(wrongDir);
    const wrong = await spawnBerth(
      wrongDir,
      await freePort(),
      berthS3Env({ ...s3.settings, bucket: 'no-such-bucket' }),
    );
    try {
      const res = await fetch(`${wrong.url}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { database: true, storage: false });
    } finally {
      await wrong.stop();
    }
    await s3.stop();
    const gone = await fetch(`${berth.url}/readyz`);
    assert.equal(gone.status, 503);
    assert.deepEqual(await gone.json(), { database: true, storage: false });
  });
});

describe('a chunked upload on S3 across two nodes', () => {
  it('continues on node B what node A stored, and completes on B after A appended again', async (t) => {
    if (!requirePostgres(t)) return;
    const s3 = await startS3();
    const dataDir = tempDir('berth-s3-nodes-');
    const key = `s3-nodes-${dataDir}`;
    const url = await postgresDatabaseFor(key);
    // Separate data dirs, as separate machines have: the master key must be given to both.
    const env = berthS3Env(s3.settings, {
      BERTH_METADATA_URL: url,
      BERTH_KEYS_MASTER_KEY: randomBytes(32).toString('hex'),
    });
    const nodes: ChildBerth[] = [];
    try {
      nodes.push(await spawnBerth(dataDir, await freePort(), { ...env, BERTH_NODE_ID: 'a' }));
      const dataDirB = tempDir('berth-s3-node-b-');
      scratch.push(dataDirB);
      nodes.push(await spawnBerth(dataDirB, await freePort(), { ...env, BERTH_NODE_ID: 'b' }));
      const [a, b] = nodes as [ChildBerth, ChildBerth];
      // 3 + 4 + 2 MiB: B continues A's short last segment and ends past a part; A finishes.
      const body = Buffer.concat([3 * MiB, 4 * MiB, 2 * MiB + 17].map((size, i) => Buffer.alloc(size, i + 1)));
      const digest = sha256(body);
      let location = (await fetch(`${a.url}/v2/team/chunks/blobs/uploads/`, { method: 'POST' })).headers.get(
        'location',
      )!;
      let offset = 0;
      for (const [i, size] of [3 * MiB, 4 * MiB, 2 * MiB + 17].entries()) {
        const node = i === 1 ? b : a;
        const res = await fetch(`${node.url}${location}`, {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + size - 1}` },
          body: body.subarray(offset, offset + size),
        });
        assert.equal(res.status, 202, `chunk ${i}: ${await res.text()}`);
        offset += size;
        assert.equal(res.headers.get('range'), `0-${offset - 1}`);
        location = res.headers.get('location')!;
      }
      const done = await fetch(`${b.url}${location}?digest=${digest}`, { method: 'PUT' });
      assert.equal(done.status, 201, await done.text());
      for (const node of nodes) {
        const res = await fetch(`${node.url}/v2/team/chunks/blobs/${digest}`);
        assert.equal(sha256(Buffer.from(await res.arrayBuffer())), digest);
      }
      assert.deepEqual(
        (await s3.keys()).filter((k) => !k.startsWith(`${s3.settings.prefix}/blobs/`)),
        [],
        'no upload or segment is left',
      );
    } finally {
      for (const node of nodes) await node.stop();
      await s3.close();
      rmSync(dataDir, { recursive: true, force: true });
      await dropPostgresDatabaseFor(key);
    }
  });
});

describe('Berth on S3 storage: layers pushed through the ECR API', { concurrency: false }, () => {
  let s3: TestS3;
  let berth: ChildBerth;

  before(async () => {
    s3 = await startS3();
    const dataDir = tempDir('berth-s3-api-');
    scratch.push(dataDir);
    berth = await spawnBerth(dataDir, await freePort(), berthS3Env(s3.settings));
  });

  after(async () => {
    await berth?.stop();
    await s3?.close();
  });

  it("takes an image pushed in layer parts of 5 MiB + 1 KiB and serves the layer at Berth's own URL", async () => {
    const client = ecrClient(berth.url);
    // Parts no smaller than ECR's 5 MiB but the last, and of an odd size: 3 UploadLayerPart
    // calls, each continuing the short last segment the one before left.
    const partSize = 5 * MiB + 1024;
    const layer = randomBytes(2 * partSize + 3);
    const pushed = await apiPushImage(client, 'team/api', { tag: 'v1', layers: [layer], partSize });
    const { downloadUrl } = await client.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: 'team/api', layerDigest: pushed.layers[0]!.digest }),
    );
    assert.ok(downloadUrl!.startsWith(`${berth.url}/layers/`), downloadUrl);
    assert.ok(Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer()).equals(layer));
    assert.deepEqual(
      (await s3.keys()).filter((k) => !k.startsWith(`${s3.settings.prefix}/blobs/`)),
      [],
      'no upload or segment is left',
    );
  });
});
