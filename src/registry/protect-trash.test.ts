// Deletion protection, the trash and untag-without-delete through the real HTTP surface: the
// registry protocol (DELETE on /v2) and the ECR API (the AWS SDK's BatchDeleteImage, ListImages,
// DeleteRepository), on a Berth in this process; the purge-trash job run as the scheduler runs it.
// berth protect and berth trash as commands, with the AWS CLI and skopeo: e2e/protect-trash.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchDeleteImageCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  type ECRClient,
  ListImagesCommand,
  UpdateImageStorageClassCommand,
} from '@aws-sdk/client-ecr';
import { MediaTypes } from '../domain/media-types.js';
import { privateRegistry, publicRegistry } from '../domain/registry.js';
import { ecrClient, rejectsWith } from '../testing/ecr.js';
import { assertError, pushImage, pushManifest, putManifest } from '../testing/registry-client.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../testing/public-registry.js';
import { startBerth, type TestBerth } from '../testing/server.js';

const DAY = 24 * 60 * 60 * 1000;

let server: TestBerth;
let client: ECRClient;
let counter = 0;

before(async () => {
  server = await startBerth({ settings: { registry: { trashDays: 1 } } });
  client = ecrClient(server.url);
});

after(async () => {
  client?.destroy();
  await server?.close();
});

const repo = () => `protect/r${++counter}`;
const app = () => server.berth.app;
const account = () => server.berth.accountId;
const get = (name: string, reference: string) =>
  app().inject({
    method: 'GET',
    url: `/v2/${name}/manifests/${reference}`,
    headers: { accept: MediaTypes.ociManifest },
  });
const remove = (name: string, reference: string) =>
  app().inject({ method: 'DELETE', url: `/v2/${name}/manifests/${reference}` });
const trashed = async (name: string) =>
  (await server.berth.services.trash.list(privateRegistry(account()), name)).map((e) => [e.manifest.digest, e.tags]);

describe('untag without deleting', () => {
  it('DELETE by tag on /v2 leaves the image, untagged: ListImages UNTAGGED lists it and it pulls by digest', async () => {
    const name = repo();
    const image = await pushImage(app(), name, 'v1');
    assert.equal((await remove(name, 'v1')).statusCode, 202);
    assertError(await get(name, 'v1'), 404, 'MANIFEST_UNKNOWN');
    const untagged = await client.send(
      new ListImagesCommand({ repositoryName: name, filter: { tagStatus: 'UNTAGGED' } }),
    );
    assert.deepEqual(untagged.imageIds, [{ imageDigest: image.digest }]);
    const pulled = await get(name, image.digest);
    assert.equal(pulled.statusCode, 200);
    assert.ok(pulled.rawPayload.equals(image.bytes), 'byte-identical by digest');
    assert.deepEqual(await trashed(name), [], 'an untag deletes no image: nothing in the trash');
  });
});

