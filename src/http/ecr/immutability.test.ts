// Tag immutability, enforced where manifests are stored: pushes over /v2 (with a docker-style
// login) refused with TAG_INVALID, wildcard exclusions, and the ECR API's name for the refusal.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  PutImageCommand,
  PutImageTagMutabilityCommand,
  type ECRClient,
  type ImageTagMutability,
} from '@aws-sdk/client-ecr';
import { ImmutableTagError, isTagImmutable, matchesExclusion } from '../../domain/tag-mutability.js';
import { apiPushImage } from '../../testing/ecr.js';
import { ecrClient, refused, RegistryHttp } from '../../testing/ecr-http.js';
import { startBerth, type TestBerth } from '../../testing/server.js';
import { registryApiError } from '../aws-json/registry-api/errors.js';

let server: TestBerth;
let client: ECRClient;
let registry: RegistryHttp;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  registry = await RegistryHttp.login(server.url, client);
});
after(async () => {
  client.destroy();
  await server.close();
});

async function repository(name: string, mutability: ImageTagMutability, filters: string[] = []): Promise<void> {
  await client.send(
    new CreateRepositoryCommand({
      repositoryName: name,
      imageTagMutability: mutability,
      ...(filters.length > 0 && {
        imageTagMutabilityExclusionFilters: filters.map((filter) => ({ filterType: 'WILDCARD' as const, filter })),
      }),
    }),
  );
}

/** Pushes a new manifest over an existing tag: the status and, when refused, the error entry. */
async function overwrite(
  name: string,
  tag: string,
): Promise<{ status: number; error?: { code: string; message: string } }> {
  const image = await registry.image(name);
  const res = await registry.putManifest(name, tag, image.bytes);
  if (res.status === 201) return { status: 201 };
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  return { status: res.status, error: body.errors[0]! };
}

