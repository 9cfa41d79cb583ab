// Pull-through cache rules through the AWS CLI v2 and the SDK against a listening Berth with IAM
// auth: create, describe, update, delete, validate (against a small upstream on loopback that
// asks Basic credentials, read from an `ecr-pullthroughcache/` secret), and their refusals.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  CreatePullThroughCacheRuleCommand,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  type ECRClient,
  UpdatePullThroughCacheRuleCommand,
  ValidatePullThroughCacheRuleCommand,
} from '@aws-sdk/client-ecr';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { runProgram } from '../../testing/cli.js';
import { ecrClient, refused } from '../../testing/ecr-http.js';
import { secretsClient } from '../../testing/secrets.js';
import { startBerth, TEST_ADMIN, type TestBerth, ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

const USER = 'hubuser';
const TOKEN = 'hub-token';

let upstream: Server;
let upstreamHost: string;
let server: TestBerth;
let client: ECRClient;
let sm: SecretsManagerClient;
let goodSecret: string;
let wrongSecret: string;

before(async () => {
  // GET /v2/ answers 200 to the right Basic credentials only, as a registry with htpasswd does.
  upstream = createServer((req, res) => {
    const expected = `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="upstream"', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamHost = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  server = await startBerth({
    settings: {
      auth: { mode: 'iam' },
      pullThroughCache: { allowedHosts: [upstreamHost, 'quay.io'], plainHttpLoopback: true },
    },
  });
  client = ecrClient(server.url);
  sm = secretsClient(server.url, TEST_ADMIN);
  const secret = async (name: string, value: string) =>
    (await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }))).ARN!;
  goodSecret = await secret('ecr-pullthroughcache/hub', JSON.stringify({ username: USER, accessToken: TOKEN }));
  wrongSecret = await secret('ecr-pullthroughcache/wrong', JSON.stringify({ username: USER, accessToken: 'nope' }));
});
after(async () => {
  client.destroy();
  sm.destroy();
  await server.close();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('pull-through cache rules', () => {
  // Debian's AWS CLI (2.9) has create, describe and delete, without the later members
  // (upstreamRegistry, credentialArn) and without validate-pull-through-cache-rule: those go
  // through the SDK below.
  test('the AWS CLI v2 creates, describes and deletes a rule', async (t) => {
    if (!requireAwsCli(t)) return;
    const env = {
      ...ADMIN_ENV,
      AWS_REGION: 'us-east-1',
    };
    const aws = async (...args: string[]) => {
      const res = await runProgram(AWS_CLI, ['ecr', ...args, '--endpoint-url', server.url, '--output', 'json'], env);
      assert.equal(res.code, 0, res.stderr);
      return JSON.parse(res.stdout) as Record<string, any>;
    };
    const created = await aws(
      'create-pull-through-cache-rule',
      '--ecr-repository-prefix',
      'cli-any',
      '--upstream-registry-url',
      upstreamHost,
    );
    assert.equal(created.ecrRepositoryPrefix, 'cli-any');
    assert.equal(created.upstreamRegistryUrl, upstreamHost);
    assert.equal(created.registryId, server.berth.accountId);
    assert.equal(created.upstreamRegistry, undefined, 'any OCI registry: none of the kinds');
    const described = await aws('describe-pull-through-cache-rules', '--ecr-repository-prefixes', 'cli-any');
    assert.equal(described.pullThroughCacheRules.length, 1);
    assert.equal(described.pullThroughCacheRules[0].upstreamRegistryUrl, upstreamHost);
    // Without credentials the upstream refuses: the rule is not valid, and says why.
    const invalid = await client.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'cli-any' }));
    assert.equal(invalid.isValid, false);
    assert.match(invalid.failure!, /401/);
    await client.send(
      new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'cli-any', credentialArn: goodSecret }),
    );
    const valid = await client.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'cli-any' }));
    assert.equal(valid.isValid, true, valid.failure);
    const deleted = await aws('delete-pull-through-cache-rule', '--ecr-repository-prefix', 'cli-any');
    assert.equal(deleted.ecrRepositoryPrefix, 'cli-any');
    const gone = await runProgram(
      AWS_CLI,
      [
        'ecr',
        'describe-pull-through-cache-rules',
        '--ecr-repository-prefixes',
        'cli-any',
        '--endpoint-url',
        server.url,
      ],
      env,
    );
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /PullThroughCacheRuleNotFoundException/);
  });

  test('validation reaches the upstream with the secret: wrong credentials are a failure naming its answer', async () => {
    await client.send(
      new CreatePullThroughCacheRuleCommand({
        ecrRepositoryPrefix: 'wrong',
        upstreamRegistryUrl: upstreamHost,
        upstreamRegistry: 'docker-hub',
        credentialArn: wrongSecret,
      }),
    );
    const invalid = await client.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'wrong' }));
    assert.equal(invalid.isValid, false);
    assert.match(invalid.failure!, /401/);
    // The secret of the rule changes: the next validation uses it.
    const updated = await client.send(
      new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'wrong', credentialArn: goodSecret }),
    );
    assert.equal(updated.credentialArn, goodSecret);
    assert.ok(updated.updatedAt instanceof Date);
    const valid = await client.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'wrong' }));
    assert.equal(valid.isValid, true, valid.failure);
    const deleted = await client.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'wrong' }));
    assert.equal(deleted.credentialArn, goodSecret);
    assert.equal(deleted.upstreamRegistryUrl, upstreamHost);
  });

  test('ROOT and a trailing slash; describe pages in prefix order', async () => {
    await client.send(
      new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: 'quay.io' }),
    );
    await client.send(
      new CreatePullThroughCacheRuleCommand({
        ecrRepositoryPrefix: 'quay/',
        upstreamRegistryUrl: 'quay.io',
        upstreamRepositoryPrefix: 'prometheus',
      }),
    );
    const first = await client.send(new DescribePullThroughCacheRulesCommand({ maxResults: 1 }));
    assert.deepEqual(
      first.pullThroughCacheRules!.map((r) => [r.ecrRepositoryPrefix, r.upstreamRegistry]),
      [['ROOT', 'quay']],
      'the kind follows from a well-known host',
    );
    const second = await client.send(
      new DescribePullThroughCacheRulesCommand({ maxResults: 1, nextToken: first.nextToken! }),
    );
    assert.equal(second.pullThroughCacheRules![0]!.ecrRepositoryPrefix, 'quay');
    assert.equal(second.pullThroughCacheRules![0]!.upstreamRepositoryPrefix, 'prometheus');
    assert.equal(second.nextToken, undefined);
    for (const prefix of ['ROOT', 'quay'])
      await client.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: prefix }));
  });

  test("refusals are the model's exceptions", async () => {
    const create = (input: Partial<ConstructorParameters<typeof CreatePullThroughCacheRuleCommand>[0]>) =>
      client.send(
        new CreatePullThroughCacheRuleCommand({
          ecrRepositoryPrefix: 'refused',
          upstreamRegistryUrl: upstreamHost,
          ...input,
        }),
      );
    await refused(create({ upstreamRegistryUrl: 'registry.example.com' }), 'UnsupportedUpstreamRegistryException');
    await refused(create({ upstreamRegistryUrl: '127.0.0.1:1' }), 'UnsupportedUpstreamRegistryException');
    await refused(create({ upstreamRegistryUrl: 'not a host' }), 'InvalidParameterException');
    await refused(create({ upstreamRegistry: 'docker-hub' }), 'InvalidParameterException');
    await refused(create({ ecrRepositoryPrefix: 'A' }), 'InvalidParameterException');
    await refused(create({ upstreamRegistry: 'nope' as 'quay' }), 'InvalidParameterException');
    const account = server.berth.accountId;
    await refused(
      create({ credentialArn: `arn:aws:secretsmanager:us-east-1:${account}:secret:ecr-pullthroughcache/none-AbCdEf` }),
      'SecretNotFoundException',
    );
    const notJson = (await sm.send(new CreateSecretCommand({ Name: 'ecr-pullthroughcache/plain', SecretString: 'x' })))
      .ARN!;
    await refused(create({ credentialArn: notJson }), 'UnableToAccessSecretException');
    await create({ credentialArn: goodSecret });
    await refused(create({ credentialArn: goodSecret }), 'PullThroughCacheRuleAlreadyExistsException');
    await client.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'refused' }));
    const onMissing = [
      () => client.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['missing'] })),
      () =>
        client.send(
          new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'missing', credentialArn: goodSecret }),
        ),
      () => client.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'missing' })),
      () => client.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'missing' })),
    ];
    for (const run of onMissing) await refused(run(), 'PullThroughCacheRuleNotFoundException');
  });
});