describe('deletion protection', () => {
  it('a protected tag survives BatchDeleteImage and DELETE on /v2; lifting the protection lets them through', async () => {
    const name = repo();
    const image = await pushImage(app(), name, 'prod-1');
    assert.equal((await putManifest(app(), name, 'dev', image.bytes, image.mediaType)).statusCode, 201);
    await server.berth.services.protections.add(account(), name, 'prod-*');

    const refused = await client.send(
      new BatchDeleteImageCommand({
        repositoryName: name,
        imageIds: [{ imageTag: 'prod-1' }, { imageDigest: image.digest }, { imageTag: 'dev' }],
      }),
    );
    assert.deepEqual(refused.imageIds, [{ imageDigest: image.digest, imageTag: 'dev' }], 'an unprotected tag goes');
    assert.deepEqual(
      refused.failures!.map((f) => [f.imageId, f.failureCode]),
      [
        [{ imageTag: 'prod-1' }, 'ImageInaccessible'],
        [{ imageDigest: image.digest }, 'ImageInaccessible'],
      ],
    );
    for (const failure of refused.failures!) assert.match(failure.failureReason!, /protected from deletion.*'prod-\*'/);

    for (const reference of ['prod-1', image.digest]) {
      const entry = assertError(await remove(name, reference), 405, 'UNSUPPORTED');
      assert.match(entry.message, /tags matching 'prod-\*' in the repository 'protect\/r\d+' are protected/);
    }
    assert.equal((await get(name, 'prod-1')).statusCode, 200, 'still there');

    assert.equal(await server.berth.services.protections.remove(account(), name, 'prod-*'), true);
    const through = await client.send(
      new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'prod-1' }] }),
    );
    assert.deepEqual(through.imageIds, [{ imageDigest: image.digest, imageTag: 'prod-1' }]);
    assert.deepEqual(through.failures, []);
    assertError(await get(name, image.digest), 404, 'MANIFEST_UNKNOWN');
  });

  it('a protected repository refuses DeleteRepository, even forced, and any image delete, until lifted', async () => {
    const name = repo();
    const image = await pushImage(app(), name, 'v1');
    await server.berth.services.protections.add(account(), name, undefined);
    await rejectsWith(
      client.send(new DeleteRepositoryCommand({ repositoryName: name, force: true })),
      'InvalidParameterException',
      /cannot be deleted: it is protected from deletion \(protected: repository\)/,
    );
    assertError(await remove(name, image.digest), 405, 'UNSUPPORTED');
    const untag = await client.send(
      new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'v1' }] }),
    );
    assert.equal(untag.failures![0]!.failureCode, 'ImageInaccessible');
    assert.equal((await get(name, 'v1')).statusCode, 200);

    await server.berth.services.protections.remove(account(), name, undefined);
    await client.send(new DeleteRepositoryCommand({ repositoryName: name, force: true }));
    assertError(await get(name, 'v1'), 404, 'NAME_UNKNOWN');
  });

  it('is a lifecycle retention guard: protected images are kept, with the protection as the reason', async () => {
    const name = repo();
    await pushImage(app(), name, 'prod-7');
    const repository = (await server.berth.store.repositories.get(account(), name))!;
    await server.berth.services.protections.add(account(), name, 'prod-*');
    const kept = await server.berth.services.protections.kept(repository, [
      { digest: 'sha256:a', tags: ['prod-7', 'x'] },
      { digest: 'sha256:b', tags: ['dev'] },
      { digest: 'sha256:c', tags: [] },
    ]);
    assert.deepEqual([...kept], [['sha256:a', 'protected: prod-*']]);
  });

  it('covers the images an index with a protected tag names: they stay, for /v2 and for lifecycle', async () => {
    const name = repo();
    const child = await pushImage(app(), name);
    await pushManifest(
      app(),
      name,
      'prod-2',
      {
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [{ mediaType: child.mediaType, digest: child.digest, size: child.size }],
      },
      MediaTypes.ociIndex,
    );
    await server.berth.services.protections.add(account(), name, 'prod-*');
    const entry = assertError(await remove(name, child.digest), 405, 'UNSUPPORTED');
    assert.match(entry.message, /The image sha256:\w+ \(in the index sha256:\w+\) cannot be deleted/);
    const repository = (await server.berth.store.repositories.get(account(), name))!;
    const kept = await server.berth.services.protections.kept(repository, [{ digest: child.digest, tags: [] }]);
    assert.deepEqual([...kept], [[child.digest, 'protected: prod-*']]);
  });
});

