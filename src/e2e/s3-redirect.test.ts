// A redirect deployment (storage.s3.redirect with server-side encryption) on s3rver, behind a
// proxy that records every request Berth makes of the store: blob GETs of AES256 repositories
// answer 307 to a pre-signed URL of the store-encrypted object, GetDownloadUrlForLayer hands out
// such URLs, skopeo pulls through them, KMS repositories keep Berth's sealed form (and stop
// serving when their key is disabled), and every store-encrypted object was written with SSE.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateRepositoryCommand, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Descriptor } from '../domain/manifest.js';
import { createS3Client } from '../storage/s3-client.js';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { apiPushImage, ecrClient } from '../testing/ecr.js';
import { callApi } from '../testing/api-client.js';
import { debianLayers, pushLayeredImage } from '../testing/scan-images.js';
import { callKms } from '../testing/kms.js';
import { OciLayout } from '../testing/oci-layout.js';
import { startS3, type TestS3 } from '../testing/s3.js';
import { recordingProxy, type RecordingProxy } from '../testing/recording-proxy.js';
import { dropPostgresDatabaseFor, testBackend } from '../testing/postgres.js';
import { startBerth, tempDir, type TestBerth } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';
import { skopeo } from './support.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const scratch: string[] = [];

interface Manifest {
  config: Descriptor;
  layers: Descriptor[];
}

