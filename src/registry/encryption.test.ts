// Encryption at rest through the real HTTP surface: nothing under the data dir holds pushed
// plaintext (layers, manifests, uploads in progress); Range reads across segment boundaries; a
// tampered byte fails the read clearly; a KMS repository's content is unreadable while its key
// is disabled or pending deletion, and readable again once enabled, while a repository sharing
// the same blob under the master key reads on.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BatchGetImageCommand, CreateRepositoryCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { MediaTypes } from '../domain/media-types.js';
import { HEADER, SEALED_SEGMENT, SEGMENT } from '../storage/encryption/segments.js';
import { sha256 } from '../testing/ecr.js';
import { ecrClient, refused, RegistryHttp } from '../testing/ecr-http.js';
import { callKms } from '../testing/kms.js';
import { startBerth, type TestBerth } from '../testing/server.js';

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

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function blobFile(digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(server.dataDir, 'storage', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

/** Pushes an image whose layer is `layer`, under `tag`; returns the manifest's bytes and digest. */
async function pushImage(
  name: string,
  tag: string,
  layer: Buffer,
  config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', n: randomBytes(8).toString('hex') })),
) {
  const configDescriptor = await registry.blob(name, config);
  const layerDescriptor = {
    ...(await registry.blob(name, layer)),
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
  };
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: configDescriptor,
      layers: [layerDescriptor],
    }),
  );
  const res = await registry.putManifest(name, tag, bytes);
  assert.equal(res.status, 201, await res.text());
  return { bytes, digest: sha256(bytes), layer: layerDescriptor.digest };
}

async function pull(name: string, reference: string): Promise<Response> {
  return registry.fetch(`/v2/${name}/manifests/${reference}`, { headers: { accept: MediaTypes.ociManifest } });
}

async function kmsOk(action: string, input: unknown): Promise<Record<string, any>> {
  const res = await callKms(server.berth.app, action, input);
  assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
  return res.body;
}

