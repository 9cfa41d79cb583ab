// The image actions of the ECR API with the real AWS SDK against a Berth on a socket, with
// access control on: ListImages, DescribeImages, ListImageReferrers, BatchGetImage,
// BatchDeleteImage and PutImage, their pagination, failures and exceptions, and the pull times
// /v2 and BatchGetImage record.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  ListImageReferrersCommand,
  ListImagesCommand,
  PutImageCommand,
  type ECRClient,
  type ImageDetail,
  type ImageIdentifier,
} from '@aws-sdk/client-ecr';
import { MediaTypes } from '../../domain/media-types.js';
import { skopeo } from '../../e2e/support.js';
import { apiPushImage, apiPushIndex, ecrClient, registryLogin, rejectsWith, sha256 } from '../../testing/ecr.js';
import { OciLayout } from '../../testing/oci-layout.js';
import { startBerth, tempDir, type TestBerth } from '../../testing/server.js';
import { requireTool } from '../../testing/tools.js';

let server: TestBerth;
let client: ECRClient;
let authorization: string;
let password: string;
let counter = 0;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  ({ authorization, password } = await registryLogin(client));
});

after(async () => {
  client?.destroy();
  await server?.close();
});

const repo = () => `images/r${++counter}`;

const byKey = (a: ImageIdentifier, b: ImageIdentifier) =>
  `${a.imageDigest}:${a.imageTag ?? ''}`.localeCompare(`${b.imageDigest}:${b.imageTag ?? ''}`);

async function listAll(
  repositoryName: string,
  maxResults?: number,
  tagStatus?: 'TAGGED' | 'UNTAGGED' | 'ANY',
): Promise<{ ids: ImageIdentifier[]; pages: number }> {
  const ids: ImageIdentifier[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(
      new ListImagesCommand({
        repositoryName,
        ...(maxResults && { maxResults }),
        ...(nextToken && { nextToken }),
        ...(tagStatus && { filter: { tagStatus } }),
      }),
    );
    ids.push(...page.imageIds!);
    if (maxResults) assert.ok(page.imageIds!.length <= maxResults);
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  return { ids, pages };
}

async function describeAll(
  repositoryName: string,
  maxResults?: number,
  tagStatus?: 'TAGGED' | 'UNTAGGED',
): Promise<ImageDetail[]> {
  const details: ImageDetail[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeImagesCommand({
        repositoryName,
        ...(maxResults && { maxResults }),
        ...(nextToken && { nextToken }),
        ...(tagStatus && { filter: { tagStatus } }),
      }),
    );
    details.push(...page.imageDetails!);
    nextToken = page.nextToken;
  } while (nextToken);
  return details;
}