describe('tag immutability over the registry protocol', () => {
  test("an IMMUTABLE repository refuses to move a tag with TAG_INVALID, in ECR's words", async () => {
    await repository('immutable/app', 'IMMUTABLE');
    const first = await registry.push('immutable/app', 'v1');
    const refusal = await overwrite('immutable/app', 'v1');
    assert.deepEqual(refusal, {
      status: 400,
      error: {
        code: 'TAG_INVALID',
        message:
          "The image tag 'v1' already exists in the 'immutable/app' repository and cannot be overwritten because the repository is immutable.",
        detail: { tag: 'v1' },
      },
    });
    assert.equal(await registry.resolve('immutable/app', 'v1'), first.digest, 'the tag did not move');
  });

  test('the same manifest may be pushed to its tag again, and new tags are fine', async () => {
    await repository('immutable/again', 'IMMUTABLE');
    const image = await registry.push('immutable/again', 'v1');
    assert.equal((await registry.putManifest('immutable/again', 'v1', image.bytes)).status, 201);
    assert.equal((await registry.putManifest('immutable/again', 'v1-copy', image.bytes)).status, 201);
    assert.equal((await registry.putManifest('immutable/again', image.digest, image.bytes)).status, 201, 'by digest');
    assert.equal(await registry.resolve('immutable/again', 'v1-copy'), image.digest);
  });

  test('PUT by digest with ?tag= is held to the same rule, and a refused push stores nothing', async () => {
    await repository('immutable/query', 'IMMUTABLE');
    const first = await registry.push('immutable/query', 'v1');
    const other = await registry.image('immutable/query');
    const res = await registry.fetch(`/v2/immutable/query/manifests/${other.digest}?tag=new&tag=v1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: other.bytes,
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code, 'TAG_INVALID');
    assert.equal(await registry.resolve('immutable/query', 'v1'), first.digest);
    assert.equal(await registry.resolve('immutable/query', 'new'), 404, 'no tag of the refused push was stored');
    assert.equal(
      (await registry.fetch(`/v2/immutable/query/manifests/${other.digest}`, { method: 'HEAD' })).status,
      404,
      'nor its manifest',
    );
  });

  test('MUTABLE (the default, also for a repository made by a push) moves tags', async () => {
    await registry.push('mutable/pushed', 'v1');
    assert.equal((await overwrite('mutable/pushed', 'v1')).status, 201);
    await repository('mutable/created', 'MUTABLE');
    await registry.push('mutable/created', 'latest');
    assert.equal((await overwrite('mutable/created', 'latest')).status, 201);
  });

  test('IMMUTABLE_WITH_EXCLUSION lets only the tags its filters match move', async () => {
    await repository('exclusion/immutable', 'IMMUTABLE_WITH_EXCLUSION', ['latest', 'dev-*']);
    for (const tag of ['latest', 'dev-abc', 'dev-', 'v1', 'latest2', 'xdev-1'])
      await registry.push('exclusion/immutable', tag);
    for (const tag of ['latest', 'dev-abc', 'dev-'])
      assert.equal((await overwrite('exclusion/immutable', tag)).status, 201, tag);
    for (const tag of ['v1', 'latest2', 'xdev-1'])
      assert.equal((await overwrite('exclusion/immutable', tag)).error?.code, 'TAG_INVALID', tag);
  });

  test('MUTABLE_WITH_EXCLUSION makes only the tags its filters match immutable', async () => {
    await repository('exclusion/mutable', 'MUTABLE_WITH_EXCLUSION', ['release-*', '*.*.*']);
    for (const tag of ['release-1', '1.2.3', 'latest', 'release']) await registry.push('exclusion/mutable', tag);
    for (const tag of ['release-1', '1.2.3'])
      assert.equal((await overwrite('exclusion/mutable', tag)).error?.code, 'TAG_INVALID', tag);
    for (const tag of ['latest', 'release']) assert.equal((await overwrite('exclusion/mutable', tag)).status, 201, tag);
  });

  test('PutImageTagMutability takes effect on the next push, for tags that exist already', async () => {
    await registry.push('switch/app', 'v1');
    await client.send(
      new PutImageTagMutabilityCommand({ repositoryName: 'switch/app', imageTagMutability: 'IMMUTABLE' }),
    );
    assert.equal((await overwrite('switch/app', 'v1')).error?.code, 'TAG_INVALID');
    await client.send(
      new PutImageTagMutabilityCommand({ repositoryName: 'switch/app', imageTagMutability: 'MUTABLE' }),
    );
    assert.equal((await overwrite('switch/app', 'v1')).status, 201);
  });

  test('a tag may be deleted in an immutable repository, and then pushed anew', async () => {
    await repository('immutable/untag', 'IMMUTABLE');
    await registry.push('immutable/untag', 'v1');
    assert.equal((await registry.fetch('/v2/immutable/untag/manifests/v1', { method: 'DELETE' })).status, 202);
    assert.equal((await overwrite('immutable/untag', 'v1')).status, 201);
  });

  test('concurrent pushes of different manifests to one new immutable tag: one wins, the others are refused', async () => {
    await repository('immutable/raced', 'IMMUTABLE');
    const images = await Promise.all(Array.from({ length: 6 }, () => registry.image('immutable/raced')));
    const statuses = await Promise.all(
      images.map(async (image) => (await registry.putManifest('immutable/raced', 'v1', image.bytes)).status),
    );
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(',')}`);
    assert.ok(statuses.every((s) => s === 201 || s === 400));
    assert.equal(await registry.resolve('immutable/raced', 'v1'), images[statuses.indexOf(201)]!.digest);
  });
});

