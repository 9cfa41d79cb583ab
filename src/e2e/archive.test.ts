// ECR's archive (storage classes) with the real clients: the JS SDK and the AWS CLI v2 archive an
// image (UpdateImageStorageClass), DescribeImages and ListImages show and filter it, BatchGetImage,
// GetDownloadUrlForLayer, /v2 and skopeo refuse to pull it with a clear error, its layers move to
// the archive root (file system) or the archive storage class (S3 on s3rver, seen by HeadObject)
// unless an active image shares them; restoring goes ACTIVATING then ACTIVE, and the pull is
// byte-identical again. On the metadata backend of the pass (SQLite, or PostgreSQL).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  GetDownloadUrlForLayerCommand,
  ListImageReferrersCommand,
  ListImagesCommand,
  PutImageCommand,
  UpdateImageStorageClassCommand,
  type ECRClient,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../storage/s3-client.js';
import { runProgram } from '../testing/cli.js';
import { MediaTypes } from '../domain/media-types.js';
import {
  apiPushImage,
  apiUploadBlob,
  ecrClient,
  registryLogin,
  rejectsWith,
  sha256,
  type ApiImage,
} from '../testing/ecr.js';
import { ECR_MODEL_PATH } from '../testing/ecr-model.js';
import { startS3, type TestS3 } from '../testing/s3.js';
import { scratchDirs, startBerth, type TestBerth, ADMIN_ENV } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { skopeo } from './support.js';

const scratch = scratchDirs();
let counter = 0;
const repo = () => `archive/r${++counter}`;

/** Where a blob's sealed form is below a storage root (storage/layout.ts). */
const blobFile = (root: string, digest: string) => {
  const hex = digest.slice('sha256:'.length);
  return join(root, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
};

async function describeOne(client: ECRClient, repositoryName: string, digest: string): Promise<ImageDetail> {
  const { imageDetails } = await client.send(
    new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: digest }] }),
  );
  return imageDetails![0]!;
}