async function pullOverV2(repositoryName: string, reference: string): Promise<void> {
  const res = await fetch(`${server.url}/v2/${repositoryName}/manifests/${reference}`, {
    headers: { authorization, accept: `${MediaTypes.ociManifest}, ${MediaTypes.ociIndex}` },
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
}

describe('ListImages', () => {
  test('one id per tag and per untagged image, filtered by tag status, page by page with nextToken', async () => {
    const name = repo();
    const a = await apiPushImage(client, name, { tag: 'v1' });
    await client.send(
      new PutImageCommand({ repositoryName: name, imageManifest: a.manifest.toString(), imageTag: 'latest' }),
    );
    const b = await apiPushImage(client, name, { tag: 'v2' });
    const c = await apiPushImage(client, name);
    const d = await apiPushImage(client, name);
    const tagged = [
      { imageDigest: a.digest, imageTag: 'latest' },
      { imageDigest: a.digest, imageTag: 'v1' },
      { imageDigest: b.digest, imageTag: 'v2' },
    ];
    const untagged = [{ imageDigest: c.digest }, { imageDigest: d.digest }];
    const all = [...tagged, ...untagged].sort(byKey);
    assert.deepEqual((await listAll(name)).ids.sort(byKey), all);
    assert.deepEqual((await listAll(name, undefined, 'ANY')).ids.sort(byKey), all);
    assert.deepEqual((await listAll(name, undefined, 'TAGGED')).ids.sort(byKey), tagged.sort(byKey));
    assert.deepEqual((await listAll(name, undefined, 'UNTAGGED')).ids.sort(byKey), untagged.sort(byKey));
    for (const size of [1, 2, 4]) {
      const paged = await listAll(name, size);
      assert.deepEqual([...paged.ids].sort(byKey), all, `pages of ${size}`);
      assert.equal(new Set(paged.ids.map((id) => JSON.stringify(id))).size, all.length, 'no id twice');
      assert.ok(paged.pages >= Math.ceil(all.length / size));
    }
    const archived = await client.send(
      new ListImagesCommand({ repositoryName: name, filter: { imageStatus: 'ARCHIVED' } }),
    );
    assert.deepEqual(archived.imageIds, [], 'Berth archives nothing');
  });

  test('an empty repository, a missing one, bad input', async () => {
    const name = repo();
    const image = await apiPushImage(client, name, { tag: 'only' });
    await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageDigest: image.digest }] }));
    const empty = await client.send(new ListImagesCommand({ repositoryName: name }));
    assert.deepEqual(empty.imageIds, []);
    assert.equal(empty.nextToken, undefined);
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: 'images/never-pushed' })),
      'RepositoryNotFoundException',
    );
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: name, nextToken: 'not-a-token' })),
      'InvalidParameterException',
      /nextToken/,
    );
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: name, maxResults: 1001 })),
      'InvalidParameterException',
      /maxResults/,
    );
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: name, maxResults: 0 })),
      'InvalidParameterException',
      /maxResults/,
    );
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: 'Bad_Name' })),
      'InvalidParameterException',
      /repositoryName/,
    );
    await rejectsWith(
      client.send(new ListImagesCommand({ repositoryName: name, filter: { tagStatus: 'SOME' as 'ANY' } })),
      'InvalidParameterException',
      /filter\.tagStatus/,
    );
  });

  test("another account's registry is refused by the one authorization call", async () => {
    const name = repo();
    await apiPushImage(client, name, { tag: 'v1' });
    const other = server.berth.accountId === '111111111111' ? '222222222222' : '111111111111';
    for (const command of [
      new ListImagesCommand({ registryId: other, repositoryName: name }),
      new DescribeImagesCommand({ registryId: other, repositoryName: name }),
      new BatchGetImageCommand({ registryId: other, repositoryName: name, imageIds: [{ imageTag: 'v1' }] }),
      new BatchDeleteImageCommand({ registryId: other, repositoryName: name, imageIds: [{ imageTag: 'v1' }] }),
      new PutImageCommand({ registryId: other, repositoryName: name, imageManifest: '{}' }),
    ]) {
      await rejectsWith(client.send(command as never), 'AccessDeniedException', /not authorized to perform: ecr:/);
    }
    const own = await client.send(new ListImagesCommand({ registryId: server.berth.accountId, repositoryName: name }));
    assert.equal(own.imageIds!.length, 1);
  });
});

