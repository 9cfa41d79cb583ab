// `berth replication backfill` as an operator runs it, offline against the data dir (or the
// PostgreSQL database) of this test pass: it enqueues the images its rules cover, once per image
// and destination, and refuses a rule number the configuration does not have.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PutReplicationConfigurationCommand } from '@aws-sdk/client-ecr';
import { runScript } from '../testing/cli.js';
import { ecrClient, RegistryHttp } from '../testing/ecr-http.js';
import { dropPostgresDatabaseFor, testBackend, testMetadataUrl } from '../testing/postgres.js';
import { CLI, openTestDeployment, startBerth, tempDir } from '../testing/server.js';

describe('berth replication backfill', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let digest: string;
  const backfill = (args: string[]) => runScript(CLI, ['replication', '--data-dir', dataDir, 'backfill', ...args], env);

  before(async () => {
    dataDir = tempDir('berth-replication-');
    const metadataUrl = await testMetadataUrl(dataDir);
    env = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
    const server = await startBerth({ dataDir, settings: { auth: { mode: 'iam' } } });
    const client = ecrClient(server.url);
    try {
      const registry = await RegistryHttp.login(server.url, client);
      digest = (await registry.push('before/app', 'v1')).digest;
      await client.send(
        new PutReplicationConfigurationCommand({
          replicationConfiguration: {
            rules: [{ destinations: [{ region: 'us-east-1', registryId: '666677778888' }] }],
          },
        }),
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });

  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
  });

  it('enqueues each tagged image its rules cover, and refuses a rule that is not there', async () => {
    const wrong = await backfill(['--rule', '2']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /there is no rule 2: the replication configuration has 1 rule/);

    const done = await backfill(['--json']);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(JSON.parse(done.stdout), { repositories: 1, images: 1, tasks: 1 });
    const opened = await openTestDeployment({ dataDir });
    try {
      const { store, accountId } = opened.deployment;
      const queued = await store.replication.statuses(accountId, 'before/app', digest);
      assert.deepEqual(
        queued.map((t) => [t.destination.registryId, t.tags, t.status]),
        [['666677778888', ['v1'], 'IN_PROGRESS']],
      );
    } finally {
      await opened.close();
    }
  });
});
