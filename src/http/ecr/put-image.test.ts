// PutImage with the real AWS SDK: through the same manifest validation as the registry protocol,
// with the model's exceptions for what it refuses, and ImageAlreadyExistsException for a push
// that changes nothing (as ECR does).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ListImagesCommand,
  PutImageCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { EMPTY_JSON, MediaTypes } from '../../domain/media-types.js';
import { apiPushImage, ecrClient, registryLogin, rejectsWith, sha256 } from '../../testing/ecr.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
let client: ECRClient;
let authorization: string;
let counter = 0;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  ({ authorization } = await registryLogin(client));
});

after(async () => {
  client?.destroy();
  await server?.close();
});

const repo = () => `put/r${++counter}`;

async function tags(repositoryName: string, digest: string): Promise<string[]> {
  const { imageIds } = await client.send(new ListImagesCommand({ repositoryName, filter: { tagStatus: 'TAGGED' } }));
  return imageIds!
    .filter((id) => id.imageDigest === digest)
    .map((id) => id.imageTag!)
    .sort();
}

test('PutImage returns the image and the registry protocol serves the same bytes', async () => {
  const name = repo();
  const image = await apiPushImage(client, name, { tag: 'v1', layers: [randomBytes(100), randomBytes(200)] });
  const res = await fetch(`${server.url}/v2/${name}/manifests/v1`, {
    headers: { authorization, accept: MediaTypes.ociManifest },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('docker-content-digest'), image.digest);
  assert.equal(res.headers.get('content-type'), MediaTypes.ociManifest);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(image.manifest));
  const again = await client.send(
    new PutImageCommand({
      repositoryName: name,
      imageManifest: image.manifest.toString(),
      imageTag: 'v2',
      imageDigest: image.digest,
    }),
  );
  assert.deepEqual(again.image, {
    registryId: server.berth.accountId,
    repositoryName: name,
    imageId: { imageDigest: image.digest, imageTag: 'v2' },
    imageManifest: image.manifest.toString(),
    imageManifestMediaType: MediaTypes.ociManifest,
  });
  assert.deepEqual(await tags(name, image.digest), ['v1', 'v2']);
});

test('ImageAlreadyExistsException when the manifest already has that tag, or exists and no tag is given', async () => {
  const name = repo();
  const image = await apiPushImage(client, name, { tag: 'v1' });
  await rejectsWith(
    client.send(
      new PutImageCommand({ repositoryName: name, imageManifest: image.manifest.toString(), imageTag: 'v1' }),
    ),
    'ImageAlreadyExistsException',
    new RegExp(`${image.digest}' and tag 'v1' already exists`),
  );
  await rejectsWith(
    client.send(new PutImageCommand({ repositoryName: name, imageManifest: image.manifest.toString() })),
    'ImageAlreadyExistsException',
  );
  await rejectsWith(
    client.send(
      new PutImageCommand({
        repositoryName: name,
        imageManifest: image.manifest.toString(),
        imageDigest: image.digest,
        imageTag: 'v1',
      }),
    ),
    'ImageAlreadyExistsException',
  );
  // A tag that moves is a change.
  const other = await apiPushImage(client, name, { tag: 'v2' });
  await client.send(
    new PutImageCommand({ repositoryName: name, imageManifest: other.manifest.toString(), imageTag: 'v1' }),
  );
  assert.deepEqual(await tags(name, other.digest), ['v1', 'v2']);
  assert.deepEqual(await tags(name, image.digest), []);
});

test('an untagged push by digest, and a manifest without mediaType takes imageManifestMediaType', async () => {
  const name = repo();
  const base = await apiPushImage(client, name);
  const { mediaType: _ignored, ...plain } = JSON.parse(base.manifest.toString()) as Record<string, unknown>;
  const bytes = JSON.stringify({ ...plain, annotations: { 'org.example': 'no media type' } });
  const put = await client.send(
    new PutImageCommand({
      repositoryName: name,
      imageManifest: bytes,
      imageManifestMediaType: MediaTypes.ociManifest,
      imageDigest: sha256(Buffer.from(bytes)),
    }),
  );
  assert.equal(put.image!.imageManifestMediaType, MediaTypes.ociManifest);
  assert.equal(put.image!.imageId!.imageTag, undefined);
  const { images } = await client.send(
    new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageDigest: sha256(Buffer.from(bytes)) }] }),
  );
  assert.equal(images![0]!.imageManifest, bytes);
  assert.equal(images![0]!.imageManifestMediaType, MediaTypes.ociManifest);
});