describe('DescribeImages', () => {
  test('every field of an image, an untagged image, an index, an artifact and a referrer', async () => {
    const name = repo();
    const started = Date.now();
    const one = await apiPushImage(client, name, { tag: 'amd64', layers: [randomBytes(1000), randomBytes(2000)] });
    const two = await apiPushImage(client, name, { layers: [randomBytes(5000)], docker: true });
    const index = await apiPushIndex(client, name, [one, two], 'multi');
    const artifact = await apiPushImage(client, name, { tag: 'sbom', artifactType: 'application/spdx+json' });
    const empty = { mediaType: MediaTypes.ociEmpty, digest: sha256(Buffer.from('{}')), size: 2 };
    const signature = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.example.signature',
      config: empty,
      layers: [empty],
      subject: { mediaType: MediaTypes.ociManifest, digest: one.digest, size: one.manifest.length },
    });
    await client.send(new PutImageCommand({ repositoryName: name, imageManifest: signature }));
    const details = new Map((await describeAll(name)).map((d) => [d.imageDigest!, d]));
    assert.equal(details.size, 5);
    const referrer = details.get(sha256(Buffer.from(signature)))!;
    assert.equal(referrer.subjectManifestDigest, one.digest);
    assert.equal(referrer.artifactMediaType, 'application/vnd.example.signature');
    assert.equal(referrer.imageSizeInBytes, 2, 'the empty blob, counted once');
    const first = details.get(one.digest)!;
    assert.equal(first.registryId, server.berth.accountId);
    assert.equal(first.repositoryName, name);
    assert.deepEqual(first.imageTags, ['amd64']);
    assert.equal(first.imageSizeInBytes, one.config.size + 1000 + 2000, 'config and layers added up');
    assert.equal(first.imageManifestMediaType, MediaTypes.ociManifest);
    assert.equal(first.artifactMediaType, MediaTypes.ociConfig);
    assert.ok(first.imagePushedAt instanceof Date);
    assert.ok(first.imagePushedAt.getTime() >= started - 1000 && first.imagePushedAt.getTime() <= Date.now() + 1000);
    assert.equal(first.lastRecordedPullTime, undefined, 'never pulled');
    assert.equal(first.subjectManifestDigest, undefined);
    assert.equal(first.imageStatus, 'ACTIVE');
    const second = details.get(two.digest)!;
    assert.equal(second.imageTags, undefined, 'an untagged image has no imageTags');
    assert.equal(second.imageManifestMediaType, MediaTypes.dockerManifest);
    assert.equal(second.artifactMediaType, MediaTypes.dockerConfig);
    assert.equal(second.imageSizeInBytes, two.config.size + 5000);
    const multi = details.get(index.digest)!;
    assert.equal(multi.imageManifestMediaType, MediaTypes.ociIndex);
    assert.equal(
      multi.imageSizeInBytes,
      Math.max(first.imageSizeInBytes!, second.imageSizeInBytes!),
      'an index is as large as its largest image',
    );
    assert.equal(multi.artifactMediaType, undefined);
    assert.equal(details.get(artifact.digest)!.artifactMediaType, 'application/spdx+json');
  });

  test('by image ids: tags, digests, both; ImageNotFoundException for any missing one', async () => {
    const name = repo();
    const a = await apiPushImage(client, name, { tag: 'a' });
    const b = await apiPushImage(client, name);
    const { imageDetails } = await client.send(
      new DescribeImagesCommand({
        repositoryName: name,
        imageIds: [{ imageTag: 'a' }, { imageDigest: b.digest }, { imageDigest: a.digest, imageTag: 'a' }],
      }),
    );
    assert.deepEqual(
      imageDetails!.map((d) => d.imageDigest),
      [a.digest, b.digest],
      'each image once, in the order asked',
    );
    await rejectsWith(
      client.send(
        new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: 'a' }, { imageTag: 'missing' }] }),
      ),
      'ImageNotFoundException',
      /does not exist within the repository/,
    );
    await rejectsWith(
      client.send(
        new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageDigest: sha256(randomBytes(4)) }] }),
      ),
      'ImageNotFoundException',
    );
    await rejectsWith(
      client.send(
        new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageDigest: b.digest, imageTag: 'a' }] }),
      ),
      'ImageNotFoundException',
    );
    await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageDigest: 'sha256:short' }] })),
      'InvalidParameterException',
    );
    await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{}] })),
      'InvalidParameterException',
      /^1 validation error detected: Value '\{\}' at 'imageIds\.1\.member' failed to satisfy constraint: Member must have an imageDigest or an imageTag$/,
    );
    await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: 'a' }], maxResults: 5 })),
      'InvalidParameterException',
      /imageIds/,
    );
    await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [] })),
      'InvalidParameterException',
      /imageIds/,
    );
    await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: 'images/none', imageIds: [{ imageTag: 'a' }] })),
      'RepositoryNotFoundException',
    );
  });

  test('paginated with maxResults and nextToken, filtered by tag status', async () => {
    const name = repo();
    const tagged = [
      await apiPushImage(client, name, { tag: 't1' }),
      await apiPushImage(client, name, { tag: 't2' }),
      await apiPushImage(client, name, { tag: 't3' }),
    ];
    const untagged = [await apiPushImage(client, name), await apiPushImage(client, name)];
    const digests = (images: { digest: string }[]) => images.map((i) => i.digest).sort();
    for (const size of [1, 2, 3, 5, 6]) {
      const details = await describeAll(name, size);
      assert.deepEqual(
        details.map((d) => d.imageDigest!).sort(),
        digests([...tagged, ...untagged]),
        `pages of ${size}`,
      );
    }
    const first = await client.send(new DescribeImagesCommand({ repositoryName: name, maxResults: 2 }));
    assert.equal(first.imageDetails!.length, 2);
    assert.equal(typeof first.nextToken, 'string');
    assert.deepEqual((await describeAll(name, 2, 'TAGGED')).map((d) => d.imageDigest!).sort(), digests(tagged));
    assert.deepEqual((await describeAll(name, 1, 'UNTAGGED')).map((d) => d.imageDigest!).sort(), digests(untagged));
    await rejectsWith(
      client.send(
        new DescribeImagesCommand({
          repositoryName: name,
          nextToken: Buffer.from('{"digest":1}').toString('base64url'),
        }),
      ),
      'InvalidParameterException',
      /nextToken/,
    );
  });

  test('lastRecordedPullTime: a GET over /v2 or BatchGetImage records it, at most once per interval', async () => {
    const name = repo();
    const image = await apiPushImage(client, name, { tag: 'pulled' });
    const other = await apiPushImage(client, name, { tag: 'fetched' });
    const pullTime = async (tag: string) =>
      (await client.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: tag }] })))
        .imageDetails![0]!.lastRecordedPullTime;
    assert.equal(await pullTime('pulled'), undefined);
    const head = await fetch(`${server.url}/v2/${name}/manifests/pulled`, {
      method: 'HEAD',
      headers: { authorization },
    });
    assert.equal(head.status, 200);
    assert.equal(await pullTime('pulled'), undefined, 'a HEAD is not a pull');
    const before = Date.now();
    await pullOverV2(name, 'pulled');
    const recorded = await pullTime('pulled');
    assert.ok(recorded instanceof Date);
    assert.ok(recorded.getTime() >= before - 1000 && recorded.getTime() <= Date.now() + 1000);
    await new Promise((r) => setTimeout(r, 20));
    await pullOverV2(name, image.digest);
    await pullOverV2(name, 'pulled');
    assert.deepEqual(await pullTime('pulled'), recorded, 'pulls within the interval write nothing more');
    assert.equal(await pullTime('fetched'), undefined, 'per image');
    await client.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageDigest: other.digest }] }));
    assert.ok((await pullTime('fetched')) instanceof Date, 'BatchGetImage is a pull');
  });
});