describe('Berth on S3 with pre-signed redirects', { concurrency: false }, () => {
  let s3: TestS3;
  let recorder: RecordingProxy;
  let server: TestBerth;
  let layout: OciLayout;
  let image: Descriptor;
  let blobs: Descriptor[];
  let host: string;
  let kmsKeyId: string;
  let dataDir: string;
  let s3Settings: Record<string, unknown>;

  const objectKey = (digest: string, form: 'data' | 'store-encrypted') =>
    `${s3.settings.prefix}/blobs/sha256/${digest.slice(7, 9)}/${digest.slice(7)}/${form}`;

  before(async () => {
    s3 = await startS3();
    recorder = await recordingProxy(s3.settings.endpoint);
    const { endpoint: _, serverSideEncryption: __, ...settings } = s3.settings;
    s3Settings = { ...settings, endpoint: recorder.url, serverSideEncryption: 'AES256' };
    // Its own data dir, kept across the restart of the last test.
    dataDir = tempDir('berth-redirect-data-');
    server = await startBerth({
      dataDir,
      settings: { storage: { driver: 's3', s3: { ...s3Settings, redirect: true, redirectExpirySeconds: 600 } } },
    });
    host = server.url.replace('http://', '');
    layout = new OciLayout(tempDir('berth-redirect-layout-'));
    scratch.push(layout.dir);
    // A layer over two 5 MiB parts: a store-encrypted upload of several segments, assembled by a multipart copy.
    image = layout.addImage([1024, 12 * MiB, 16 * 1024]);
    layout.tag(image, 'img');
    const manifest = JSON.parse(layout.readBlob(image.digest).toString('utf8')) as Manifest;
    blobs = [manifest.config, ...manifest.layers];
    const key = await callKms(server.berth.app, 'CreateKey', { Description: 'redirect test' });
    assert.equal(key.status, 200, JSON.stringify(key.body));
    kmsKeyId = key.body.KeyMetadata.Arn as string;
  });

  after(async () => {
    await server?.close();
    await recorder?.close();
    await s3?.close();
    if (dataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
    }
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it("stores an AES256 repository's push store-encrypted and redirects its blob GETs to the store", async (t) => {
    if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout.dir}:img`, `docker://${host}/team/app:v1`]);
    const keys = await s3.keys();
    for (const blob of blobs) {
      assert.ok(keys.includes(objectKey(blob.digest, 'store-encrypted')), `${blob.digest} is stored store-encrypted`);
      assert.ok(
        !keys.includes(objectKey(blob.digest, 'data')),
        `${blob.digest} has no sealed form (no KMS repository linked it)`,
      );
    }
    assert.ok(keys.includes(objectKey(image.digest, 'data')), 'the manifest stays sealed by Berth');
    assert.deepEqual(
      keys.filter((k) => !k.startsWith(`${s3.settings.prefix}/blobs/`)),
      [],
      'no upload or segment is left',
    );

    const layer = blobs[2]!;
    const plain = layout.readBlob(layer.digest);
    const res = await fetch(`${server.url}/v2/team/app/blobs/${layer.digest}`, { redirect: 'manual' });
    assert.equal(res.status, 307);
    // Metering counts a redirect as the blob's size served: the client fetches it from the store.
    await server.berth.metering.counter?.flush();
    const served = await server.berth.store.metering.transfer({ from: 0, to: Date.now() + 3_600_000 });
    assert.equal(
      served.filter((c) => c.repositoryName === 'team/app').reduce((n, c) => n + c.bytes, 0),
      plain.length,
      'transfer out counted',
    );
    const location = res.headers.get('location')!;
    assert.ok(
      location.startsWith(`${recorder.url}/${s3.settings.bucket}/${objectKey(layer.digest, 'store-encrypted')}?`),
      location,
    );
    const query = new URL(location).searchParams;
    assert.equal(query.get('X-Amz-Expires'), '600');
    assert.ok(query.get('X-Amz-Signature'));
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.ok(Buffer.from(await (await fetch(location)).arrayBuffer()).equals(plain), 'the URL serves the exact bytes');
    const ranged = await fetch(location, { headers: { range: 'bytes=5242870-5242889' } });
    assert.equal(ranged.status, 206);
    assert.ok(
      Buffer.from(await ranged.arrayBuffer()).equals(plain.subarray(5242870, 5242890)),
      "Range is the store's business",
    );
    // HEAD is still Berth's.
    const head = await fetch(`${server.url}/v2/team/app/blobs/${layer.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(plain.length));
    assert.equal(head.headers.get('docker-content-digest'), layer.digest);
    // Authorization comes first: an unknown repository gets no URL.
    const unknown = await fetch(`${server.url}/v2/team/other/blobs/${layer.digest}`, { redirect: 'manual' });
    assert.equal(unknown.status, 404);
  });

  it('has the store refuse an expired URL of the same kind', async () => {
    const layer = blobs[2]!;
    const client = createS3Client({ ...s3.settings, endpoint: recorder.url });
    const expired = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: s3.settings.bucket, Key: objectKey(layer.digest, 'store-encrypted') }),
      { expiresIn: 60, signingDate: new Date(Date.now() - 3600 * 1000) },
    );
    client.destroy();
    const res = await fetch(expired);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /Request has expired/);
  });

  it('copies the image out with skopeo through the redirects, byte-identical', async (t) => {
    if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    const before = recorder.exchanges.length;
    const out = tempDir('berth-redirect-pull-');
    scratch.push(out);
    await skopeo(['copy', '--src-tls-verify=false', `docker://${host}/team/app:v1`, `oci:${out}:img`]);
    const files = readdirSync(join(out, 'blobs', 'sha256'));
    for (const blob of blobs) assert.ok(files.includes(blob.digest.slice(7)), `pulled ${blob.digest}`);
    for (const file of files)
      assert.ok(
        readFileSync(join(out, 'blobs', 'sha256', file)).equals(layout.readBlob(`sha256:${file}`)),
        `blob ${file} is byte-identical`,
      );
    const presigned = recorder.exchanges
      .slice(before)
      .filter((r) => r.method === 'GET' && r.url.includes('X-Amz-Signature='));
    assert.ok(
      presigned.length >= 3,
      `skopeo fetched the blobs from the store itself (${presigned.length} pre-signed GETs)`,
    );
  });

  it('answers GetDownloadUrlForLayer with a pre-signed URL that downloads the layer', async () => {
    const layer = blobs[2]!;
    const { downloadUrl } = await ecrClient(server.url).send(
      new GetDownloadUrlForLayerCommand({ repositoryName: 'team/app', layerDigest: layer.digest }),
    );
    assert.ok(downloadUrl!.startsWith(`${recorder.url}/`), downloadUrl);
    assert.ok(Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer()).equals(layout.readBlob(layer.digest)));
  });

  it("keeps a KMS repository on Berth's sealed form: readable by both, unreadable with its key disabled", async (t) => {
    if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    const client = ecrClient(server.url);
    await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'team/secret',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: kmsKeyId },
      }),
    );
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout.dir}:img`, `docker://${host}/team/secret:v1`]);
    const layer = blobs[2]!;
    const keys = await s3.keys();
    for (const blob of blobs)
      assert.ok(keys.includes(objectKey(blob.digest, 'data')), `${blob.digest} has a sealed form too`);
    const sealed = await fetch(`${server.url}/v2/team/secret/blobs/${layer.digest}`, { redirect: 'manual' });
    assert.equal(sealed.status, 200, 'a KMS repository streams through Berth');
    assert.ok(Buffer.from(await sealed.arrayBuffer()).equals(layout.readBlob(layer.digest)));
    const { downloadUrl } = await client.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: 'team/secret', layerDigest: layer.digest }),
    );
    assert.ok(downloadUrl!.startsWith(`${server.url}/layers/`), `Berth's own URL for sealed bytes: ${downloadUrl}`);
    assert.equal(
      (await fetch(`${server.url}/v2/team/app/blobs/${layer.digest}`, { redirect: 'manual' })).status,
      307,
      'the AES256 repository still redirects',
    );

    assert.equal((await callKms(server.berth.app, 'DisableKey', { KeyId: kmsKeyId })).status, 200);
    const disabled = await fetch(`${server.url}/v2/team/secret/blobs/${layer.digest}`, { redirect: 'manual' });
    assert.ok(disabled.status >= 400 && disabled.status !== 404, `refused with the key disabled: ${disabled.status}`);
    assert.match(await disabled.text(), /KMS|disabled/i);
    assert.equal((await callKms(server.berth.app, 'EnableKey', { KeyId: kmsKeyId })).status, 200);
    assert.equal((await fetch(`${server.url}/v2/team/secret/blobs/${layer.digest}`)).status, 200);
  });

  it('seals a blob stored only store-encrypted when a KMS repository mounts it', async () => {
    const client = ecrClient(server.url);
    const bytes = randomBytes(3 * MiB);
    const digest = sha256(bytes);
    const put = await fetch(`${server.url}/v2/team/app/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(put.status, 201);
    assert.ok(!(await s3.keys()).includes(objectKey(digest, 'data')), 'store-encrypted only');
    await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'team/mounted',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: kmsKeyId },
      }),
    );
    const mount = await fetch(`${server.url}/v2/team/mounted/blobs/uploads/?mount=${digest}&from=team/app`, {
      method: 'POST',
    });
    assert.equal(mount.status, 201, 'mounted');
    assert.ok((await s3.keys()).includes(objectKey(digest, 'data')), 'the sealed form was made for the KMS repository');
    const read = await fetch(`${server.url}/v2/team/mounted/blobs/${digest}`, { redirect: 'manual' });
    assert.equal(read.status, 200);
    assert.equal(sha256(Buffer.from(await read.arrayBuffer())), digest);
  });

  it('takes a chunked store-encrypted upload, reporting its progress, and redirects to the result', async () => {
    const body = randomBytes(6 * MiB + 11);
    const digest = sha256(body);
    let location = (await fetch(`${server.url}/v2/team/app/blobs/uploads/`, { method: 'POST' })).headers.get(
      'location',
    )!;
    for (const [start, end] of [
      [0, 6 * MiB - 1],
      [6 * MiB, body.length - 1],
    ] as const) {
      const res = await fetch(`${server.url}${location}`, {
        method: 'PATCH',
        body: body.subarray(start, end + 1),
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end}` },
      });
      assert.equal(res.status, 202, await res.text());
      location = res.headers.get('location')!;
      const status = await fetch(`${server.url}${location}`);
      assert.equal(status.headers.get('range'), `0-${end}`);
    }
    assert.ok(
      (await s3.keys()).some((k) => k.includes('/uploads/') && k.includes('/store-encrypted~')),
      'the upload is a chain of plain segments',
    );
    assert.equal(
      (await fetch(`${server.url}${location}${location.includes('?') ? '&' : '?'}digest=${digest}`, { method: 'PUT' }))
        .status,
      201,
    );
    const res = await fetch(`${server.url}/v2/team/app/blobs/${digest}`, { redirect: 'manual' });
    assert.equal(res.status, 307);
    assert.equal(sha256(Buffer.from(await (await fetch(res.headers.get('location')!)).arrayBuffer())), digest);
  });

  it('scans an image whose layers are redirected: the scanner reads them through the blob store', async () => {
    const created = await callApi(server.berth.app, 'CreateRepository', {
      repositoryName: 'scan/redirected',
      imageScanningConfiguration: { scanOnPush: true },
    });
    assert.equal(created.statusCode, 200, created.body);
    const pushed = await pushLayeredImage(server.berth.app, 'scan/redirected', 'v1', debianLayers());
    const manifest = JSON.parse(
      await (
        await fetch(`${server.url}/v2/scan/redirected/manifests/v1`, { headers: { accept: pushed.mediaType } })
      ).text(),
    ) as Manifest;
    const res = await fetch(`${server.url}/v2/scan/redirected/blobs/${manifest.layers[0]!.digest}`, {
      redirect: 'manual',
    });
    assert.equal(res.status, 307, 'the layers are served by redirect');
    assert.equal(await server.berth.scans.drain(), 1);
    const scan = await server.berth.store.scanning.get(server.berth.accountId, 'scan/redirected', pushed.digest);
    assert.equal(scan?.status, 'COMPLETE', scan?.description ?? undefined);
    assert.match(scan?.inventory ?? '', /"libssl3"/);
  });

  it('wrote every store-encrypted object with the SSE header, and no sealed object holds plaintext', async () => {
    const marker = Buffer.from(`berth-redirect-marker-${randomBytes(8).toString('hex')}`);
    const layer = Buffer.concat([randomBytes(1000), marker, randomBytes(1000)]);
    await apiPushImage(ecrClient(server.url), 'team/secret', { tag: 'marked', layers: [layer] });
    const writes = recorder.exchanges
      .filter((r) => r.url.includes('store-encrypted') && !r.url.includes('X-Amz-Signature='))
      .filter(
        (r) =>
          (r.method === 'PUT' && !r.url.includes('uploadId=')) || (r.method === 'POST' && r.url.includes('uploads')),
      );
    assert.ok(writes.length > 5, `store-encrypted writes recorded: ${writes.length}`);
    assert.deepEqual(
      writes.filter((w) => w.headers['x-amz-server-side-encryption'] !== 'AES256').map((w) => `${w.method} ${w.url}`),
      [],
      'every store-encrypted write asked for SSE',
    );
    const s3client = createS3Client(s3.settings);
    try {
      for (const key of await s3.keys()) {
        if (key.endsWith('/store-encrypted')) continue;
        const stored = Buffer.from(
          await (
            await s3client.send(new GetObjectCommand({ Bucket: s3.settings.bucket, Key: key }))
          ).Body!.transformToByteArray(),
        );
        assert.equal(stored.includes(marker), false, `${key} holds no plaintext`);
      }
      assert.ok(
        !(await s3.keys()).includes(objectKey(sha256(layer), 'store-encrypted')),
        "a KMS repository's push has no store-encrypted form",
      );
    } finally {
      s3client.destroy();
    }
  });

  it('still streams store-encrypted layers when redirects are turned off, and seals new ones again', async () => {
    await server.close();
    server = await startBerth({ dataDir, settings: { storage: { driver: 's3', s3: s3Settings } } });
    const layer = blobs[2]!;
    const plain = layout.readBlob(layer.digest);
    const whole = await fetch(`${server.url}/v2/team/app/blobs/${layer.digest}`, { redirect: 'manual' });
    assert.equal(whole.status, 200, 'no redirect any more');
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(plain));
    const ranged = await fetch(`${server.url}/v2/team/app/blobs/${layer.digest}`, {
      headers: { range: 'bytes=5242870-5242889' },
    });
    assert.equal(ranged.status, 206);
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(plain.subarray(5242870, 5242890)));
    const bytes = randomBytes(4096);
    const digest = sha256(bytes);
    const put = await fetch(`${server.url}/v2/team/app/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(put.status, 201);
    const keys = await s3.keys();
    assert.ok(
      keys.includes(objectKey(digest, 'data')) && !keys.includes(objectKey(digest, 'store-encrypted')),
      'sealed by Berth again',
    );
  });
});
