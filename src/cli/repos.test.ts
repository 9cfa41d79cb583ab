// `berth repo` and `berth images` drive a running Berth through the ECR API with an access key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rmSync } from 'node:fs';
import { apiPushImage, ecrClient } from '../testing/ecr.js';
import { runScript } from '../testing/cli.js';
import { CLI, freePort, spawnBerth, tempDir, type ChildBerth, ADMIN_ENV } from '../testing/server.js';

describe('berth repo and berth images', () => {
  const dataDir = tempDir('berth-repos-cli-');
  let server: ChildBerth;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    server = await spawnBerth(dataDir, await freePort(), { BERTH_AUTH_MODE: 'iam' });
    env = {
      BERTH_ENDPOINT_URL: server.url,
      ...ADMIN_ENV,
      AWS_REGION: 'us-east-1',
    };
  });
  after(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates, lists, shows images of and removes repositories', async () => {
    const created = await runScript(CLI, ['repo', 'create', 'team/web', '--immutable'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), `${new URL(server.url).host}/team/web`);
    const twice = await runScript(CLI, ['repo', 'create', 'team/web'], env);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /RepositoryAlreadyExistsException/);

    const listed = await runScript(CLI, ['repo', 'ls'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NAME\s+TAGS\s+CREATED\s+URI\n/);
    assert.match(listed.stdout, /team\/web\s+IMMUTABLE/);

    const image = await apiPushImage(ecrClient(server.url), 'team/web', { tag: 'v1' });
    const images = await runScript(CLI, ['images', 'team/web', '--json'], env);
    assert.equal(images.code, 0, images.stderr);
    const details = JSON.parse(images.stdout) as { imageDigest: string; imageTags: string[] }[];
    assert.deepEqual(
      details.map((d) => [d.imageDigest, d.imageTags]),
      [[image.digest, ['v1']]],
    );
    const text = await runScript(CLI, ['images', 'team/web'], env);
    assert.match(text.stdout, new RegExp(`v1\\s+${image.digest}`));
    const bytes = (JSON.parse(images.stdout) as { imageSizeInBytes: number }[])[0]!.imageSizeInBytes;
    const raw = await runScript(CLI, ['images', 'team/web', '--bytes'], env);
    assert.match(raw.stdout, new RegExp(`${image.digest}\\s+${bytes}\\s`), 'raw bytes with --bytes');
    const human = text.stdout.split('\n')[1]!.split(/\s{2,}/)[2]!;
    assert.match(human, /^\d+(\.\d+)? (B|KiB|MiB)$/, `sizes for people by default: ${text.stdout}`);
    if (bytes >= 1024) assert.doesNotMatch(text.stdout, new RegExp(`\\s${bytes}\\s`));

    const notEmpty = await runScript(CLI, ['repo', 'rm', 'team/web'], env);
    assert.equal(notEmpty.code, 1);
    assert.match(notEmpty.stderr, /RepositoryNotEmptyException/);
    const removed = await runScript(CLI, ['repo', 'rm', 'team/web', '--force'], env);
    assert.equal(removed.code, 0, removed.stderr);
    const missing = await runScript(CLI, ['images', 'team/web'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /RepositoryNotFoundException/);
  });

  it('says clearly when it has no credentials', async () => {
    const result = await runScript(CLI, ['repo', 'ls'], {
      BERTH_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no AWS credentials/);
  });
});