describe('BatchGetImage', () => {
  test('the stored manifest by tag, by digest and by both, byte for byte', async () => {
    const name = repo();
    const image = await apiPushImage(client, name, { tag: 'v1', docker: true });
    const { images, failures } = await client.send(
      new BatchGetImageCommand({
        repositoryName: name,
        imageIds: [
          { imageTag: 'v1' },
          { imageDigest: image.digest },
          { imageDigest: image.digest, imageTag: 'v1' },
          { imageTag: 'v1' },
        ],
      }),
    );
    assert.deepEqual(failures, []);
    assert.equal(images!.length, 3, 'the same id asked twice is served once');
    assert.deepEqual(
      images!.map((i) => i.imageId),
      [
        { imageDigest: image.digest, imageTag: 'v1' },
        { imageDigest: image.digest },
        { imageDigest: image.digest, imageTag: 'v1' },
      ],
    );
    for (const got of images!) {
      assert.equal(got.registryId, server.berth.accountId);
      assert.equal(got.repositoryName, name);
      assert.equal(got.imageManifest, image.manifest.toString('utf8'));
      assert.equal(got.imageManifestMediaType, MediaTypes.dockerManifest);
    }
  });

  test("failures by the model's codes; acceptedMediaTypes", async () => {
    const name = repo();
    const image = await apiPushImage(client, name, { tag: 'v1' });
    const other = await apiPushImage(client, name, { tag: 'v2' });
    const missing = sha256(randomBytes(8));
    const { images, failures } = await client.send(
      new BatchGetImageCommand({
        repositoryName: name,
        imageIds: [
          { imageTag: 'nope' },
          { imageDigest: missing },
          { imageDigest: other.digest, imageTag: 'v1' },
          { imageDigest: 'sha256:xyz' },
          { imageTag: 'bad:tag' },
          {},
          { imageTag: 'v2' },
        ],
      }),
    );
    assert.deepEqual(
      images!.map((i) => i.imageId?.imageDigest),
      [other.digest],
    );
    assert.deepEqual(
      failures!.map((f) => [f.imageId, f.failureCode]),
      [
        [{ imageTag: 'nope' }, 'ImageNotFound'],
        [{ imageDigest: missing }, 'ImageNotFound'],
        [{ imageDigest: other.digest, imageTag: 'v1' }, 'ImageTagDoesNotMatchDigest'],
        [{ imageDigest: 'sha256:xyz' }, 'InvalidImageDigest'],
        [{ imageTag: 'bad:tag' }, 'InvalidImageTag'],
        [{}, 'MissingDigestAndTag'],
      ],
    );
    for (const failure of failures!) assert.ok(failure.failureReason && failure.failureReason.length > 0);
    const accepted = await client.send(
      new BatchGetImageCommand({
        repositoryName: name,
        imageIds: [{ imageTag: 'v1' }],
        acceptedMediaTypes: [MediaTypes.dockerManifest, MediaTypes.ociManifest],
      }),
    );
    assert.equal(accepted.images![0]!.imageManifest, image.manifest.toString());
    // By tag an accepted format is made (the OCI image as Docker schema 2); by digest nothing is converted.
    const converted = await client.send(
      new BatchGetImageCommand({
        repositoryName: name,
        imageIds: [{ imageTag: 'v1' }],
        acceptedMediaTypes: [MediaTypes.dockerManifest],
      }),
    );
    const docker = converted.images![0]!;
    assert.equal(docker.imageManifestMediaType, MediaTypes.dockerManifest);
    assert.equal((JSON.parse(docker.imageManifest!) as { mediaType: string }).mediaType, MediaTypes.dockerManifest);
    assert.equal(docker.imageId!.imageDigest, sha256(Buffer.from(docker.imageManifest!)));
    assert.notEqual(docker.imageId!.imageDigest, image.digest);
    const refused = await client.send(
      new BatchGetImageCommand({
        repositoryName: name,
        imageIds: [{ imageDigest: image.digest }],
        acceptedMediaTypes: [MediaTypes.dockerManifest],
      }),
    );
    assert.deepEqual(refused.images, []);
    assert.equal(refused.failures![0]!.failureCode, 'ImageNotFound');
    assert.match(refused.failures![0]!.failureReason!, /not among the accepted media types/);
    await rejectsWith(
      client.send(new BatchGetImageCommand({ repositoryName: 'images/none', imageIds: [{ imageTag: 'v1' }] })),
      'RepositoryNotFoundException',
    );
    await rejectsWith(
      client.send(
        new BatchGetImageCommand({
          repositoryName: name,
          imageIds: Array.from({ length: 101 }, () => ({ imageTag: 'v1' })),
        }),
      ),
      'InvalidParameterException',
      /imageIds/,
    );
    await rejectsWith(
      client.send(
        new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'v1' }], acceptedMediaTypes: [] }),
      ),
      'InvalidParameterException',
      /acceptedMediaTypes/,
    );
  });
});