/** Waits for the image's status, for up to 15 s; resolves with the statuses seen on the way. */
async function until(client: ECRClient, repositoryName: string, digest: string, status: string): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const detail = await describeOne(client, repositoryName, digest);
    if (seen.at(-1) !== detail.imageStatus) seen.push(detail.imageStatus!);
    if (detail.imageStatus === status) return seen;
    assert.ok(Date.now() < deadline, `still ${detail.imageStatus}, waiting for ${status}`);
    await sleep(50);
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting: ${what}`);
    await sleep(50);
  }
}

/** Two images sharing a layer: `a` has its own layer besides. */
async function pushPair(client: ECRClient, name: string): Promise<{ a: ApiImage; b: ApiImage; layers: Buffer[] }> {
  const shared = Buffer.from(`shared layer ${name} ${'x'.repeat(2000)}`);
  const own = Buffer.from(`own layer of a ${name} ${'y'.repeat(3000)}`);
  const a = await apiPushImage(client, name, { tag: 'a', layers: [shared, own] });
  // b: a config of its own and a's first layer, already in the repository.
  const config = await apiUploadBlob(
    client,
    name,
    Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })),
    MediaTypes.ociConfig,
  );
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [a.layers[0]] }),
  );
  await client.send(
    new PutImageCommand({ repositoryName: name, imageManifest: manifest.toString('utf8'), imageTag: 'b' }),
  );
  const b = { manifest, digest: sha256(manifest), mediaType: MediaTypes.ociManifest, config, layers: [a.layers[0]!] };
  return { a, b, layers: [shared, own] };
}

describe('archive on the file system', () => {
  let server: TestBerth;
  let client: ECRClient;
  let authorization: string;
  let password: string;
  let storageRoot: string;
  let archiveRoot: string;

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' } } });
    client = ecrClient(server.url);
    ({ authorization, password } = await registryLogin(client));
    storageRoot = join(server.dataDir, 'storage');
    archiveRoot = join(server.dataDir, 'archive');
  });

  after(async () => {
    client?.destroy();
    await server?.close();
    scratch.remove();
  });

  const v2 = (method: string, name: string, reference: string) =>
    fetch(`${server.url}/v2/${name}/manifests/${reference}`, {
      method,
      headers: { authorization, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });

  it('archives with the SDK: listed as ARCHIVED, not pullable, its own layers in the archive root; restores byte-identical', async (t) => {
    const name = repo();
    const { a, b, layers } = await pushPair(client, name);
    const [shared, own] = a.layers;
    const archived = await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: name,
        imageId: { imageTag: 'a' },
        targetStorageClass: 'ARCHIVE',
      }),
    );
    assert.equal(archived.imageStatus, 'ARCHIVED');
    assert.deepEqual(archived.imageId, { imageDigest: a.digest, imageTag: 'a' });
    assert.equal(archived.repositoryName, name);

    // Listings: ACTIVE only by default, ARCHIVED on asking.
    const detail = await describeOne(client, name, a.digest);
    assert.equal(detail.imageStatus, 'ARCHIVED');
    assert.ok(detail.lastArchivedAt instanceof Date && Math.abs(detail.lastArchivedAt.getTime() - Date.now()) < 60_000);
    assert.equal(detail.lastActivatedAt, undefined);
    const listed = async (imageStatus?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' | 'ANY') =>
      (
        await client.send(
          new DescribeImagesCommand({ repositoryName: name, ...(imageStatus && { filter: { imageStatus } }) }),
        )
      ).imageDetails!.map((d) => d.imageDigest);
    assert.deepEqual(await listed(), [b.digest]);
    assert.deepEqual(await listed('ACTIVE'), [b.digest]);
    assert.deepEqual(await listed('ARCHIVED'), [a.digest]);
    assert.deepEqual(await listed('ACTIVATING'), []);
    assert.deepEqual((await listed('ANY')).sort(), [a.digest, b.digest].sort());
    const ids = await client.send(new ListImagesCommand({ repositoryName: name, filter: { imageStatus: 'ARCHIVED' } }));
    assert.deepEqual(ids.imageIds, [{ imageDigest: a.digest, imageTag: 'a' }]);

    // Not pullable: BatchGetImage, GetDownloadUrlForLayer of its own layer, /v2 by tag and digest.
    const got = await client.send(
      new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'a' }, { imageTag: 'b' }] }),
    );
    assert.deepEqual(
      got.images!.map((i) => i.imageId?.imageDigest),
      [b.digest],
    );
    assert.equal(got.failures!.length, 1);
    assert.equal(got.failures![0]!.failureCode, 'ImageInaccessible');
    assert.match(got.failures![0]!.failureReason!, /archived/);
    await rejectsWith(
      client.send(new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: own!.digest })),
      'LayerInaccessibleException',
      /archived/,
    );
    const sharedUrl = await client.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: shared!.digest }),
    );
    assert.ok(sharedUrl.downloadUrl, 'a layer an ACTIVE image shares stays pullable');
    for (const reference of ['a', a.digest]) {
      const res = await v2('GET', name, reference);
      assert.equal(res.status, 404);
      const body = (await res.json()) as { errors: { code: string; message: string }[] };
      assert.equal(body.errors[0]!.code, 'MANIFEST_UNKNOWN');
      assert.match(body.errors[0]!.message, /archived.*update-image-storage-class/);
      assert.equal((await v2('HEAD', name, reference)).status, 404);
    }
    assert.equal((await v2('GET', name, 'b')).status, 200);

    // Its own layer and config move to the archive root; the shared layer stays.
    await waitFor(() => existsSync(blobFile(archiveRoot, own!.digest)), 'the own layer in the archive root');
    await waitFor(() => existsSync(blobFile(archiveRoot, a.config.digest)), 'the config in the archive root');
    assert.equal(existsSync(blobFile(storageRoot, own!.digest)), false);
    assert.equal(existsSync(blobFile(storageRoot, shared!.digest)), true);
    assert.equal(existsSync(blobFile(archiveRoot, shared!.digest)), false);

    if (requireTool(t, 'skopeo', 'apt-get install -y skopeo')) {
      const host = new URL(server.url).host;
      await assert.rejects(
        skopeo(['inspect', '--tls-verify=false', '--creds', `AWS:${password}`, `docker://${host}/${name}:a`]),
        /archived/,
      );
    }

    // Archiving again changes nothing.
    const again = await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: name,
        imageId: { imageDigest: a.digest },
        targetStorageClass: 'ARCHIVE',
      }),
    );
    assert.equal(again.imageStatus, 'ARCHIVED');

    // Restore: ACTIVATING, then ACTIVE once the layers are back.
    const restoring = await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: name,
        imageId: { imageDigest: a.digest },
        targetStorageClass: 'STANDARD',
      }),
    );
    assert.equal(restoring.imageStatus, 'ACTIVATING');
    await until(client, name, a.digest, 'ACTIVE');
    const restored = await describeOne(client, name, a.digest);
    assert.ok(restored.lastActivatedAt instanceof Date);
    assert.ok(restored.lastArchivedAt instanceof Date);
    assert.equal(existsSync(blobFile(storageRoot, own!.digest)), true);
    assert.equal(existsSync(blobFile(archiveRoot, own!.digest)), false);
    assert.equal((await v2('GET', name, 'a')).status, 200);
    const back = await client.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'a' }] }));
    assert.equal(back.images![0]!.imageManifest, a.manifest.toString('utf8'));

    if (requireTool(t, 'skopeo', 'apt-get install -y skopeo')) {
      const out = scratch.make('berth-archive-pull-');
      const host = new URL(server.url).host;
      await skopeo([
        'copy',
        '--preserve-digests',
        '--src-tls-verify=false',
        '--src-creds',
        `AWS:${password}`,
        `docker://${host}/${name}:a`,
        `oci:${out}:a`,
      ]);
      for (const [i, layer] of a.layers.entries()) {
        const pulled = readFileSync(join(out, 'blobs', 'sha256', layer.digest.slice('sha256:'.length)));
        assert.ok(pulled.equals(layers[i]!), `layer ${i} is byte-identical`);
      }
    }
  });

  it('brings an archived layer back when a new image uses it, leaving the archived image archived', async () => {
    const name = repo();
    const { a } = await pushPair(client, name);
    const own = a.layers[1]!;
    await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: name,
        imageId: { imageTag: 'a' },
        targetStorageClass: 'ARCHIVE',
      }),
    );
    await waitFor(() => existsSync(blobFile(archiveRoot, own.digest)), 'the own layer in the archive root');
    // c: a new image over a's own layer (already in the repository).
    const config = await apiUploadBlob(
      client,
      name,
      Buffer.from(JSON.stringify({ architecture: 'riscv64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })),
      MediaTypes.ociConfig,
    );
    await client.send(
      new PutImageCommand({
        repositoryName: name,
        imageTag: 'c',
        imageManifest: JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [own] }),
      }),
    );
    await waitFor(() => existsSync(blobFile(storageRoot, own.digest)), 'the layer back in the storage root');
    assert.equal(existsSync(blobFile(archiveRoot, own.digest)), false);
    assert.equal((await describeOne(client, name, a.digest)).imageStatus, 'ARCHIVED');
    assert.equal(existsSync(blobFile(archiveRoot, a.config.digest)), true, "a's own config stays archived");
    const { downloadUrl } = await client.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: own.digest }),
    );
    assert.ok(downloadUrl, 'an ACTIVE image uses the layer now');
  });

  it('ListImageReferrers gives each referrer its artifactStatus and filters by it', async () => {
    const name = repo();
    const image = await apiPushImage(client, name, { tag: 'app' });
    const subject = { mediaType: image.mediaType, digest: image.digest, size: image.manifest.length };
    const signature = await apiPushImage(client, name, { artifactType: 'application/vnd.example.signature', subject });
    const sbom = await apiPushImage(client, name, { artifactType: 'application/spdx+json', subject });
    await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: name,
        imageId: { imageDigest: sbom.digest },
        targetStorageClass: 'ARCHIVE',
      }),
    );
    const list = async (artifactStatus?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' | 'ANY') =>
      (
        await client.send(
          new ListImageReferrersCommand({
            repositoryName: name,
            subjectId: { imageDigest: image.digest },
            ...(artifactStatus && { filter: { artifactStatus } }),
          }),
        )
      ).referrers!.map((r) => [r.digest, r.artifactStatus]);
    assert.deepEqual(await list(), [[signature.digest, 'ACTIVE']]);
    assert.deepEqual(await list('ARCHIVED'), [[sbom.digest, 'ARCHIVED']]);
    assert.deepEqual(await list('ANY'), [
      [signature.digest, 'ACTIVE'],
      [sbom.digest, 'ARCHIVED'],
    ]);
  });

  it("refuses what the model refuses, with the model's exceptions", async () => {
    const name = repo();
    await apiPushImage(client, name, { tag: 'v1' });
    const update = (input: object) =>
      client.send(
        new UpdateImageStorageClassCommand({
          repositoryName: name,
          imageId: { imageTag: 'v1' },
          targetStorageClass: 'ARCHIVE',
          ...input,
        } as never),
      );
    await rejectsWith(update({ imageId: { imageTag: 'missing' } }), 'ImageNotFoundException');
    await rejectsWith(update({ imageId: { imageDigest: `sha256:${'0'.repeat(64)}` } }), 'ImageNotFoundException');
    await rejectsWith(update({ repositoryName: 'archive/none' }), 'RepositoryNotFoundException');
    await rejectsWith(update({ imageId: {} }), 'InvalidParameterException');
    await rejectsWith(update({ imageId: { imageDigest: 'sha256:nothex' } }), 'InvalidParameterException');
    // Input validation reads as InvalidParameterException on the registry actions, as elsewhere.
    await rejectsWith(update({ targetStorageClass: 'GLACIER' }), 'InvalidParameterException');
    // Restoring an ACTIVE image changes nothing.
    const standard = await update({ targetStorageClass: 'STANDARD' });
    assert.equal(standard.imageStatus, 'ACTIVE');
  });

  it('archives and restores with the AWS CLI v2 (given the current ECR model)', async (t) => {
    if (!requireAwsCli(t)) return;
    if (!modelAvailable(t)) return;
    const name = repo();
    const { a } = await pushPair(client, name);
    const dataPath = scratch.make('berth-archive-aws-data-');
    mkdirSync(join(dataPath, 'ecr', '2015-09-21'), { recursive: true });
    copyFileSync(ECR_MODEL_PATH, join(dataPath, 'ecr', '2015-09-21', 'service-2.json'));
    const aws = async (args: string[]) => {
      const result = await runProgram(
        AWS_CLI,
        ['ecr', ...args, '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'],
        {
          ...ADMIN_ENV,
          AWS_DATA_PATH: dataPath,
        },
      );
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    };
    const archived = await aws([
      'update-image-storage-class',
      '--repository-name',
      name,
      '--image-id',
      'imageTag=a',
      '--target-storage-class',
      'ARCHIVE',
    ]);
    assert.equal(archived.imageStatus, 'ARCHIVED');
    const described = (await aws(['describe-images', '--repository-name', name, '--filter', 'imageStatus=ARCHIVED']))
      .imageDetails as { imageDigest: string; imageStatus: string; lastArchivedAt?: unknown }[];
    assert.deepEqual(
      described.map((d) => [d.imageDigest, d.imageStatus]),
      [[a.digest, 'ARCHIVED']],
    );
    assert.ok(described[0]!.lastArchivedAt);
    const got = await aws(['batch-get-image', '--repository-name', name, '--image-ids', 'imageTag=a']);
    assert.deepEqual(
      (got.failures as { failureCode: string }[]).map((f) => f.failureCode),
      ['ImageInaccessible'],
    );
    const restoring = await aws([
      'update-image-storage-class',
      '--repository-name',
      name,
      '--image-id',
      `imageDigest=${a.digest}`,
      '--target-storage-class',
      'STANDARD',
    ]);
    assert.equal(restoring.imageStatus, 'ACTIVATING');
    await until(client, name, a.digest, 'ACTIVE');
    const active = (await aws(['describe-images', '--repository-name', name])).imageDetails as {
      imageDigest: string;
      imageStatus: string;
    }[];
    assert.ok(active.some((d) => d.imageDigest === a.digest && d.imageStatus === 'ACTIVE'));
  });
});

