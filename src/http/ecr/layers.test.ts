// The layer actions of the ECR API with the real AWS SDK against a Berth on a socket: a whole
// image pushed without the registry protocol and pulled back by skopeo, layer availability,
// uploads in parts and their refusals, and download URLs fetched with plain fetch.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchDeleteImageCommand,
  CompleteLayerUploadCommand,
  DescribeRepositoriesCommand,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import type { Descriptor } from '../../domain/manifest.js';
import { privateRegistry } from '../../domain/registry.js';
import { skopeo } from '../../e2e/support.js';
import {
  apiPushImage,
  apiUploadBlob,
  ecrClient,
  ensureRepository,
  registryLogin,
  rejectsWith,
  sha256,
} from '../../testing/ecr.js';
import { OciLayout } from '../../testing/oci-layout.js';
import { startBerth, tempDir, type TestBerth } from '../../testing/server.js';
import { requireTool } from '../../testing/tools.js';

let server: TestBerth;
let client: ECRClient;
let password: string;
let counter = 0;
const scratch: string[] = [];

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  ({ password } = await registryLogin(client));
});

after(async () => {
  client?.destroy();
  await server?.close();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

const MIB5 = 5 * 1024 * 1024;

/** A new repository: the API pushes only into repositories that exist. */
async function repo(): Promise<string> {
  const name = `layers/r${++counter}`;
  await ensureRepository(client, name);
  return name;
}

function scratchDir(): string {
  const dir = tempDir('berth-ecr-layers-');
  scratch.push(dir);
  return dir;
}

async function initiate(repositoryName: string): Promise<string> {
  return (await client.send(new InitiateLayerUploadCommand({ repositoryName }))).uploadId!;
}

function part(repositoryName: string, uploadId: string, first: number, bytes: Buffer, last = first + bytes.length - 1) {
  return client.send(
    new UploadLayerPartCommand({
      repositoryName,
      uploadId,
      partFirstByte: first,
      partLastByte: last,
      layerPartBlob: bytes,
    }),
  );
}

test('an image pushed with the layer actions and PutImage alone is pulled by skopeo byte for byte', async (t) => {
  if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
  const layout = new OciLayout(scratchDir());
  const image = layout.addImage([2048, 2 * MIB5 + 300 * 1024]);
  const manifestBytes = layout.readBlob(image.digest);
  const manifest = JSON.parse(manifestBytes.toString()) as { config: Descriptor; layers: Descriptor[] };
  const name = await repo();
  for (const blob of [manifest.config, ...manifest.layers]) {
    // Parts of 5 MiB, ECR's smallest but for the last: the large layer arrives in several.
    const uploaded = await apiUploadBlob(client, name, layout.readBlob(blob.digest), blob.mediaType, MIB5);
    assert.equal(uploaded.digest, blob.digest);
  }
  await client.send(
    new PutImageCommand({ repositoryName: name, imageManifest: manifestBytes.toString('utf8'), imageTag: 'api' }),
  );

  const out = scratchDir();
  const host = new URL(server.url).host;
  await skopeo([
    'copy',
    '--src-tls-verify=false',
    '--src-creds',
    `AWS:${password}`,
    `docker://${host}/${name}:api`,
    `oci:${out}:api`,
  ]);
  const written = readdirSync(join(out, 'blobs', 'sha256'))
    .map((hex) => `sha256:${hex}`)
    .sort();
  assert.deepEqual(written, [image.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)].sort());
  for (const digest of written)
    assert.ok(
      readFileSync(join(out, 'blobs', 'sha256', digest.slice(7))).equals(layout.readBlob(digest)),
      `${digest} byte for byte`,
    );
  await assert.rejects(
    skopeo(['inspect', '--tls-verify=false', '--creds', 'AWS:forged.password', `docker://${host}/${name}:api`]),
    /unauthorized|authentication required|invalid/i,
  );
});

describe('BatchCheckLayerAvailability', () => {
  test('AVAILABLE with the size, UNAVAILABLE, and failures for digests that are not digests', async () => {
    const name = await repo();
    const image = await apiPushImage(client, name, { layers: [randomBytes(777)] });
    const absent = sha256(randomBytes(3));
    const { layers, failures } = await client.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: name,
        layerDigests: [
          image.layers[0]!.digest,
          absent,
          image.config.digest,
          'sha256:nothex',
          '',
          image.layers[0]!.digest,
        ],
      }),
    );
    assert.deepEqual(layers, [
      { layerDigest: image.layers[0]!.digest, layerAvailability: 'AVAILABLE', layerSize: 777 },
      { layerDigest: absent, layerAvailability: 'UNAVAILABLE' },
      { layerDigest: image.config.digest, layerAvailability: 'AVAILABLE', layerSize: image.config.size },
    ]);
    assert.deepEqual(
      failures!.map((f) => [f.layerDigest, f.failureCode]),
      [
        ['sha256:nothex', 'InvalidLayerDigest'],
        ['', 'MissingLayerDigest'],
      ],
    );
    const otherName = await repo();
    await apiPushImage(client, otherName);
    const elsewhere = await client.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName: otherName, layerDigests: [image.layers[0]!.digest] }),
    );
    assert.equal(
      elsewhere.layers![0]!.layerAvailability,
      'UNAVAILABLE',
      'a layer is available only in the repositories it was pushed to',
    );
    await rejectsWith(
      client.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'layers/none', layerDigests: [absent] })),
      'RepositoryNotFoundException',
    );
    await rejectsWith(
      client.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: name, layerDigests: [] })),
      'InvalidParameterException',
      /layerDigests/,
    );
  });
});