describe('BatchDeleteImage', () => {
  test('by tag removes the tag, and the image with its last tag; by digest the image with all its tags', async () => {
    const name = repo();
    const a = await apiPushImage(client, name, { tag: 'a1' });
    await client.send(
      new PutImageCommand({ repositoryName: name, imageManifest: a.manifest.toString(), imageTag: 'a2' }),
    );
    const b = await apiPushImage(client, name, { tag: 'b1' });
    await client.send(
      new PutImageCommand({ repositoryName: name, imageManifest: b.manifest.toString(), imageTag: 'b2' }),
    );
    const c = await apiPushImage(client, name);
    const untag = await client.send(
      new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'a1' }] }),
    );
    assert.deepEqual(untag, {
      $metadata: untag.$metadata,
      imageIds: [{ imageDigest: a.digest, imageTag: 'a1' }],
      failures: [],
    });
    assert.deepEqual(
      (await listAll(name)).ids.filter((id) => id.imageDigest === a.digest),
      [{ imageDigest: a.digest, imageTag: 'a2' }],
    );
    await client.send(
      new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'a2', imageDigest: a.digest }] }),
    );
    assert.deepEqual(
      (await listAll(name)).ids.filter((id) => id.imageDigest === a.digest),
      [],
      'the last tag took the image with it',
    );
    const byDigest = await client.send(
      new BatchDeleteImageCommand({
        repositoryName: name,
        imageIds: [{ imageDigest: b.digest }, { imageDigest: c.digest }],
      }),
    );
    assert.deepEqual(
      byDigest.imageIds!.sort(byKey),
      [
        { imageDigest: b.digest, imageTag: 'b1' },
        { imageDigest: b.digest, imageTag: 'b2' },
        { imageDigest: c.digest },
      ].sort(byKey),
    );
    assert.deepEqual((await listAll(name)).ids, []);
    const gone = await fetch(`${server.url}/v2/${name}/manifests/b1`, { headers: { authorization } });
    assert.equal(gone.status, 404, 'the registry protocol sees the same deletes');
  });

  test('failures per id; an image an index names stays', async () => {
    const name = repo();
    const one = await apiPushImage(client, name, { tag: 'one' });
    const two = await apiPushImage(client, name);
    const index = await apiPushIndex(client, name, [one, two], 'multi');
    const missing = sha256(randomBytes(8));
    const result = await client.send(
      new BatchDeleteImageCommand({
        repositoryName: name,
        imageIds: [
          { imageDigest: one.digest },
          { imageTag: 'nope' },
          { imageDigest: missing },
          { imageDigest: 'md5:abc' },
          { imageTag: 'one', imageDigest: two.digest },
          {},
        ],
      }),
    );
    assert.deepEqual(result.imageIds, []);
    assert.deepEqual(
      result.failures!.map((f) => [f.imageId, f.failureCode]),
      [
        [{ imageDigest: one.digest }, 'ImageReferencedByManifestList'],
        [{ imageTag: 'nope' }, 'ImageNotFound'],
        [{ imageDigest: missing }, 'ImageNotFound'],
        [{ imageDigest: 'md5:abc' }, 'InvalidImageDigest'],
        [{ imageTag: 'one', imageDigest: two.digest }, 'ImageTagDoesNotMatchDigest'],
        [{}, 'MissingDigestAndTag'],
      ],
    );
    assert.match(result.failures![0]!.failureReason!, new RegExp(index.digest));
    // Untagging an image an index names keeps the image.
    await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'one' }] }));
    assert.deepEqual(
      (await listAll(name, undefined, 'UNTAGGED')).ids.map((id) => id.imageDigest).sort(),
      [one.digest, two.digest].sort(),
    );
    // Once the index is gone its images can go.
    await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'multi' }] }));
    const freed = await client.send(
      new BatchDeleteImageCommand({
        repositoryName: name,
        imageIds: [{ imageDigest: one.digest }, { imageDigest: two.digest }],
      }),
    );
    assert.deepEqual(freed.failures, []);
    assert.deepEqual((await listAll(name)).ids, []);
    await rejectsWith(
      client.send(new BatchDeleteImageCommand({ repositoryName: 'images/none', imageIds: [{ imageTag: 'x' }] })),
      'RepositoryNotFoundException',
    );
  });
});