describe('encryption at rest', () => {
  test('no file under the data dir holds the plaintext of a layer, a config, a manifest or an upload in progress', async () => {
    // Random bytes: nothing compresses them, so any copy on disk would show them as they are.
    const marker = randomBytes(64);
    const layer = Buffer.concat([marker, randomBytes(3 * SEGMENT), marker, randomBytes(100), marker]);
    const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', marker: marker.toString('hex') }));
    const image = await pushImage('crypt/scan', 'v1', layer, config);
    // A chunked upload left in progress, its bytes across segment boundaries.
    const start = await registry.fetch('/v2/crypt/scan/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location')!;
    const partial = Buffer.concat([marker, randomBytes(SEGMENT + 10), marker]);
    const patch = await registry.fetch(location.replace(server.url, ''), {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream' },
      body: partial,
    });
    assert.equal(patch.status, 202);

    const needles = [
      marker,
      marker.toString('hex'),
      image.bytes.subarray(0, 48),
      image.bytes,
      config.subarray(0, 40),
    ].map((n) => Buffer.from(n));
    const scanned = files(server.dataDir);
    assert.ok(
      scanned.some((f) => f.includes(`${join('storage', 'uploads')}`)),
      'the upload in progress is among the files scanned',
    );
    for (const file of scanned) {
      const content = readFileSync(file);
      for (const needle of needles) assert.equal(content.indexOf(needle), -1, `${file} holds plaintext`);
    }
    // And every byte reads back through the API.
    const got = await registry.fetch(`/v2/crypt/scan/blobs/${image.layer}`);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), layer);
    assert.deepEqual(Buffer.from(await (await pull('crypt/scan', 'v1')).arrayBuffer()), image.bytes);
  });

  test('Range reads across segment boundaries return exactly the bytes asked', async () => {
    const layer = randomBytes(4 * SEGMENT + 321);
    const image = await pushImage('crypt/range', 'v1', layer);
    for (const [start, end] of [
      [SEGMENT - 3, SEGMENT + 2],
      [0, 0],
      [SEGMENT, 3 * SEGMENT - 1],
      [5, layer.length - 1],
      [layer.length - 10, layer.length - 1],
      [2 * SEGMENT - 1, 2 * SEGMENT],
    ]) {
      const res = await registry.fetch(`/v2/crypt/range/blobs/${image.layer}`, {
        headers: { range: `bytes=${start}-${end}` },
      });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${layer.length}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), layer.subarray(start!, end! + 1), `bytes ${start}-${end}`);
    }
  });

  test('a tampered ciphertext byte fails the read with a clear error, never other bytes', async () => {
    const layer = randomBytes(3 * SEGMENT);
    const image = await pushImage('crypt/tamper', 'v1', layer);
    const handle = await open(blobFile(image.layer), 'r+');
    const position = HEADER + SEALED_SEGMENT + 100; // inside the second segment
    const one = Buffer.alloc(1);
    await handle.read(one, 0, 1, position);
    await handle.write(Buffer.from([one[0]! ^ 1]), 0, 1, position);
    await handle.close();
    const first = await registry.fetch(`/v2/crypt/tamper/blobs/${image.layer}`, {
      headers: { range: `bytes=0-${SEGMENT - 1}` },
    });
    assert.deepEqual(
      Buffer.from(await first.arrayBuffer()),
      layer.subarray(0, SEGMENT),
      'untouched segments still read',
    );
    const ranged = await registry.fetch(`/v2/crypt/tamper/blobs/${image.layer}`, {
      headers: { range: `bytes=${SEGMENT + 50}-${SEGMENT + 60}` },
    });
    assert.equal(ranged.status, 500);
    const body = (await ranged.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]!.code, 'UNKNOWN');
    assert.match(body.errors[0]!.message, /integrity check.*segment 1 failed authentication/);
    // A whole-blob GET has sent its headers before it reaches the bad segment: the connection is cut.
    const whole = await registry
      .fetch(`/v2/crypt/tamper/blobs/${image.layer}`)
      .then((r) => r.arrayBuffer())
      .then(
        (b) => Buffer.from(b),
        (err: Error) => err,
      );
    assert.ok(whole instanceof Error || !whole.equals(layer), 'the tampered blob is never served whole');
  });

  test('a stored copy that is not a sealed blob (stored before encryption at rest) is replaced by the next push of it', async () => {
    const layer = randomBytes(SEGMENT + 99);
    const image = await pushImage('crypt/legacy', 'v1', layer);
    writeFileSync(blobFile(image.layer), layer); // what an unencrypted store kept
    const broken = await registry.fetch(`/v2/crypt/legacy/blobs/${image.layer}`);
    assert.equal(broken.status, 500);
    assert.match(((await broken.json()) as { errors: { message: string }[] }).errors[0]!.message, /integrity check/);
    await registry.blob('crypt/legacy', layer);
    assert.notDeepEqual(readFileSync(blobFile(image.layer)).subarray(0, 64), layer.subarray(0, 64), 'sealed again');
    const healed = await registry.fetch(`/v2/crypt/legacy/blobs/${image.layer}`);
    assert.deepEqual(Buffer.from(await healed.arrayBuffer()), layer);
  });

  test('a KMS repository: unreadable while its key is disabled or pending deletion, readable once enabled', async () => {
    const key = (await kmsOk('CreateKey', { Description: 'crypt' })).KeyMetadata;
    await kmsOk('CreateAlias', { AliasName: 'alias/crypt', TargetKeyId: key.KeyId });
    const { repository } = await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'crypt/kms',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/crypt' },
      }),
    );
    assert.deepEqual(repository!.encryptionConfiguration, { encryptionType: 'KMS', kmsKey: key.Arn });
    const layer = randomBytes(SEGMENT + 5);
    const image = await pushImage('crypt/kms', 'v1', layer);
    // The same layer in a repository under the master key: stored once, each reads through its own wrap.
    await pushImage('crypt/plain', 'v1', layer);
    const readable = async () => {
      const manifest = await pull('crypt/kms', 'v1');
      const blob = await registry.fetch(`/v2/crypt/kms/blobs/${image.layer}`);
      return [
        manifest.status,
        blob.status,
        manifest.ok ? Buffer.from(await manifest.arrayBuffer()).equals(image.bytes) : await manifest.json(),
        blob.ok ? Buffer.from(await blob.arrayBuffer()).equals(layer) : await blob.json(),
      ];
    };
    assert.deepEqual(await readable(), [200, 200, true, true]);

    await kmsOk('DisableKey', { KeyId: key.KeyId });
    const [manifestStatus, blobStatus, manifestError, blobError] = await readable();
    assert.deepEqual([manifestStatus, blobStatus], [403, 403]);
    for (const error of [manifestError, blobError] as {
      errors: { code: string; message: string; detail: unknown }[];
    }[]) {
      assert.equal(error.errors[0]!.code, 'DENIED');
      assert.match(error.errors[0]!.message, /KMS key unavailable \(DisabledException\).*is disabled/);
      assert.deepEqual(error.errors[0]!.detail, { kmsError: 'DisabledException' });
    }
    const err = await refused(
      client.send(new BatchGetImageCommand({ repositoryName: 'crypt/kms', imageIds: [{ imageTag: 'v1' }] })),
      'KmsException',
    );
    assert.equal((err as unknown as { kmsError?: string }).kmsError, 'DisabledException');
    const push = await registry.fetch('/v2/crypt/kms/blobs/uploads/', { method: 'POST' });
    assert.equal(push.status, 403, 'nothing new is sealed with a disabled key');
    const shared = await registry.fetch(`/v2/crypt/plain/blobs/${image.layer}`);
    assert.deepEqual(
      Buffer.from(await shared.arrayBuffer()),
      layer,
      'the repository under the master key reads the shared blob on',
    );
    await refused(
      client.send(
        new CreateRepositoryCommand({
          repositoryName: 'crypt/kms-disabled',
          encryptionConfiguration: { encryptionType: 'KMS', kmsKey: key.Arn },
        }),
      ),
      'KmsException',
    );

    await kmsOk('EnableKey', { KeyId: key.KeyId });
    assert.deepEqual(await readable(), [200, 200, true, true]);

    await kmsOk('ScheduleKeyDeletion', { KeyId: key.KeyId, PendingWindowInDays: 7 });
    const pending = await pull('crypt/kms', 'v1');
    assert.equal(pending.status, 403);
    assert.match(
      ((await pending.json()) as { errors: { message: string }[] }).errors[0]!.message,
      /KMSInvalidStateException/,
    );
    await kmsOk('CancelKeyDeletion', { KeyId: key.KeyId });
    await kmsOk('EnableKey', { KeyId: key.KeyId });
    assert.deepEqual(await readable(), [200, 200, true, true]);
  });

  test('a key whose waiting period ended is gone at once, and the job deletes it with its aliases: its repository is unreadable for good', async () => {
    const key = (await kmsOk('CreateKey', { Description: 'doomed' })).KeyMetadata;
    await kmsOk('CreateAlias', { AliasName: 'alias/doomed', TargetKeyId: key.KeyId });
    const kept = (await kmsOk('CreateKey', { Description: 'kept' })).KeyMetadata;
    await kmsOk('ScheduleKeyDeletion', { KeyId: kept.KeyId, PendingWindowInDays: 7 });
    await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'crypt/doomed',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: key.Arn },
      }),
    );
    const layer = randomBytes(1000);
    const image = await pushImage('crypt/doomed', 'v1', layer);
    await pushImage('crypt/survivor', 'v1', layer);
    await kmsOk('ScheduleKeyDeletion', { KeyId: key.KeyId, PendingWindowInDays: 7 });
    const { store, scheduler } = server.berth;
    // Seven days later: the deletion date has passed, the job has not run yet.
    await store.kms.updateKey(key.KeyId, { deletionDate: Date.now() - 1000 });
    const listed = async () =>
      ((await kmsOk('ListKeys', { Limit: 1000 })).Keys as { KeyId: string }[]).map((k) => k.KeyId);
    assert.ok(!(await listed()).includes(key.KeyId), 'ListKeys leaves a deleted key out');
    assert.ok((await listed()).includes(kept.KeyId), 'a key whose waiting period runs on is listed');
    assert.equal(
      (await callKms(server.berth.app, 'DescribeKey', { KeyId: key.KeyId })).body.__type,
      'NotFoundException',
    );
    assert.equal(
      (await callKms(server.berth.app, 'DescribeKey', { KeyId: 'alias/doomed' })).body.__type,
      'NotFoundException',
    );

    // Make the job due now, as if its interval had passed (the others run later).
    for (let job = ''; job !== 'delete-kms-keys'; ) {
      job = (await store.jobs.claim('test', Date.now() + 3_600_001, Date.now() + 3_600_002))!;
      assert.ok(job, 'delete-kms-keys is one of the jobs');
      await store.jobs.complete(job, 'test', 0, job === 'delete-kms-keys' ? 0 : Date.now() + 36_000_000, null);
    }
    assert.deepEqual(await scheduler.tick(), ['delete-kms-keys']);
    assert.equal(await store.kms.getKey(key.KeyId), undefined);
    assert.equal(await store.kms.material(key.KeyId), undefined, 'its material is gone');
    assert.equal(await store.kms.getAlias(server.berth.accountId, 'alias/doomed'), undefined, 'and its alias');
    assert.equal(
      (await store.kms.getKey(kept.KeyId))?.state,
      'PendingDeletion',
      'a key still in its waiting period stays',
    );
    await kmsOk('CancelKeyDeletion', { KeyId: kept.KeyId });

    const pulled = await pull('crypt/doomed', 'v1');
    assert.equal(pulled.status, 403);
    assert.match(
      ((await pulled.json()) as { errors: { message: string }[] }).errors[0]!.message,
      /KMS key unavailable \(NotFoundException\)/,
    );
    assert.equal((await registry.fetch(`/v2/crypt/doomed/blobs/${image.layer}`)).status, 403);
    const shared = await registry.fetch(`/v2/crypt/survivor/blobs/${image.layer}`);
    assert.deepEqual(
      Buffer.from(await shared.arrayBuffer()),
      layer,
      'a repository under the master key reads the shared blob on',
    );
  });

  test("a manifest converted on pull is sealed like every manifest and read through the repository's wrap", async () => {
    const key = (await kmsOk('CreateKey', { Description: 'conversions' })).KeyMetadata;
    await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'crypt/convert',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: key.Arn },
      }),
    );
    const config = await registry.blob(
      'crypt/convert',
      Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] } })),
    );
    const layer = {
      ...(await registry.blob('crypt/convert', randomBytes(1000))),
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    };
    const oci = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { ...config, mediaType: MediaTypes.ociConfig },
        layers: [layer],
      }),
    );
    assert.equal((await registry.putManifest('crypt/convert', 'v1', oci)).status, 201);
    const asDocker = () =>
      registry.fetch('/v2/crypt/convert/manifests/v1', { headers: { accept: MediaTypes.dockerManifest } });
    const converted = await asDocker();
    assert.equal(converted.status, 200);
    assert.equal(converted.headers.get('content-type'), MediaTypes.dockerManifest);
    const bytes = Buffer.from(await converted.arrayBuffer());
    const digest = converted.headers.get('docker-content-digest')!;
    assert.equal(digest, sha256(bytes));
    assert.notEqual(digest, sha256(oci));
    const stored = readFileSync(blobFile(digest));
    assert.equal(
      stored.length,
      HEADER + bytes.length + (SEALED_SEGMENT - SEGMENT),
      'the conversion is one sealed segment',
    );
    for (const file of files(server.dataDir))
      assert.equal(readFileSync(file).indexOf(bytes), -1, `${file} holds the converted manifest`);
    await kmsOk('DisableKey', { KeyId: key.KeyId });
    assert.equal(
      (await registry.fetch(`/v2/crypt/convert/manifests/${digest}`)).status,
      403,
      'unreadable while the key is disabled',
    );
    await kmsOk('EnableKey', { KeyId: key.KeyId });
    const again = await registry.fetch(`/v2/crypt/convert/manifests/${digest}`);
    assert.equal(again.status, 200);
    assert.deepEqual(Buffer.from(await again.arrayBuffer()), bytes);
  });

  test('KMS without a key uses the account default ECR key; an unknown key is KmsException', async () => {
    const { repository } = await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'crypt/default',
        encryptionConfiguration: { encryptionType: 'KMS' },
      }),
    );
    const alias = (await kmsOk('DescribeKey', { KeyId: 'alias/aws/ecr' })).KeyMetadata;
    assert.equal(repository!.encryptionConfiguration!.kmsKey, alias.Arn);
    const err = await refused(
      client.send(
        new CreateRepositoryCommand({
          repositoryName: 'crypt/unknown',
          encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/nope' },
        }),
      ),
      'KmsException',
    );
    assert.equal((err as unknown as { kmsError?: string }).kmsError, 'NotFoundException');
    const image = await pushImage('crypt/default', 'v1', randomBytes(100));
    assert.deepEqual(Buffer.from(await (await pull('crypt/default', 'v1')).arrayBuffer()), image.bytes);
  });
});