describe('the trash', () => {
  it('keeps an image deleted by BatchDeleteImage or DELETE on /v2, and restores it byte-identical with its tags', async () => {
    const name = repo();
    const image = await pushImage(app(), name, 'v1', { layers: 2 });
    const gone = await client.send(
      new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageDigest: image.digest }] }),
    );
    assert.deepEqual(gone.imageIds, [{ imageDigest: image.digest, imageTag: 'v1' }]);
    assertError(await get(name, 'v1'), 404, 'MANIFEST_UNKNOWN');
    const [entry] = await server.berth.services.trash.list(privateRegistry(account()), name);
    assert.equal(entry!.manifest.digest, image.digest);
    assert.deepEqual(entry!.tags, ['v1']);
    assert.match(entry!.deletedBy, /^arn:aws:iam::\d{12}:root$/);
    assert.deepEqual(entry!.references, [image.config.digest, ...image.layers.map((l) => l.digest)].sort());

    assert.deepEqual(await server.berth.services.trash.restore(privateRegistry(account()), name, image.digest), {
      restored: [image.digest],
      tags: ['v1'],
      taken: [],
    });
    const pulled = await get(name, 'v1');
    assert.equal(pulled.statusCode, 200);
    assert.ok(pulled.rawPayload.equals(image.bytes), 'the manifest, byte for byte');
    for (const blob of [image.config, ...image.layers]) {
      const res = await app().inject({ method: 'GET', url: `/v2/${name}/blobs/${blob.digest}` });
      assert.equal(res.statusCode, 200);
      assert.equal(res.rawPayload.length, blob.size);
    }
    assert.deepEqual(await trashed(name), [], 'restored: out of the trash');

    // By digest on /v2; meanwhile v1 goes to another image, and the restore leaves it there.
    assert.equal((await remove(name, image.digest)).statusCode, 202);
    assert.deepEqual(await trashed(name), [[image.digest, ['v1']]]);
    const other = await pushImage(app(), name, 'v1');
    assert.deepEqual(await server.berth.services.trash.restore(privateRegistry(account()), name, image.digest), {
      restored: [image.digest],
      tags: [],
      taken: [{ tag: 'v1', digest: other.digest }],
    });
    assert.ok((await get(name, image.digest)).rawPayload.equals(image.bytes));
    assert.equal((await get(name, 'v1')).headers['docker-content-digest'], other.digest);
    await assert.rejects(
      server.berth.services.trash.restore(privateRegistry(account()), name, image.digest),
      /already/,
    );
  });

  it('restores an archived image archived: the trash keeps its storage class', async () => {
    const name = repo();
    const image = await pushImage(app(), name, 'v1');
    await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: name,
        imageId: { imageTag: 'v1' },
        targetStorageClass: 'ARCHIVE',
      }),
    );
    await client.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: 'v1' }] }));
    await server.berth.services.trash.restore(privateRegistry(account()), name, image.digest);
    const described = await client.send(
      new DescribeImagesCommand({ repositoryName: name, filter: { imageStatus: 'ANY' } }),
    );
    assert.deepEqual(
      described.imageDetails?.map((d) => [d.imageDigest, d.imageStatus, d.imageTags]),
      [[image.digest, 'ARCHIVED', ['v1']]],
    );
    assertError(await get(name, 'v1'), 404, 'MANIFEST_UNKNOWN');
  });

  it('restores a deleted index with its deleted children first', async () => {
    const name = repo();
    const children = [await pushImage(app(), name), await pushImage(app(), name)];
    const index = await pushManifest(
      app(),
      name,
      'multi',
      {
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: children.map((c, i) => ({
          mediaType: c.mediaType,
          digest: c.digest,
          size: c.size,
          platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
        })),
      },
      MediaTypes.ociIndex,
    );
    for (const digest of [index.digest, ...children.map((c) => c.digest)])
      assert.equal((await remove(name, digest)).statusCode, 202);
    assert.equal((await trashed(name)).length, 3);
    const report = await server.berth.services.trash.restore(privateRegistry(account()), name, index.digest);
    assert.deepEqual(report.restored.slice(-1), [index.digest], 'the index last');
    assert.deepEqual(report.restored.slice(0, 2).sort(), children.map((c) => c.digest).sort());
    assert.deepEqual(report.tags, ['multi']);
    const pulled = await app().inject({
      method: 'GET',
      url: `/v2/${name}/manifests/multi`,
      headers: { accept: MediaTypes.ociIndex },
    });
    assert.ok(pulled.rawPayload.equals(index.bytes));
    for (const child of children) assert.ok((await get(name, child.digest)).rawPayload.equals(child.bytes));
    assert.deepEqual(await trashed(name), []);
  });

  it("keeps what ECR Public deletes, in the public registry's trash", async () => {
    const name = `public/r${++counter}`;
    await publicApi(app(), 'CreateRepository', { repositoryName: name });
    const alias = (await publicApi(app(), 'DescribeRegistries')).registries[0].aliases[0].name as string;
    const publicUrl = server.berth.publicUrl();
    const reference = `${alias}/${name}`;
    const push = await bearerToken(publicUrl, `repository:${reference}:push`, await publicPassword(app()));
    const digest = await pushPublicImage(publicUrl, push, reference, '1.0');
    const deleted = await publicApi(app(), 'BatchDeleteImage', {
      repositoryName: name,
      imageIds: [{ imageTag: '1.0' }],
    });
    assert.deepEqual(deleted.imageIds, [{ imageDigest: digest, imageTag: '1.0' }]);
    const registry = publicRegistry(account());
    assert.deepEqual(
      (await server.berth.services.trash.list(registry, name)).map((e) => [e.manifest.digest, e.tags]),
      [[digest, ['1.0']]],
    );
    await assert.rejects(server.berth.services.trash.list(privateRegistry(account()), name), /no repository/);
    await server.berth.services.trash.restore(registry, name, digest);
    const pull = await bearerToken(publicUrl, `repository:${reference}:pull`);
    const res = await fetch(`${publicUrl}/v2/${reference}/manifests/1.0`, {
      headers: { authorization: `Bearer ${pull}`, accept: MediaTypes.ociManifest },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), digest);
  });

  it('the purge-trash job removes entries past registry.trashDays and keeps the others', async () => {
    const name = repo();
    const recent = await pushImage(app(), name, 'recent');
    const old = await pushImage(app(), name, 'old');
    assert.equal((await remove(name, recent.digest)).statusCode, 202);
    // An entry deleted two days ago, as the store records any deletion.
    const repository = (await server.berth.store.repositories.get(account(), name))!;
    assert.equal(await server.berth.store.trash.discard(repository.id, old.digest, 'test', Date.now() - 2 * DAY), true);
    assert.equal((await trashed(name)).length, 2);

    const { store, scheduler } = server.berth;
    // Make the job due now (and the others not): lease each as if its interval had passed, and
    // record a run of this one due at 0, of the others in ten days.
    for (;;) {
      const claimed = await store.jobs.claim('test', Date.now() + 3_600_000, Date.now() + 3_600_001);
      assert.ok(claimed, 'purge-trash is among the jobs');
      await store.jobs.complete(claimed, 'test', 0, claimed === 'purge-trash' ? 0 : Date.now() + 10 * DAY, null);
      if (claimed === 'purge-trash') break;
    }
    assert.deepEqual(await scheduler.tick(), ['purge-trash']);
    assert.deepEqual(await trashed(name), [[recent.digest, ['recent']]]);

    // A repository deleted with its images takes its trash with it.
    await client.send(new DeleteRepositoryCommand({ repositoryName: name, force: true }));
    assert.deepEqual(
      (await server.berth.store.trash.list(account())).filter((e) => e.repositoryName === name),
      [],
    );
  });
});

describe('registry.trashDays 0', () => {
  it('keeps nothing: a deleted image is gone for good', async () => {
    const off = await startBerth({ listen: false, settings: { registry: { trashDays: 0 } } });
    try {
      const name = 'protect/off';
      const image = await pushImage(off.berth.app, name, 'v1');
      const res = await off.berth.app.inject({ method: 'DELETE', url: `/v2/${name}/manifests/${image.digest}` });
      assert.equal(res.statusCode, 202);
      assert.deepEqual(await off.berth.services.trash.list(privateRegistry(off.berth.accountId), name), []);
      await assert.rejects(
        off.berth.services.trash.restore(privateRegistry(off.berth.accountId), name, image.digest),
        /not in the trash/,
      );
    } finally {
      await off.close();
    }
  });
});
