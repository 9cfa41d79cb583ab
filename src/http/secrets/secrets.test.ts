// Secrets Manager through the real HTTP surface with the real clients (@aws-sdk/client-secrets-manager
// and the AWS CLI v2): versions and their labels, listing with filters, order and pages, scheduled
// deletion and its job, and every refusal by the model's exception names (KMS keys and policies:
// secret-access.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsCommandInput,
  paginateListSecrets,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  type SecretsManagerClient,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { callApi } from '../../testing/api-client.js';
import { runProgram } from '../../testing/cli.js';
import { startBerth, TEST_ADMIN, type TestBerth, ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';
import { secretsClient, secretsFails } from '../../testing/secrets.js';

const DAY = 86_400_000;
let server: TestBerth;
let sm: SecretsManagerClient;

const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  secretsClient(server.url, credentials);
const fails = secretsFails;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  sm = client(TEST_ADMIN);
});
after(async () => {
  sm.destroy();
  await server.close();
});

describe('Secrets Manager API', () => {
  test('versions: AWSCURRENT moves on, AWSPREVIOUS follows, reads by stage or version id', async () => {
    const created = await sm.send(
      new CreateSecretCommand({ Name: 'app/db', SecretString: '{"password":"one"}', Description: 'the db' }),
    );
    assert.match(
      created.ARN!,
      new RegExp(`^arn:aws:secretsmanager:us-east-1:${server.berth.accountId}:secret:app/db-[A-Za-z0-9]{6}$`),
    );
    assert.equal(created.Name, 'app/db');
    const first = created.VersionId!;
    const current = await sm.send(new GetSecretValueCommand({ SecretId: 'app/db' }));
    assert.equal(current.SecretString, '{"password":"one"}');
    assert.deepEqual(current.VersionStages, ['AWSCURRENT']);
    assert.equal(current.VersionId, first);

    const put = await sm.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'two' }));
    assert.deepEqual(put.VersionStages, ['AWSCURRENT']);
    const third = await sm.send(
      new UpdateSecretCommand({ SecretId: 'app/db', SecretString: 'three', Description: 'db' }),
    );
    assert.ok(third.VersionId && third.VersionId !== put.VersionId);
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'app/db' }))).SecretString, 'three');
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: 'app/db', VersionStage: 'AWSPREVIOUS' }));
    assert.equal(previous.SecretString, 'two');
    assert.deepEqual(previous.VersionStages, ['AWSPREVIOUS']);
    // The first version lost its labels but stays readable by id; the suffix-less ARN names the secret too.
    const byId = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN!.slice(0, -7), VersionId: first }));
    assert.equal(byId.SecretString, '{"password":"one"}');
    assert.deepEqual(byId.VersionStages, []);

    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    assert.equal(described.Description, 'db');
    assert.equal(described.KmsKeyId, undefined);
    assert.deepEqual(described.VersionIdsToStages, {
      [put.VersionId!]: ['AWSPREVIOUS'],
      [third.VersionId!]: ['AWSCURRENT'],
    });
    assert.ok(described.CreatedDate instanceof Date && Math.abs(described.CreatedDate.getTime() - Date.now()) < 60_000);
    assert.ok(described.LastAccessedDate instanceof Date);

    // A retry with the same token and value is the same version; another value under it is refused.
    const token = 'a'.repeat(32);
    const again = { SecretId: 'app/db', SecretString: 'four', ClientRequestToken: token };
    assert.equal((await sm.send(new PutSecretValueCommand(again))).VersionId, token);
    assert.equal((await sm.send(new PutSecretValueCommand(again))).VersionId, token);
    await fails(sm.send(new PutSecretValueCommand({ ...again, SecretString: 'five' })), 'ResourceExistsException');

    // Bytes round-trip as bytes.
    const bytes = Buffer.from([0, 1, 2, 255]);
    await sm.send(new CreateSecretCommand({ Name: 'app/blob', SecretBinary: bytes }));
    const binary = await sm.send(new GetSecretValueCommand({ SecretId: 'app/blob' }));
    assert.deepEqual(Buffer.from(binary.SecretBinary!), bytes);
    assert.equal(binary.SecretString, undefined);
  });

  test('refusals by the model names', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'dup' }));
    await fails(sm.send(new CreateSecretCommand({ Name: 'dup', SecretString: 'x' })), 'ResourceExistsException');
    await fails(sm.send(new GetSecretValueCommand({ SecretId: 'dup' })), 'ResourceNotFoundException');
    await fails(sm.send(new GetSecretValueCommand({ SecretId: 'missing' })), 'ResourceNotFoundException');
    await fails(sm.send(new DescribeSecretCommand({ SecretId: 'missing' })), 'ResourceNotFoundException');
    await fails(sm.send(new CreateSecretCommand({ Name: 'bad name!' })), 'InvalidParameterException');
    await fails(
      sm.send(new CreateSecretCommand({ Name: 'both', SecretString: 'x', SecretBinary: Buffer.from('y') })),
      'InvalidParameterException',
    );
    await fails(sm.send(new PutSecretValueCommand({ SecretId: 'dup' })), 'InvalidRequestException');
    await fails(
      sm.send(new GetSecretValueCommand({ SecretId: 'dup', VersionStage: 'NOPE' })),
      'ResourceNotFoundException',
    );
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await fails(sm.send(new CreateSecretCommand({ Name: 'many-tags', Tags: tags })), 'LimitExceededException');
    await fails(
      sm.send(new PutResourcePolicyCommand({ SecretId: 'dup', ResourcePolicy: '{nope' })),
      'MalformedPolicyDocumentException',
    );
    await fails(sm.send(new ListSecretsCommand({ NextToken: 'forged' })), 'InvalidNextTokenException');
  });

  test('malformed input is a 400 by the model names, never a 5xx', async () => {
    const cases: [string, unknown, string][] = [
      ['CreateSecret', {}, 'InvalidParameterException'],
      ['CreateSecret', { Name: 'x'.repeat(513) }, 'InvalidParameterException'],
      ['CreateSecret', { Name: 'ok', Tags: [{ Key: 'aws:reserved', Value: 'v' }] }, 'InvalidParameterException'],
      ['CreateSecret', { Name: 'ok', Tags: 'nope' }, 'InvalidParameterException'],
      ['CreateSecret', { Name: 'ok', SecretBinary: 'not base64!' }, 'InvalidParameterException'],
      ['CreateSecret', { Name: 'ok', ClientRequestToken: 'short' }, 'InvalidParameterException'],
      ['GetSecretValue', { SecretId: 'x'.repeat(2049) }, 'InvalidParameterException'],
      ['GetSecretValue', { SecretId: 7 }, 'InvalidParameterException'],
      ['ListSecrets', { Filters: [{ Key: 'color', Values: ['x'] }] }, 'InvalidParameterException'],
      ['ListSecrets', { Filters: [{ Key: 'name', Values: [] }] }, 'InvalidParameterException'],
      ['ListSecrets', { Filters: [{ Key: 'name', Values: ['bad*char'] }] }, 'InvalidParameterException'],
      ['ListSecrets', { SortOrder: 'sideways' }, 'InvalidParameterException'],
      ['DeleteSecret', { SecretId: 'x', RecoveryWindowInDays: 7.5 }, 'InvalidParameterException'],
      ['PutSecretValue', { SecretId: 'x', SecretString: 'v', VersionStages: [] }, 'InvalidParameterException'],
      ['UntagResource', { SecretId: 'x' }, 'InvalidParameterException'],
    ];
    for (const [action, input, type] of cases) {
      const res = await callApi(server.berth.app, action, input, {
        target: `secretsmanager.${action}`,
        service: 'secretsmanager',
        credentials: TEST_ADMIN,
      });
      assert.equal(res.statusCode, 400, `${action} ${JSON.stringify(input)}: ${res.body}`);
      assert.equal(JSON.parse(res.body).__type, type, `${action} ${JSON.stringify(input)}: ${res.body}`);
    }
    // A page token of one listing does not continue another.
    for (const Name of ['paged/one', 'paged/two']) await sm.send(new CreateSecretCommand({ Name }));
    const first = await sm.send(new ListSecretsCommand({ MaxResults: 1 }));
    assert.ok(first.NextToken);
    await fails(
      sm.send(new ListSecretsCommand({ MaxResults: 1, NextToken: first.NextToken, SortOrder: 'desc' })),
      'InvalidNextTokenException',
    );
  });

  test('ListSecrets filters, orders and pages', async () => {
    const names = ['list/alpha', 'list/beta', 'list/gamma'];
    for (const [i, name] of names.entries())
      await sm.send(
        new CreateSecretCommand({
          Name: name,
          Description: i === 1 ? 'Shared Beta Database' : `secret ${i}`,
          Tags: [{ Key: i === 2 ? 'team' : 'owner', Value: i === 0 ? 'blue' : 'green' }],
        }),
      );
    const listed = async (input: ListSecretsCommandInput) =>
      ((await sm.send(new ListSecretsCommand(input))).SecretList ?? []).map((s) => s.Name);
    assert.deepEqual(await listed({ Filters: [{ Key: 'name', Values: ['list/'] }] }), names);
    assert.deepEqual(
      await listed({ Filters: [{ Key: 'name', Values: ['list/'] }], SortOrder: 'desc' }),
      [...names].reverse(),
    );
    assert.deepEqual(await listed({ Filters: [{ Key: 'name', Values: ['list/a', 'list/g'] }] }), [
      'list/alpha',
      'list/gamma',
    ]);
    assert.deepEqual(await listed({ Filters: [{ Key: 'name', Values: ['List/'] }] }), [], 'name is case-sensitive');
    assert.deepEqual(await listed({ Filters: [{ Key: 'tag-key', Values: ['team'] }] }), ['list/gamma']);
    assert.deepEqual(
      await listed({
        Filters: [
          { Key: 'name', Values: ['list/'] },
          { Key: 'tag-value', Values: ['gr'] },
        ],
      }),
      ['list/beta', 'list/gamma'],
    );
    assert.deepEqual(await listed({ Filters: [{ Key: 'description', Values: ['shared beta'] }] }), ['list/beta']);
    assert.deepEqual(await listed({ Filters: [{ Key: 'all', Values: ['database'] }] }), ['list/beta']);
    assert.deepEqual(
      await listed({
        Filters: [
          { Key: 'name', Values: ['list/'] },
          { Key: 'tag-value', Values: ['!blue'] },
        ],
      }),
      ['list/beta', 'list/gamma'],
    );
    const entry = (await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['list/gamma'] }] })))
      .SecretList![0]!;
    assert.deepEqual(entry.Tags, [{ Key: 'team', Value: 'green' }]);
    assert.deepEqual(entry.SecretVersionsToStages, {});

    const pages: string[][] = [];
    for await (const page of paginateListSecrets(
      { client: sm, pageSize: 2 },
      { Filters: [{ Key: 'name', Values: ['list/'] }], SortBy: 'name' },
    ))
      pages.push((page.SecretList ?? []).map((s) => s.Name!));
    assert.deepEqual(pages, [names.slice(0, 2), names.slice(2)]);
    await fails(sm.send(new ListSecretsCommand({ MaxResults: 101 })), 'InvalidParameterException');
  });

  test('DeleteSecret schedules, refuses reads, restores; the job removes what is due', async () => {
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: 'gone/soon', SecretString: 'v' }));
    await fails(
      sm.send(new DeleteSecretCommand({ SecretId: 'gone/soon', RecoveryWindowInDays: 6 })),
      'InvalidParameterException',
    );
    await fails(
      sm.send(new DeleteSecretCommand({ SecretId: 'gone/soon', RecoveryWindowInDays: 31 })),
      'InvalidParameterException',
    );
    await fails(
      sm.send(
        new DeleteSecretCommand({ SecretId: 'gone/soon', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }),
      ),
      'InvalidParameterException',
    );
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: 'gone/soon' }));
    assert.equal(deleted.ARN, ARN);
    assert.ok(Math.abs(deleted.DeletionDate!.getTime() - (Date.now() + 30 * DAY)) < 60_000);
    await fails(sm.send(new GetSecretValueCommand({ SecretId: 'gone/soon' })), 'InvalidRequestException');
    await fails(
      sm.send(new PutSecretValueCommand({ SecretId: 'gone/soon', SecretString: 'w' })),
      'InvalidRequestException',
    );
    await fails(sm.send(new CreateSecretCommand({ Name: 'gone/soon' })), 'InvalidRequestException');
    assert.ok((await sm.send(new DescribeSecretCommand({ SecretId: 'gone/soon' }))).DeletedDate instanceof Date);
    const names = async (include: boolean) =>
      (
        await sm.send(
          new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['gone/'] }], IncludePlannedDeletion: include }),
        )
      ).SecretList!.map((s) => s.Name);
    assert.deepEqual(await names(false), []);
    assert.deepEqual(await names(true), ['gone/soon']);
    await sm.send(new RestoreSecretCommand({ SecretId: 'gone/soon' }));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'gone/soon' }))).SecretString, 'v');

    // Forced: gone at once.
    await sm.send(new CreateSecretCommand({ Name: 'gone/now', SecretString: 'v' }));
    await sm.send(new DeleteSecretCommand({ SecretId: 'gone/now', ForceDeleteWithoutRecovery: true }));
    await fails(sm.send(new DescribeSecretCommand({ SecretId: 'gone/now' })), 'ResourceNotFoundException');

    // Past its window: the delete-secrets job removes it (made due now, the other jobs not).
    await sm.send(new DeleteSecretCommand({ SecretId: 'gone/soon', RecoveryWindowInDays: 7 }));
    const { store, scheduler } = server.berth;
    const secret = (await store.secrets.get(server.berth.accountId, 'gone/soon'))!;
    await store.secrets.update(secret.id, { deletedAt: Date.now() - 1 });
    for (;;) {
      const claimed = await store.jobs.claim('test', Date.now() + 3_600_000, Date.now() + 3_600_001);
      assert.ok(claimed, 'delete-secrets is among the jobs');
      await store.jobs.complete(claimed, 'test', 0, claimed === 'delete-secrets' ? 0 : Date.now() + 10 * DAY, null);
      if (claimed === 'delete-secrets') break;
    }
    assert.deepEqual(await scheduler.tick(), ['delete-secrets']);
    await fails(sm.send(new DescribeSecretCommand({ SecretId: 'gone/soon' })), 'ResourceNotFoundException');
    // The name is free again, under a new ARN.
    const reborn = await sm.send(new CreateSecretCommand({ Name: 'gone/soon' }));
    assert.notEqual(reborn.ARN, ARN);
  });

  test('the AWS CLI v2 works unmodified', async (t) => {
    if (!requireAwsCli(t)) return;
    const env = {
      ...ADMIN_ENV,
      AWS_REGION: 'us-east-1',
    };
    const aws = async (...args: string[]) => {
      const res = await runProgram(
        AWS_CLI,
        ['secretsmanager', ...args, '--endpoint-url', server.url, '--output', 'json'],
        env,
      );
      assert.equal(res.code, 0, res.stderr);
      return res.stdout.trim() ? (JSON.parse(res.stdout) as Record<string, any>) : {};
    };
    const created = await aws(
      'create-secret',
      '--name',
      'cli/token',
      '--secret-string',
      's3cr3t',
      '--tags',
      'Key=via,Value=cli',
    );
    assert.equal(created.Name, 'cli/token');
    assert.equal((await aws('get-secret-value', '--secret-id', 'cli/token')).SecretString, 's3cr3t');
    await aws('put-secret-value', '--secret-id', 'cli/token', '--secret-string', 'next');
    assert.equal((await aws('get-secret-value', '--secret-id', created.ARN)).SecretString, 'next');
    const listed = await aws('list-secrets', '--filters', 'Key=tag-key,Values=via');
    assert.deepEqual(
      listed.SecretList.map((s: { Name: string }) => s.Name),
      ['cli/token'],
    );
    const deleted = await aws('delete-secret', '--secret-id', 'cli/token', '--force-delete-without-recovery');
    assert.equal(deleted.ARN, created.ARN);
    const missing = await runProgram(
      AWS_CLI,
      ['secretsmanager', 'get-secret-value', '--secret-id', 'cli/token', '--endpoint-url', server.url],
      env,
    );
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /ResourceNotFoundException/);
  });
});
