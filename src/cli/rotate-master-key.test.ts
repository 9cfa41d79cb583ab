// `berth admin rotate-master-key` on a deployment with content under both kinds of wrapping key:
// afterwards the key file holds a new key, no blob file changed a byte, and a server started
// with the new key logs in, pulls every image, finishes an upload begun before the rotation and
// uses a KMS key made before it. A server given the old key refuses to start.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { MediaTypes } from '../domain/media-types.js';
import { runScript } from '../testing/cli.js';
import { sha256 } from '../testing/ecr.js';
import { ecrClient, RegistryHttp } from '../testing/ecr-http.js';
import { callKms } from '../testing/kms.js';
import { secretsClient } from '../testing/secrets.js';
import { dropPostgresDatabaseFor, testBackend, testMetadataUrl } from '../testing/postgres.js';
import { CLI, startBerth, TEST_ADMIN, tempDir } from '../testing/server.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const fingerprint = (dir: string) =>
  Object.fromEntries(files(dir).map((f) => [f, createHash('sha256').update(readFileSync(f)).digest('hex')]));

describe('berth admin rotate-master-key', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dataDir = tempDir('berth-rotate-');
    const metadataUrl = await testMetadataUrl(dataDir);
    env = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
  });
  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
  });

  it('re-seals secrets and data keys without touching a blob; the old key no longer opens the deployment', async () => {
    const layer = randomBytes(200_000);
    const partial = randomBytes(100_000);
    let uploadPath: string;
    let images: { name: string; bytes: Buffer }[] = [];
    let keyId: string;
    {
      const server = await startBerth({ dataDir, settings: { auth: { mode: 'iam' } } });
      const client = ecrClient(server.url);
      const registry = await RegistryHttp.login(server.url, client);
      keyId = (await callKms(server.berth.app, 'CreateKey', {})).body.KeyMetadata.KeyId as string;
      // A secret without a KMS key: its value is sealed by the master key.
      const secrets = secretsClient(server.url, TEST_ADMIN);
      await secrets.send(new CreateSecretCommand({ Name: 'rotate/db', SecretString: 'hunter2' }));
      secrets.destroy();
      await client.send(
        new CreateRepositoryCommand({
          repositoryName: 'rotate/kms',
          encryptionConfiguration: { encryptionType: 'KMS', kmsKey: keyId },
        }),
      );
      for (const name of ['rotate/plain', 'rotate/kms']) {
        const config = await registry.blob(name, Buffer.from(JSON.stringify({ os: 'linux', name })));
        const layerDescriptor = {
          ...(await registry.blob(name, layer)),
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
        };
        const bytes = Buffer.from(
          JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [layerDescriptor] }),
        );
        assert.equal((await registry.putManifest(name, 'v1', bytes)).status, 201);
        images.push({ name, bytes });
      }
      const start = await registry.fetch('/v2/rotate/plain/blobs/uploads/', { method: 'POST' });
      uploadPath = new URL(start.headers.get('location')!, server.url).pathname;
      assert.equal(
        (await registry.fetch(uploadPath, { method: 'PATCH', body: partial.subarray(0, 70_000) })).status,
        202,
      );
      client.destroy();
      await server.close();
    }
    const keyFile = join(dataDir, 'master.key');
    const oldKey = readFileSync(keyFile, 'utf8').trim();
    const blobsBefore = fingerprint(join(dataDir, 'storage', 'blobs'));

    const result = await runScript(CLI, ['admin', 'rotate-master-key', '--data-dir', dataDir], env);
    assert.equal(result.code, 0, result.stderr);
    const counts = JSON.parse(/re-sealed (\{.*?\})/.exec(result.stderr)![1]!) as Record<string, number>;
    // Settings: the registry token, layer URL, public registry token, session token and paging
    // token keys (the schema 1 signing key is made on the first schema 1 conversion; none happened here).
    assert.deepEqual(
      counts,
      { settings: 5, accessKeys: 1, blobKeys: 3, uploadKeys: 1, kmsMaterial: 1, secretValues: 1, webhookSecrets: 0 },
      result.stderr,
    );
    // Not a terminal: one plain line per step on standard error, no bar redrawn in place.
    assert.match(result.stderr, /^rotate-master-key: signing keys: 5 re-sealed \(step 1 of 7\)\n/);
    assert.match(result.stderr, /\nrotate-master-key: blob data keys: 3 re-sealed \(step 3 of 7\)\n/);
    assert.match(result.stderr, /\nrotate-master-key: KMS key material: 1 re-sealed \(step 5 of 7\)\n/);
    assert.match(result.stderr, /\nrotate-master-key: Secrets Manager values: 1 re-sealed \(step 6 of 7\)\n/);
    assert.doesNotMatch(result.stderr, /\r|\x1b/);
    const newKey = readFileSync(keyFile, 'utf8').trim();
    assert.notEqual(newKey, oldKey);
    assert.equal(existsSync(`${keyFile}.next`), false);
    assert.deepEqual(fingerprint(join(dataDir, 'storage', 'blobs')), blobsBefore, 'no blob was re-encrypted');

    const again = await runScript(
      CLI,
      ['admin', 'rotate-master-key', '--data-dir', dataDir, '--new-key', randomBytes(32).toString('hex')],
      env,
    );
    assert.equal(again.code, 0, again.stderr);
    const rotatedTwice = readFileSync(keyFile, 'utf8').trim();

    const stale = await runScript(CLI, ['admin', 'accounts', 'ls', '--data-dir', dataDir], {
      ...env,
      BERTH_KEYS_MASTER_KEY: oldKey,
    });
    assert.notEqual(stale.code, 0);
    assert.match(stale.stderr, /not the one this database's secrets were sealed with/);

    const server = await startBerth({ dataDir, settings: { auth: { mode: 'iam' } } });
    try {
      assert.equal(readFileSync(keyFile, 'utf8').trim(), rotatedTwice);
      const client = ecrClient(server.url);
      const registry = await RegistryHttp.login(server.url, client);
      for (const image of images) {
        const pulled = await registry.fetch(`/v2/${image.name}/manifests/v1`, {
          headers: { accept: MediaTypes.ociManifest },
        });
        assert.deepEqual(Buffer.from(await pulled.arrayBuffer()), image.bytes, image.name);
        const blob = await registry.fetch(`/v2/${image.name}/blobs/${sha256(layer)}`);
        assert.deepEqual(Buffer.from(await blob.arrayBuffer()), layer, `${image.name} layer`);
      }
      const done = await registry.fetch(`${uploadPath!}?digest=${sha256(partial)}`, {
        method: 'PUT',
        body: partial.subarray(70_000),
      });
      assert.equal(done.status, 201, await done.text());
      const secrets = secretsClient(server.url, TEST_ADMIN);
      const value = await secrets.send(new GetSecretValueCommand({ SecretId: 'rotate/db' }));
      assert.equal(value.SecretString, 'hunter2', 'a secret sealed before the rotation still opens');
      secrets.destroy();
      const encrypted = await callKms(server.berth.app, 'Encrypt', { KeyId: keyId!, Plaintext: 'AAAA' });
      assert.equal(encrypted.status, 200, JSON.stringify(encrypted.body));
      client.destroy();
    } finally {
      await server.close();
    }
    images = [];
  });
});