function modelAvailable(t: TestContext): boolean {
  if (existsSync(ECR_MODEL_PATH)) return true;
  if (process.env.CI === 'true') throw new Error(`the ECR model is required in CI: ${ECR_MODEL_PATH}`);
  t.skip(`the ECR model is not at ${ECR_MODEL_PATH}`);
  return false;
}

describe('archive on S3', () => {
  let s3: TestS3;
  let server: TestBerth;
  let client: ECRClient;

  before(async () => {
    s3 = await startS3();
    const { settings } = s3;
    server = await startBerth({
      settings: {
        auth: { mode: 'iam' },
        storage: {
          driver: 's3',
          s3: {
            endpoint: settings.endpoint,
            bucket: settings.bucket,
            region: settings.region,
            prefix: settings.prefix,
            forcePathStyle: settings.forcePathStyle,
            accessKeyId: settings.accessKeyId,
            secretAccessKey: settings.secretAccessKey,
            bufferDir: settings.bufferDir,
            // s3rver refuses GLACIER_IR, the default; STANDARD_IA is also read without a restore.
            archiveStorageClass: 'STANDARD_IA',
          },
        },
      },
    });
    client = ecrClient(server.url);
  });

  after(async () => {
    client?.destroy();
    await server?.close();
    await s3?.close();
  });

  it('copies the layers only archived images use into the archive storage class, and back', async () => {
    const name = repo();
    const { a } = await pushPair(client, name);
    const [shared, own] = a.layers;
    const objects = createS3Client(s3.settings);
    const classOf = async (digest: string) => {
      const hex = digest.slice('sha256:'.length);
      const key = `${s3.settings.prefix}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
      const head = await objects.send(new HeadObjectCommand({ Bucket: s3.settings.bucket, Key: key }));
      return head.StorageClass ?? 'STANDARD';
    };
    try {
      assert.equal(await classOf(own!.digest), 'STANDARD');
      const archived = await client.send(
        new UpdateImageStorageClassCommand({
          repositoryName: name,
          imageId: { imageTag: 'a' },
          targetStorageClass: 'ARCHIVE',
        }),
      );
      assert.equal(archived.imageStatus, 'ARCHIVED');
      await waitFor(async () => (await classOf(own!.digest)) === 'STANDARD_IA', 'the own layer in STANDARD_IA');
      await waitFor(async () => (await classOf(a.config.digest)) === 'STANDARD_IA', 'the config in STANDARD_IA');
      assert.equal(await classOf(shared!.digest), 'STANDARD', 'a layer an ACTIVE image shares stays STANDARD');

      const restoring = await client.send(
        new UpdateImageStorageClassCommand({
          repositoryName: name,
          imageId: { imageTag: 'a' },
          targetStorageClass: 'STANDARD',
        }),
      );
      assert.equal(restoring.imageStatus, 'ACTIVATING');
      await until(client, name, a.digest, 'ACTIVE');
      assert.equal(await classOf(own!.digest), 'STANDARD');
      assert.equal(await classOf(a.config.digest), 'STANDARD');
      const { downloadUrl } = await client.send(
        new GetDownloadUrlForLayerCommand({ repositoryName: name, layerDigest: own!.digest }),
      );
      const res = await fetch(downloadUrl!);
      assert.equal(res.status, 200);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(`own layer of a ${name} ${'y'.repeat(3000)}`)));
    } finally {
      objects.destroy();
    }
  });
});