test('an image and an index pushed by skopeo over /v2 are listed, described, fetched and deleted through the SDK', async (t) => {
  if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
  const layout = new OciLayout(tempDir('berth-ecr-images-'));
  try {
    const image = layout.addImage([1024, 64 * 1024]);
    layout.tag(image, 'img');
    const index = layout.addIndex(
      [
        { architecture: 'amd64', os: 'linux' },
        { architecture: 'arm64', os: 'linux' },
      ],
      [2048],
    );
    layout.tag(index, 'multi');
    const name = repo();
    const host = new URL(server.url).host;
    for (const ref of ['img', 'multi']) {
      await skopeo([
        'copy',
        '--all',
        '--preserve-digests',
        '--dest-tls-verify=false',
        '--dest-creds',
        `AWS:${password}`,
        `oci:${layout.dir}:${ref}`,
        `docker://${host}/${name}:${ref}`,
      ]);
    }
    const children = (
      JSON.parse(layout.readBlob(index.digest).toString()) as { manifests: { digest: string }[] }
    ).manifests.map((m) => m.digest);
    const { ids } = await listAll(name);
    assert.deepEqual(
      ids.sort(byKey),
      [
        { imageDigest: image.digest, imageTag: 'img' },
        { imageDigest: index.digest, imageTag: 'multi' },
        ...children.map((d) => ({ imageDigest: d })),
      ].sort(byKey),
    );

    const details = new Map((await describeAll(name)).map((d) => [d.imageDigest!, d]));
    const imageManifest = JSON.parse(layout.readBlob(image.digest).toString()) as {
      config: { size: number };
      layers: { size: number }[];
    };
    assert.equal(
      details.get(image.digest)!.imageSizeInBytes,
      imageManifest.config.size + imageManifest.layers.reduce((sum, l) => sum + l.size, 0),
    );
    assert.deepEqual(details.get(image.digest)!.imageTags, ['img']);
    assert.equal(details.get(index.digest)!.imageManifestMediaType, MediaTypes.ociIndex);
    assert.equal(
      details.get(index.digest)!.imageSizeInBytes,
      Math.max(...children.map((d) => details.get(d)!.imageSizeInBytes!)),
    );

    const { images } = await client.send(
      new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'img' }, { imageTag: 'multi' }] }),
    );
    assert.equal(images![0]!.imageManifest, layout.readBlob(image.digest).toString('utf8'));
    assert.equal(images![1]!.imageManifest, layout.readBlob(index.digest).toString('utf8'));

    const deleted = await client.send(
      new BatchDeleteImageCommand({
        repositoryName: name,
        imageIds: [{ imageDigest: index.digest }, { imageTag: 'img' }],
      }),
    );
    assert.deepEqual(deleted.failures, []);
    assert.deepEqual(deleted.imageIds, [
      { imageDigest: index.digest, imageTag: 'multi' },
      { imageDigest: image.digest, imageTag: 'img' },
    ]);
    await assert.rejects(
      skopeo(['inspect', '--tls-verify=false', '--creds', `AWS:${password}`, `docker://${host}/${name}:img`]),
      /manifest unknown|not found/i,
    );
    assert.deepEqual(
      (await listAll(name)).ids.map((id) => id.imageDigest).sort(),
      [...children].sort(),
      "the index's images stay, untagged",
    );
  } finally {
    rmSync(layout.dir, { recursive: true, force: true });
  }
});

