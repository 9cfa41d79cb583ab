// An `ecr` upstream through a rule's customRoleArn, with skopeo pulling through the cache:
// - a Berth deployment of another account: the cache assumes the role at that deployment's STS
//   with the access key of the rule's secret (the trust policy is checked there), logs in with
//   its GetAuthorizationToken and pulls (the upstream's trail shows the role's session; the key
//   alone may not pull); a role that does not trust the key's user is refused with an error that
//   names STS's answer, and nothing is fetched;
// - a role of the cache's own deployment (ECR's case): assumed as the service principal
//   pullthroughcache.ecr.amazonaws.com, which its trust policy must name; a role of another
//   account of the same deployment, which does not trust the cache, is refused, nothing fetched.
// The metadata backend changes none of this: the once tier.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreatePullThroughCacheRuleCommand,
  DescribeRepositoriesCommand,
  type ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { callApi } from '../testing/api-client.js';
import { type Credentials, signHeaders } from '../testing/aws-signer.js';
import { ecrClient, registryLogin } from '../testing/ecr.js';
import { OciLayout } from '../testing/oci-layout.js';
import { secretsClient } from '../testing/secrets.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';
import { hasTool } from '../testing/tools.js';
import { skopeo } from './support.js';

const skip = hasTool('skopeo') ? false : 'skopeo not installed';
if (skip && process.env.CI === 'true') throw new Error('skopeo required in CI');

/** An IAM query action on `server`, as its administrator. */
async function iam(
  server: TestBerth,
  action: string,
  params: Record<string, string>,
  credentials: Credentials = TEST_ADMIN,
): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: '2010-05-08', ...params }).toString();
  const host = new URL(server.url).host;
  const headers = await signHeaders(
    { method: 'POST', url: '/', host, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
    { service: 'iam', credentials },
  );
  const res = await fetch(`${server.url}/`, { method: 'POST', headers, body });
  const text = await res.text();
  assert.equal(res.status, 200, `${action}: ${text}`);
  return text;
}

const PULL_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'ecr:GetAuthorizationToken',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchCheckLayerAvailability',
      ],
      Resource: '*',
    },
  ],
});

const trust = (principal: Record<string, string>) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
  });

async function role(
  server: TestBerth,
  name: string,
  trustPolicy: string,
  credentials: Credentials = TEST_ADMIN,
): Promise<string> {
  const xml = await iam(server, 'CreateRole', { RoleName: name, AssumeRolePolicyDocument: trustPolicy }, credentials);
  await iam(server, 'PutRolePolicy', { RoleName: name, PolicyName: 'pull', PolicyDocument: PULL_POLICY }, credentials);
  return /<Arn>([^<]*)<\/Arn>/.exec(xml)![1]!;
}

