// `berth lifecycle run` as an operator runs it, offline against the data dir (or the PostgreSQL
// database) of this test pass: --dry-run shows what would be expired and changes nothing; a run
// expires exactly that and records it; a repository without a policy is refused with a message.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { runScript } from '../testing/cli.js';
import { ecrClient, RegistryHttp } from '../testing/ecr-http.js';
import { dropPostgresDatabaseFor, testBackend, testMetadataUrl } from '../testing/postgres.js';
import { CLI, openTestDeployment, startBerth, tempDir } from '../testing/server.js';

const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'keep only the newest image of the repository',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
});

describe('berth lifecycle run', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let digests: string[];

  const lifecycle = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    runScript(CLI, ['lifecycle', '--data-dir', dataDir, ...args], { ...env, ...extraEnv });

  before(async () => {
    dataDir = tempDir('berth-lifecycle-');
    const metadataUrl = await testMetadataUrl(dataDir);
    env = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
    // The administrator (the account's root) counts as a runtime principal on this server: its pull
    // of the oldest image is recorded per principal.
    const server = await startBerth({
      dataDir,
      settings: { auth: { mode: 'iam' }, lifecycle: { runtimePrincipals: ['arn:aws:iam::*:root'] } },
    });
    const client = ecrClient(server.url);
    try {
      const registry = await RegistryHttp.login(server.url, client);
      digests = [];
      for (const tag of ['one', 'two', 'three']) {
        digests.push((await registry.push('cli/app', tag)).digest);
        await sleep(5);
      }
      await registry.push('cli/nopolicy', 'x');
      const pulled = await registry.fetch(`/v2/cli/app/manifests/${digests[0]}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(pulled.status, 200);
      await client.send(new PutLifecyclePolicyCommand({ repositoryName: 'cli/app', lifecyclePolicyText: POLICY }));
    } finally {
      client.destroy();
      await server.close();
    }
  });

  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
  });

  async function left(): Promise<string[]> {
    const opened = await openTestDeployment({ dataDir });
    try {
      const { store, accountId } = opened.deployment;
      const repository = (await store.repositories.get(accountId, 'cli/app'))!;
      return (await store.images.list(repository.id, 'ANY', { limit: 10 })).map((i) => i.digest).sort();
    } finally {
      await opened.close();
    }
  }

  it('--dry-run shows what would be expired and changes nothing', async () => {
    const dry = await lifecycle(['run', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^REPOSITORY\s+DIGEST\s+TAGS\s+RULE\s+ACTION\s+PUSHED/);
    for (const digest of digests.slice(0, 2))
      assert.match(dry.stdout, new RegExp(`cli/app\\s+${digest}.*would expire`));
    assert.doesNotMatch(dry.stdout, new RegExp(digests[2]!));
    assert.deepEqual(await left(), [...digests].sort());
  });

  it("--dry-run shows what a runtime principal keeps, and why (ECR's preview has no place for it)", async () => {
    const dry = await lifecycle(['run', '--dry-run'], { BERTH_LIFECYCLE_RUNTIME_PRINCIPALS: 'arn:aws:iam::*:root' });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      new RegExp(`cli/app\\s+${digests[0]}.*kept \\(in use: pulled by arn:aws:iam::\\d{12}:root at `),
    );
    assert.match(dry.stdout, new RegExp(`cli/app\\s+${digests[1]}.*would expire`));
    assert.deepEqual(await left(), [...digests].sort());
  });

  it('a run of one repository expires exactly that, and prints it as JSON', async () => {
    const run = await lifecycle(['run', '--repository', 'cli/app', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const [result] = JSON.parse(run.stdout) as { Repository: string; Actions: { digest: string; action: string }[] }[];
    assert.equal(result!.Repository, 'cli/app');
    assert.deepEqual(result!.Actions.map((a) => a.digest).sort(), digests.slice(0, 2).sort());
    assert.deepEqual(await left(), [digests[2]]);
  });

  it('a repository without a policy, or none at all, is refused with a message', async () => {
    const none = await lifecycle(['run', '--repository', 'cli/nopolicy']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /repository cli\/nopolicy has no lifecycle policy/);
    const missing = await lifecycle(['run', '--repository', 'cli/missing']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no repository cli\/missing/);
  });
});