test('ListImageReferrers: the artifacts whose subject is an image, filtered by artifact type and status, a page at a time', async () => {
  const name = repo();
  const image = await apiPushImage(client, name, { tag: 'app' });
  const subject = { mediaType: image.mediaType, digest: image.digest, size: image.manifest.length };
  const signature = await apiPushImage(client, name, {
    artifactType: 'application/vnd.example.signature',
    subject,
    annotations: { 'org.example.signer': 'ci' },
  });
  const sboms = [
    await apiPushImage(client, name, { artifactType: 'application/spdx+json', subject }),
    await apiPushImage(client, name, { artifactType: 'application/spdx+json', subject }),
  ];
  await apiPushImage(client, name, { artifactType: 'application/spdx+json' }); // no subject: not a referrer
  const list = (input: { filter?: object; maxResults?: number; nextToken?: string } = {}) =>
    client.send(
      new ListImageReferrersCommand({ repositoryName: name, subjectId: { imageDigest: image.digest }, ...input }),
    );

  const all = await list();
  assert.deepEqual(
    all.referrers!.map((r) => r.digest),
    [signature, ...sboms].map((a) => a.digest),
    'in push order',
  );
  assert.deepEqual(all.referrers![0], {
    digest: signature.digest,
    mediaType: MediaTypes.ociManifest,
    size: signature.manifest.length,
    artifactType: 'application/vnd.example.signature',
    annotations: { 'org.example.signer': 'ci' },
    artifactStatus: 'ACTIVE',
  });
  assert.equal(all.nextToken, undefined);
  const spdx = await list({ filter: { artifactTypes: ['application/spdx+json'] } });
  assert.deepEqual(
    spdx.referrers!.map((r) => r.digest),
    sboms.map((a) => a.digest),
  );
  assert.deepEqual((await list({ filter: { artifactStatus: 'ARCHIVED' } })).referrers, [], 'nothing is archived');
  assert.equal((await list({ filter: { artifactStatus: 'ANY' } })).referrers!.length, 3);

  const pages: string[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await list({ maxResults: 2, ...(nextToken && { nextToken }) });
    pages.push(page.referrers!.map((r) => r.digest!));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.deepEqual(pages, [[signature.digest, sboms[0]!.digest], [sboms[1]!.digest]]);

  assert.deepEqual(
    (
      await client.send(
        new ListImageReferrersCommand({
          repositoryName: name,
          subjectId: { imageDigest: sha256(Buffer.from('none')) },
        }),
      )
    ).referrers,
    [],
  );
  await rejectsWith(
    client.send(new ListImageReferrersCommand({ repositoryName: name, subjectId: { imageDigest: 'sha256:nope' } })),
    'InvalidParameterException',
  );
  await rejectsWith(list({ maxResults: 51 }), 'InvalidParameterException');
  await rejectsWith(list({ nextToken: 'forged' }), 'InvalidParameterException');
  await rejectsWith(
    client.send(
      new ListImageReferrersCommand({ repositoryName: 'images/none', subjectId: { imageDigest: image.digest } }),
    ),
    'RepositoryNotFoundException',
  );
});