describe('the pull-through cache of an ecr upstream through customRoleArn', { skip }, () => {
  let upstream: TestBerth;
  let cache: TestBerth;
  let client: ECRClient;
  let cacheHost: string;
  let password: string;
  let digest: string;
  let ownDigest: string;
  let keyOfB: Credentials;
  const scratch = mkdtempSync(join(tmpdir(), 'berth-ptc-ecr-'));

  async function push(server: TestBerth, reference: string): Promise<string> {
    const layout = new OciLayout(join(scratch, `push-${reference.replace(/\W/g, '-')}`));
    const image = layout.addImage([4096, 100_000]);
    layout.tag(image, 'x');
    const login = ecrClient(server.url);
    const { password: pushPassword } = await registryLogin(login);
    login.destroy();
    await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `AWS:${pushPassword}`,
      `oci:${layout.dir}:x`,
      `docker://${new URL(server.url).host}/${reference}`,
    ]);
    return image.digest;
  }

  const pulled = async (reference: string) =>
    (
      JSON.parse(
        (
          await skopeo([
            'inspect',
            '--tls-verify=false',
            '--creds',
            `AWS:${password}`,
            `docker://${cacheHost}/${reference}`,
          ])
        ).stdout,
      ) as { Digest: string }
    ).Digest;

  /** The upstream's trail of `eventName` (as the registry records pulls: BatchGetImage, GetDownloadUrlForLayer…). */
  const upstreamEvents = async (eventName: string) => {
    const res = await callApi(
      upstream.berth.app,
      'LookupEvents',
      { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }] },
      { target: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents', service: 'cloudtrail' },
    );
    assert.equal(res.statusCode, 200, res.body);
    return ((res.json() as { Events: { CloudTrailEvent: string }[] }).Events ?? []).map(
      (e) =>
        JSON.parse(e.CloudTrailEvent) as {
          userIdentity: { arn?: string };
          requestParameters?: Record<string, unknown>;
          errorCode?: string;
        },
    );
  };

  /** Nothing of the upstream's team/secret was read, and the cache made no repository for `prefix`. */
  async function nothingFetched(prefix: string): Promise<void> {
    for (const name of ['BatchGetImage', 'GetDownloadUrlForLayer']) {
      // The cache's first request goes without credentials (the upstream's 401 says how to log in): no content.
      const reads = (await upstreamEvents(name)).filter(
        (e) => e.requestParameters?.repositoryName === 'team/secret' && e.errorCode === undefined,
      );
      assert.deepEqual(reads, [], `the upstream's ${name} of team/secret`);
    }
    await assert.rejects(client.send(new DescribeRepositoriesCommand({ repositoryNames: [`${prefix}/team/secret`] })), {
      name: 'RepositoryNotFoundException',
    });
  }

  before(async () => {
    upstream = await startBerth({ settings: { auth: { mode: 'iam' } } });
    const upstreamHost = new URL(upstream.url).host;
    cache = await startBerth({
      settings: {
        auth: { mode: 'iam' },
        pullThroughCache: { allowedHosts: [upstreamHost, '127.0.0.1'], plainHttpLoopback: true },
      },
    });
    cacheHost = new URL(cache.url).host;
    assert.notEqual(upstream.berth.accountId, cache.berth.accountId, 'two accounts');
    digest = await push(upstream, 'team/app:1');
    // Pulled through no rule that works: nothing of it may be fetched.
    await push(upstream, 'team/secret:1');
    ownDigest = await push(cache, 'local/app:1');

    // The upstream deployment: a user whose key the cache holds, a role trusting it, one that does not.
    await iam(upstream, 'CreateUser', { UserName: 'cache-of-b' });
    const keyXml = await iam(upstream, 'CreateAccessKey', { UserName: 'cache-of-b' });
    const accessKeyId = /<AccessKeyId>([^<]*)</.exec(keyXml)![1]!;
    const secretAccessKey = /<SecretAccessKey>([^<]*)</.exec(keyXml)![1]!;
    keyOfB = { accessKeyId, secretAccessKey };
    const userArn = `arn:aws:iam::${upstream.berth.accountId}:user/cache-of-b`;
    await iam(upstream, 'CreateUser', { UserName: 'someone-else' });
    const trusted = await role(upstream, 'cache-puller', trust({ AWS: userArn }));
    const untrusting = await role(
      upstream,
      'not-for-caches',
      trust({ AWS: `arn:aws:iam::${upstream.berth.accountId}:user/someone-else` }),
    );
    // The cache's own deployment: roles for the service principal (and one that names another service).
    const service = await role(cache, 'ptc-service', trust({ Service: 'pullthroughcache.ecr.amazonaws.com' }));
    const otherService = await role(cache, 'ptc-other', trust({ Service: 'ec2.amazonaws.com' }));
    // Another account of the cache's deployment: a role that trusts only its own account.
    const third = await cache.berth.identities.createAccount();
    const thirdKey = await cache.berth.identities.createAccessKeyFor(third.id);
    const notOurs = await role(cache, 'theirs', trust({ AWS: `arn:aws:iam::${third.id}:root` }), thirdKey);

    client = ecrClient(cache.url);
    password = (await registryLogin(client)).password;
    const sm = secretsClient(cache.url, TEST_ADMIN);
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: 'ecr-pullthroughcache/account-b',
        SecretString: JSON.stringify({ accessKeyId, secretAccessKey }),
      }),
    );
    sm.destroy();
    const rule = (prefix: string, url: string, customRoleArn: string, credentialArn?: string) =>
      client.send(
        new CreatePullThroughCacheRuleCommand({
          ecrRepositoryPrefix: prefix,
          upstreamRegistryUrl: url,
          upstreamRegistry: 'ecr',
          customRoleArn,
          ...(credentialArn && { credentialArn }),
        }),
      );
    await rule('acct-b', upstreamHost, trusted, ARN!);
    await rule('b-denied', upstreamHost, untrusting, ARN!);
    await rule('self', cacheHost, service);
    await rule('self-denied', cacheHost, otherService);
    await rule('c-denied', upstreamHost, notOurs);
  });
  after(async () => {
    client?.destroy();
    await cache?.close();
    await upstream?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('another deployment: the role assumed at its STS with the secret key, then its GetAuthorizationToken; skopeo pulls', async () => {
    await skopeo([
      'copy',
      '--src-tls-verify=false',
      '--src-creds',
      `AWS:${password}`,
      `docker://${cacheHost}/acct-b/team/app:1`,
      `oci:${join(scratch, 'pulled-b')}:x`,
    ]);
    assert.equal(await pulled('acct-b/team/app:1'), digest);
    // The role was assumed: the upstream logged the cache in as the role's session, and the key alone may not.
    const logins = (await upstreamEvents('GetAuthorizationToken')).map((e) => e.userIdentity.arn);
    assert.ok(
      logins.includes(`arn:aws:sts::${upstream.berth.accountId}:assumed-role/cache-puller/ecr-pull-through-cache`),
      JSON.stringify(logins),
    );
    const keyOnly = ecrClient(upstream.url, keyOfB);
    await assert.rejects(keyOnly.send(new GetAuthorizationTokenCommand({})), { name: 'AccessDeniedException' });
    keyOnly.destroy();
  });

  test('a role whose trust policy does not let the key in: a clear refusal naming STS', async () => {
    const res = await fetch(`${cache.url}/v2/b-denied/team/app/manifests/1`, {
      headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
    });
    assert.equal(res.status, 403);
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]!.code, 'DENIED');
    assert.match(
      body.errors[0]!.message,
      /refused AssumeRole of arn:aws:iam::\d{12}:role\/not-for-caches: AccessDenied/,
    );
    await assert.rejects(pulled('b-denied/team/app:1'), /AssumeRole/);
    const secret = await fetch(`${cache.url}/v2/b-denied/team/secret/manifests/1`, {
      headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
    });
    assert.equal(secret.status, 403);
    await nothingFetched('b-denied');
  });

  test("this deployment's role: assumed as pullthroughcache.ecr.amazonaws.com, which its trust policy must name", async () => {
    assert.equal(await pulled('self/local/app:1'), ownDigest);
    const res = await fetch(`${cache.url}/v2/self-denied/local/app/manifests/1`, {
      headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
    });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /does not allow the service pullthroughcache\.ecr\.amazonaws\.com/);
  });

  test('a role of another account of this deployment, which does not trust the cache: refused by name, nothing fetched', async () => {
    const res = await fetch(`${cache.url}/v2/c-denied/team/secret/manifests/1`, {
      headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
    });
    assert.equal(res.status, 403);
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]!.code, 'DENIED');
    assert.match(body.errors[0]!.message, /the role arn:aws:iam::\d{12}:role\/theirs is not in the registry's account/);
    await assert.rejects(pulled('c-denied/team/secret:1'), /not in the registry's account/);
    await nothingFetched('c-denied');
  });
});