describe('tag immutability over the ECR API (PutImage)', () => {
  const putImage = (name: string, tag: string, manifest: Buffer) =>
    client.send(new PutImageCommand({ repositoryName: name, imageTag: tag, imageManifest: manifest.toString('utf8') }));
  const tagged = async (name: string, tag: string) =>
    (await client.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: tag }] }))).images?.[0]
      ?.imageId?.imageDigest;

  test("moving an immutable tag is ImageTagAlreadyExistsException, in ECR's words, and the tag stays", async () => {
    await repository('api/immutable', 'IMMUTABLE');
    const first = await apiPushImage(client, 'api/immutable', { tag: 'v1' });
    const second = await apiPushImage(client, 'api/immutable');
    const err = await refused(putImage('api/immutable', 'v1', second.manifest), 'ImageTagAlreadyExistsException');
    assert.equal(
      err.message,
      "The image tag 'v1' already exists in the 'api/immutable' repository and cannot be overwritten because the repository is immutable.",
    );
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.equal(await tagged('api/immutable', 'v1'), first.digest);
    // The same manifest under its tag again is no overwrite (ECR answers ImageAlreadyExistsException).
    await refused(putImage('api/immutable', 'v1', first.manifest), 'ImageAlreadyExistsException');
    await putImage('api/immutable', 'v2', second.manifest);
    assert.equal(await tagged('api/immutable', 'v2'), second.digest);
  });

  test('exclusion filters decide on the API as on /v2', async () => {
    await repository('api/exclusion', 'IMMUTABLE_WITH_EXCLUSION', ['latest']);
    await apiPushImage(client, 'api/exclusion', { tag: 'latest' });
    await apiPushImage(client, 'api/exclusion', { tag: 'v1' });
    const next = await apiPushImage(client, 'api/exclusion');
    await putImage('api/exclusion', 'latest', next.manifest);
    assert.equal(await tagged('api/exclusion', 'latest'), next.digest);
    await refused(putImage('api/exclusion', 'v1', next.manifest), 'ImageTagAlreadyExistsException');
  });

  test('a tag pushed over /v2 is immutable to PutImage too, and the other way round', async () => {
    await repository('api/mixed', 'IMMUTABLE');
    await registry.push('api/mixed', 'from-v2');
    const image = await apiPushImage(client, 'api/mixed', { tag: 'from-api' });
    await refused(putImage('api/mixed', 'from-v2', image.manifest), 'ImageTagAlreadyExistsException');
    assert.equal((await overwrite('api/mixed', 'from-api')).error?.code, 'TAG_INVALID');
  });
});

describe('tag immutability rules', () => {
  test('wildcards: * matches any run of characters; everything else is literal', () => {
    const filters = (...f: string[]) => f.map((filter) => ({ filterType: 'WILDCARD' as const, filter }));
    const cases: [string, string, boolean][] = [
      ['*', 'anything', true],
      ['*', 'a', true],
      ['v*', 'v', true],
      ['v*', 'v1.2', true],
      ['v*', 'xv1', false],
      ['*-rc', '1.0-rc', true],
      ['*-rc', '1.0-rc1', false],
      ['a*b*c', 'abc', true],
      ['a*b*c', 'a-x-b-y-c', true],
      ['a*b*c', 'acb', false],
      ['v1.0', 'v1.0', true],
      ['v1.0', 'v1x0', false],
      ['1.*', '1.2', true],
      ['1.*', '12', false],
      ['latest', 'Latest', false],
    ];
    for (const [filter, tag, expected] of cases)
      assert.equal(matchesExclusion(filters(filter), tag), expected, `${filter} ~ ${tag}`);
    assert.equal(matchesExclusion(filters('x', 'y*'), 'yes'), true, 'any filter may match');
    assert.equal(matchesExclusion([], 'v1'), false);
  });

  test('the four settings', () => {
    const setting = (imageTagMutability: ImageTagMutability, ...filters: string[]) => ({
      imageTagMutability,
      imageTagMutabilityExclusionFilters: filters.map((filter) => ({ filterType: 'WILDCARD' as const, filter })),
    });
    assert.equal(isTagImmutable(setting('MUTABLE'), 'v1'), false);
    assert.equal(isTagImmutable(setting('IMMUTABLE'), 'v1'), true);
    assert.equal(isTagImmutable(setting('IMMUTABLE_WITH_EXCLUSION', 'dev*'), 'dev1'), false);
    assert.equal(isTagImmutable(setting('IMMUTABLE_WITH_EXCLUSION', 'dev*'), 'v1'), true);
    assert.equal(isTagImmutable(setting('MUTABLE_WITH_EXCLUSION', 'v*'), 'v1'), true);
    assert.equal(isTagImmutable(setting('MUTABLE_WITH_EXCLUSION', 'v*'), 'dev1'), false);
  });

  test('on the ECR API the refusal is ImageTagAlreadyExistsException', () => {
    const error = registryApiError(new ImmutableTagError('v1', 'team/app'));
    assert.equal(error?.type, 'ImageTagAlreadyExistsException');
    assert.equal(error?.status, 400);
    assert.equal(
      error?.message,
      "The image tag 'v1' already exists in the 'team/app' repository and cannot be overwritten because the repository is immutable.",
    );
  });
});