describe('uploads', () => {
  test('InitiateLayerUpload on a missing repository is RepositoryNotFoundException and creates nothing, as in ECR', async () => {
    const name = `layers/typo${++counter}`;
    await rejectsWith(
      client.send(new InitiateLayerUploadCommand({ repositoryName: name })),
      'RepositoryNotFoundException',
      new RegExp(`'${name}' does not exist in the registry with id '${server.berth.accountId}'`),
    );
    await rejectsWith(
      client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })),
      'RepositoryNotFoundException',
    );
    // The registry protocol still creates the repository on first push.
    const res = await fetch(`${server.url}/v2/${name}/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
    });
    assert.equal(res.status, 202);
    assert.equal(
      (await client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories![0]!
        .repositoryName,
      name,
    );
  });

  test('UploadLayerPart must continue the upload exactly: InvalidLayerPartException with lastValidByteReceived', async () => {
    const name = await repo();
    const uploadId = await initiate(name);
    const early = await rejectsWith<{ lastValidByteReceived: number; uploadId: string; repositoryName: string }>(
      part(name, uploadId, 5, Buffer.from('abc')),
      'InvalidLayerPartException',
      /must start at byte 0/,
    );
    assert.equal(early.lastValidByteReceived, -1, 'nothing received yet');
    assert.equal(early.uploadId, uploadId);
    assert.equal(early.repositoryName, name);
    // A part but the last holds at least 5 MiB (ECR's rule, checked at CompleteLayerUpload).
    const head = Buffer.alloc(MIB5, 0x68);
    const n = head.length;
    const first = await part(name, uploadId, 0, head);
    assert.equal(first.lastByteReceived, n - 1);
    assert.equal(first.registryId, server.berth.accountId);
    const gap = await rejectsWith<{ lastValidByteReceived: number }>(
      part(name, uploadId, n + 1, Buffer.from('world')),
      'InvalidLayerPartException',
    );
    assert.equal(gap.lastValidByteReceived, n - 1);
    const overlap = await rejectsWith<{ lastValidByteReceived: number }>(
      part(name, uploadId, 3, Buffer.from('world')),
      'InvalidLayerPartException',
    );
    assert.equal(overlap.lastValidByteReceived, n - 1);
    await rejectsWith(
      part(name, uploadId, n, Buffer.from('world'), n + 14),
      'InvalidLayerPartException',
      /holds 5 bytes/,
    );
    await rejectsWith(part(name, uploadId, n, Buffer.alloc(0), n), 'InvalidLayerPartException');
    assert.equal((await part(name, uploadId, n, Buffer.from('world'))).lastByteReceived, n + 4);
    const whole = Buffer.concat([head, Buffer.from('world')]);
    const done = await client.send(
      new CompleteLayerUploadCommand({ repositoryName: name, uploadId, layerDigests: [sha256(whole)] }),
    );
    assert.deepEqual(
      { ...done, $metadata: undefined },
      {
        $metadata: undefined,
        registryId: server.berth.accountId,
        repositoryName: name,
        uploadId,
        layerDigest: sha256(whole),
      },
    );
    await rejectsWith(part(name, uploadId, n + 5, Buffer.from('!')), 'UploadNotFoundException', /not found/);
    await rejectsWith(
      part(name, '00000000-0000-4000-8000-000000000000', 0, Buffer.from('x')),
      'UploadNotFoundException',
    );
    await rejectsWith(part(name, 'not-an-upload', 0, Buffer.from('x')), 'InvalidParameterException', /uploadId/);
    await rejectsWith(part(`${name}-other`, await initiate(name), 0, Buffer.from('x')), 'RepositoryNotFoundException');
  });

  test('CompleteLayerUpload: LayerPartTooSmallException when a part but the last held under 5 MiB', async () => {
    const name = await repo();
    const complete = (uploadId: string, parts: Buffer[]) =>
      client.send(
        new CompleteLayerUploadCommand({
          repositoryName: name,
          uploadId,
          layerDigests: [sha256(Buffer.concat(parts))],
        }),
      );
    const upload = async (parts: Buffer[]) => {
      const uploadId = await initiate(name);
      let at = 0;
      for (const bytes of parts) {
        await part(name, uploadId, at, bytes);
        at += bytes.length;
      }
      return uploadId;
    };
    for (const parts of [
      [Buffer.from('hello '), Buffer.from('world')],
      [randomBytes(MIB5 - 1), randomBytes(10)],
      [randomBytes(MIB5), randomBytes(100), randomBytes(10)],
    ]) {
      const uploadId = await upload(parts);
      await rejectsWith(complete(uploadId, parts), 'LayerPartTooSmallException', /at least 5242880 bytes/);
    }
    const small = [randomBytes(100)];
    assert.equal(
      (await complete(await upload(small), small)).layerDigest,
      sha256(small[0]!),
      'one small part is the last part',
    );
    const { layers } = await client.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: name,
        layerDigests: [sha256(Buffer.from('hello world')), sha256(small[0]!)],
      }),
    );
    assert.deepEqual(
      layers!.map((l) => l.layerAvailability),
      ['UNAVAILABLE', 'AVAILABLE'],
      'a refused upload is no layer',
    );
  });

  test('CompleteLayerUpload: EmptyUploadException, InvalidLayerException, LayerAlreadyExistsException, one digest', async () => {
    const name = await repo();
    const complete = (uploadId: string, layerDigests: string[]) =>
      client.send(new CompleteLayerUploadCommand({ repositoryName: name, uploadId, layerDigests }));
    const empty = await initiate(name);
    await rejectsWith(complete(empty, [sha256(Buffer.alloc(0))]), 'EmptyUploadException');
    const bytes = randomBytes(500);
    const mismatched = await initiate(name);
    await part(name, mismatched, 0, bytes);
    await rejectsWith(complete(mismatched, [sha256(randomBytes(500))]), 'InvalidLayerException', /digest/);
    await rejectsWith(complete(mismatched, [sha256(bytes)]), 'UploadNotFoundException', undefined);
    const two = await initiate(name);
    await part(name, two, 0, bytes);
    await rejectsWith(complete(two, [sha256(bytes), sha256(bytes)]), 'InvalidParameterException', /one layer digest/);
    await rejectsWith(complete(two, ['sha256:abc']), 'InvalidParameterException', /layerDigests/);
    await rejectsWith(complete(two, ['not a digest']), 'InvalidParameterException', /layerDigests/);
    assert.equal((await complete(two, [sha256(bytes)])).layerDigest, sha256(bytes));
    const again = await initiate(name);
    await part(name, again, 0, bytes);
    await rejectsWith(complete(again, [sha256(bytes)]), 'LayerAlreadyExistsException', /already exists/);
    await rejectsWith(part(name, again, 500, bytes), 'UploadNotFoundException', undefined);
  });
});

describe('GetDownloadUrlForLayer', () => {
  test('a signed URL Berth serves: whole, by range, refused when tampered with or expired', async () => {
    const name = await repo();
    const layer = randomBytes(4096);
    const image = await apiPushImage(client, name, { tag: 'v1', layers: [layer] });
    const { downloadUrl, layerDigest } = await client.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: image.layers[0]!.digest }),
    );
    assert.equal(layerDigest, image.layers[0]!.digest);
    assert.match(downloadUrl!, new RegExp(`^${server.url}/layers/`));
    const whole = await fetch(downloadUrl!);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-length'), '4096');
    assert.equal(whole.headers.get('docker-content-digest'), layerDigest);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(layer));
    const head = await fetch(downloadUrl!, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '4096');
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    const ranged = await fetch(downloadUrl!, { headers: { range: 'bytes=100-199' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), 'bytes 100-199/4096');
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(layer.subarray(100, 200)));
    const suffix = await fetch(downloadUrl!, { headers: { range: 'bytes=-10' } });
    assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(layer.subarray(4086)));
    const beyond = await fetch(downloadUrl!, { headers: { range: 'bytes=5000-' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), 'bytes */4096');

    const token = downloadUrl!.slice(downloadUrl!.lastIndexOf('/') + 1);
    const [payload, signature] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, d: image.config.digest })).toString('base64url');
    for (const tampered of [
      `${forged}.${signature}`,
      `${payload}.${signature.slice(0, -2)}AA`,
      `${payload}x.${signature}`,
      payload,
      'garbage',
    ]) {
      const res = await fetch(`${server.url}/layers/${tampered}`);
      assert.equal(res.status, 403, tampered);
      assert.equal(((await res.json()) as { code: string }).code, 'AccessDenied');
    }
    const ctx = {
      principal: {
        kind: 'root' as const,
        accountId: server.berth.accountId,
        arn: `arn:aws:iam::${server.berth.accountId}:root`,
        userId: 'u',
        accessKeyId: 'k',
      },
      registry: privateRegistry(server.berth.accountId),
    };
    const old = await server.berth.services.layerUrls.issue(ctx, name, layerDigest!, Date.now() - 2 * 3600 * 1000);
    assert.equal(old.kind, 'issued');
    const expired = await fetch(`${server.url}/layers/${(old as { token: string }).token}`);
    assert.equal(expired.status, 403);
    assert.equal(((await expired.json()) as { code: string }).code, 'ExpiredToken');
    const fresh = await server.berth.services.layerUrls.issue(ctx, name, layerDigest!, Date.now() - 50 * 60 * 1000);
    assert.equal(
      (await fetch(`${server.url}/layers/${(fresh as { token: string }).token}`)).status,
      200,
      'valid for an hour',
    );

    // A URL reads only what the repository still has.
    await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'v1' }] }));
    const unlinked = await fetch(`${server.url}/v2/${name}/blobs/${layerDigest}`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
    });
    assert.equal(unlinked.status, 202);
    const gone = await fetch(downloadUrl!);
    assert.equal(gone.status, 404);
    assert.equal(((await gone.json()) as { code: string }).code, 'NoSuchKey');
  });

  test('LayerInaccessibleException before an image references the layer; LayersNotFoundException; bad digests', async () => {
    const name = await repo();
    const bytes = randomBytes(64);
    const blob = await apiUploadBlob(client, name, bytes, 'application/octet-stream');
    await rejectsWith(
      client.send(new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: blob.digest })),
      'LayerInaccessibleException',
    );
    await rejectsWith(
      client.send(new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: sha256(randomBytes(2)) })),
      'LayersNotFoundException',
    );
    await rejectsWith(
      client.send(new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: 'sha256:ABC' })),
      'InvalidParameterException',
    );
    await rejectsWith(
      client.send(new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: 'nope' })),
      'InvalidParameterException',
      /layerDigest/,
    );
    await rejectsWith(
      client.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'layers/none', layerDigest: blob.digest })),
      'RepositoryNotFoundException',
    );
  });
});