test('LayersNotFoundException, ReferencedImagesNotFoundException, ImageDigestDoesNotMatchException', async () => {
  const name = repo();
  const image = await apiPushImage(client, name, { tag: 'base' });
  const manifest = JSON.parse(image.manifest.toString()) as {
    layers: { digest: string; size: number; mediaType: string }[];
  };
  const absent = sha256(randomBytes(16));
  const withMissingLayer = JSON.stringify({
    ...manifest,
    layers: [
      ...manifest.layers,
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: absent, size: 16 },
    ],
  });
  await rejectsWith(
    client.send(new PutImageCommand({ repositoryName: name, imageManifest: withMissingLayer, imageTag: 'broken' })),
    'LayersNotFoundException',
    new RegExp(absent),
  );
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: [
      { mediaType: MediaTypes.ociManifest, digest: image.digest, size: image.manifest.length },
      { mediaType: MediaTypes.ociManifest, digest: absent, size: 100 },
    ],
  });
  await rejectsWith(
    client.send(new PutImageCommand({ repositoryName: name, imageManifest: index, imageTag: 'multi' })),
    'ReferencedImagesNotFoundException',
    new RegExp(absent),
  );
  const wrong = sha256(randomBytes(4));
  await rejectsWith(
    client.send(
      new PutImageCommand({
        repositoryName: name,
        imageManifest: image.manifest.toString(),
        imageDigest: wrong,
        imageTag: 'x',
      }),
    ),
    'ImageDigestDoesNotMatchException',
  );
  const { imageIds } = await client.send(new ListImagesCommand({ repositoryName: name }));
  assert.deepEqual(imageIds, [{ imageDigest: image.digest, imageTag: 'base' }], 'nothing refused was stored');
});

test('InvalidParameterException for what the manifest parser or the model refuses', async () => {
  const name = repo();
  const image = await apiPushImage(client, name);
  const refused = async (input: Record<string, unknown>, message?: RegExp) =>
    rejectsWith(
      client.send(
        new PutImageCommand({ repositoryName: name, imageManifest: image.manifest.toString(), ...input } as never),
      ),
      'InvalidParameterException',
      message,
    );
  await refused({ imageManifest: 'not json' }, /not valid JSON/);
  await refused({ imageManifest: '' }, /imageManifest/);
  await refused({ imageManifestMediaType: MediaTypes.dockerManifest }, /does not match/);
  await refused({ imageTag: 'bad tag' }, /imageTag/);
  await refused({ imageTag: 'x'.repeat(301) }, /imageTag/);
  await refused({ imageDigest: 'sha256:1234' }, /imageDigest/);
  await refused(
    { imageManifest: JSON.stringify({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] }) },
    /fsLayers must be a non-empty array/,
  );
  await refused({ imageManifest: 'x'.repeat(4_194_305) }, /imageManifest/);
  await refused({ repositoryName: 'UPPER' }, /repositoryName/);
  const { imageIds } = await client.send(new ListImagesCommand({ repositoryName: name }));
  assert.deepEqual(imageIds, [{ imageDigest: image.digest }]);
});

test('PutImage on a missing repository is RepositoryNotFoundException and creates nothing, before any layer check', async () => {
  const name = `put/typo${++counter}`;
  // An artifact whose only blob is the well-known empty config needs no upload in a new repository.
  const config = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size };
  const artifact = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    artifactType: 'application/x-note',
    config,
    layers: [],
  });
  await rejectsWith(
    client.send(new PutImageCommand({ repositoryName: name, imageManifest: artifact, imageTag: 'note' })),
    'RepositoryNotFoundException',
    new RegExp(`'${name}' does not exist`),
  );
  const missingLayer = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config,
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(randomBytes(8)), size: 8 }],
  });
  await rejectsWith(
    client.send(new PutImageCommand({ repositoryName: name, imageManifest: missingLayer, imageTag: 'x' })),
    'RepositoryNotFoundException',
  );
  await rejectsWith(
    client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })),
    'RepositoryNotFoundException',
  );
  // The registry protocol still creates the repository on first push.
  const res = await fetch(`${server.url}/v2/${name}/manifests/note`, {
    method: 'PUT',
    headers: { authorization, 'content-type': MediaTypes.ociManifest },
    body: artifact,
  });
  assert.equal(res.status, 201);
  const { imageDetails } = await client.send(new DescribeImagesCommand({ repositoryName: name }));
  assert.equal(imageDetails![0]!.artifactMediaType, 'application/x-note');
});
