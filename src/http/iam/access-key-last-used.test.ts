// When an access key was last used, and for what: recorded in batches (not a database write per
// request), read by IAM's GetAccessKeyLastUsed (AWS CLI v2) and by `berth admin keys ls`.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { runProgram, runScript } from '../../testing/cli.js';
import { callApi } from '../../testing/api-client.js';
import { dropPostgresDatabaseFor, testBackend, testMetadataUrl } from '../../testing/postgres.js';
import { CLI, openTestDeployment, startBerth, tempDir, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';
import { KEY_USAGE_FLUSH_MS, KeyUsageRecorder } from '../../iam/key-usage.js';

let test: TestBerth;
const env = (key: { accessKeyId: string; secretAccessKey: string }) => ({
  AWS_ACCESS_KEY_ID: key.accessKeyId,
  AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
  AWS_PAGER: '',
});
const ROOT = env(TEST_ADMIN);

async function aws(
  args: string[],
  who: ReturnType<typeof env>,
  region = 'us-east-1',
): Promise<{ code: number; json: any; stderr: string }> {
  const res = await runProgram(
    AWS_CLI,
    [...args, '--endpoint-url', test.url, '--region', region, '--output', 'json'],
    who,
  );
  return {
    code: res.code,
    json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined,
    stderr: res.stderr,
  };
}

async function lastUsed(
  accessKeyId: string,
): Promise<{ UserName?: string; AccessKeyLastUsed: { LastUsedDate?: string; ServiceName: string; Region: string } }> {
  const res = await aws(['iam', 'get-access-key-last-used', '--access-key-id', accessKeyId], ROOT);
  assert.equal(res.code, 0, res.stderr);
  return res.json;
}

before(async () => {
  test = await startBerth({ settings: { auth: { mode: 'iam' } } });
});
after(() => test?.close());

describe('access key last use', () => {
  it('GetAccessKeyLastUsed: N/A until used, then the service, region and time of the latest use, written in a batch', async (t) => {
    if (!requireAwsCli(t)) return;
    assert.equal((await aws(['iam', 'create-user', '--user-name', 'lu-dev'], ROOT)).code, 0);
    const created = await aws(['iam', 'create-access-key', '--user-name', 'lu-dev'], ROOT);
    assert.equal(created.code, 0, created.stderr);
    const key = {
      accessKeyId: created.json.AccessKey.AccessKeyId,
      secretAccessKey: created.json.AccessKey.SecretAccessKey,
    };

    const unused = await lastUsed(key.accessKeyId);
    assert.equal(unused.UserName, 'lu-dev');
    assert.deepEqual(unused.AccessKeyLastUsed, { ServiceName: 'N/A', Region: 'N/A' });

    const before = Date.now();
    // Refused (no policy), but signed with the key: a use, as in AWS.
    await aws(['ecr', 'describe-repositories'], env(key));
    const who = await aws(['sts', 'get-caller-identity'], env(key));
    assert.equal(who.code, 0, who.stderr);

    let seen = unused;
    for (
      const deadline = Date.now() + KEY_USAGE_FLUSH_MS + 10_000;
      Date.now() < deadline && seen.AccessKeyLastUsed.ServiceName !== 'sts';
    ) {
      await sleep(500);
      seen = await lastUsed(key.accessKeyId);
    }
    assert.equal(seen.AccessKeyLastUsed.ServiceName, 'sts', 'the latest use was STS GetCallerIdentity');
    assert.equal(seen.AccessKeyLastUsed.Region, 'us-east-1');
    const at = Date.parse(seen.AccessKeyLastUsed.LastUsedDate!);
    assert.ok(at >= before - 1000 && at <= Date.now(), seen.AccessKeyLastUsed.LastUsedDate);
  });

  it("a key of another account is not found; a user needs iam:GetAccessKeyLastUsed on the key's owner", async (t) => {
    if (!requireAwsCli(t)) return;
    const B = (await test.berth.identities.createAccount()).id;
    const other = await test.berth.identities.createAccessKeyFor(B);
    const res = await aws(['iam', 'get-access-key-last-used', '--access-key-id', other.accessKeyId], ROOT);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /NoSuchEntity/);
    await test.berth.identities.createUser(test.berth.accountId, 'lu-nobody');
    const nobody = await test.berth.identities.createAccessKeyFor(test.berth.accountId, 'lu-nobody');
    const denied = await aws(
      ['iam', 'get-access-key-last-used', '--access-key-id', TEST_ADMIN.accessKeyId],
      env(nobody),
    );
    assert.match(denied.stderr, /AccessDenied.*iam:GetAccessKeyLastUsed/);
  });

  it('uses are noted in memory and written in one batch by a flush, not per request', async () => {
    const { store } = test.berth;
    await test.berth.identities.createUser(test.berth.accountId, 'lu-batch');
    const key = await test.berth.identities.createAccessKeyFor(test.berth.accountId, 'lu-batch');
    const recorder = new KeyUsageRecorder(store, { flushMs: 3_600_000 });
    const at = Date.now();
    for (let i = 0; i < 50; i++) recorder.record(key.accessKeyId, i % 2 ? 'ecr' : 'kms', 'us-east-1', at + i);
    assert.equal((await store.identities.getAccessKey(key.accessKeyId))!.key.lastUsedAt, null, 'nothing written yet');
    await recorder.close();
    const written = (await store.identities.getAccessKey(key.accessKeyId))!.key;
    assert.deepEqual([written.lastUsedAt, written.lastUsedService], [at + 49, 'ecr']);
  });

  it('what a node noted is written when it shuts down', async () => {
    const dataDir = tempDir();
    const node = await startBerth({ dataDir, listen: false, settings: { auth: { mode: 'iam' } } });
    const res = await callApi(node.berth.app, 'DescribeRepositories', {}, { credentials: TEST_ADMIN });
    assert.equal(res.statusCode, 200, res.body);
    await node.close();
    const reopened = await openTestDeployment({ dataDir });
    try {
      const key = (await reopened.deployment.store.identities.getAccessKey(TEST_ADMIN.accessKeyId))!.key;
      assert.equal(key.lastUsedService, 'ecr');
      assert.ok(key.lastUsedAt !== null && Date.now() - key.lastUsedAt < 60_000);
    } finally {
      await reopened.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
    }
  });

  it('uses are kept as the latest across writers (idempotent, the maximum wins) and shown by berth admin keys ls', async () => {
    const { identities } = test.berth.store;
    const id = TEST_ADMIN.accessKeyId;
    // Two nodes flushing in any order: the later use stays.
    await identities.recordAccessKeyUses([{ id, at: 2_000_000_000_000, service: 'ecr', region: 'eu-west-1' }]);
    await identities.recordAccessKeyUses([{ id, at: 1_999_999_999_000, service: 'kms', region: 'us-east-1' }]);
    await identities.recordAccessKeyUses([{ id, at: 2_000_000_000_000, service: 'ecr', region: 'eu-west-1' }]);
    const stored = (await identities.getAccessKey(id))!.key;
    assert.deepEqual(
      [stored.lastUsedAt, stored.lastUsedService, stored.lastUsedRegion],
      [2_000_000_000_000, 'ecr', 'eu-west-1'],
    );

    const metadataUrl = await testMetadataUrl(test.dataDir);
    const listed = await runScript(
      CLI,
      ['admin', '--data-dir', test.dataDir, 'keys', 'ls', '--user', 'root', '--json'],
      { ...(metadataUrl && { BERTH_METADATA_URL: metadataUrl }) },
    );
    assert.equal(listed.code, 0, listed.stderr);
    const row = (
      JSON.parse(listed.stdout) as {
        AccessKeyId: string;
        LastUsedDate: string;
        LastUsedServiceName: string;
        LastUsedRegion: string;
      }[]
    ).find((k) => k.AccessKeyId === id)!;
    assert.deepEqual(
      [row.LastUsedDate, row.LastUsedServiceName, row.LastUsedRegion],
      [new Date(2_000_000_000_000).toISOString(), 'ecr', 'eu-west-1'],
    );
    const table = await runScript(CLI, ['admin', '--data-dir', test.dataDir, 'keys', 'ls', '--user', 'root'], {
      ...(metadataUrl && { BERTH_METADATA_URL: metadataUrl }),
    });
    assert.match(table.stdout, new RegExp(`${id}.*${new Date(2_000_000_000_000).toISOString()}.*ecr/eu-west-1`));
  });
});
