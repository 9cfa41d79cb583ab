// berth-credential-provider as the kubelet runs it: a CredentialProviderRequest on stdin, the
// response on stdout, and skopeo pulling with the credentials it answered — from the AWS
// credentials of the environment, and from a service-account token (the one the kubelet passes,
// and a projected token file) exchanged with AssumeRoleWithWebIdentity for a pull-only role.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test, type TestContext } from 'node:test';
import { skopeo } from '../e2e/support.js';
import { runProgram, runScript } from '../testing/cli.js';
import { ecrClient, ensureRepository, registryLogin } from '../testing/ecr.js';
import { OciLayout } from '../testing/oci-layout.js';
import { TestIssuer } from '../testing/oidc-issuer.js';
import { ADMIN_ENV, scratchDirs, startBerth, type TestBerth } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';

const PROVIDER = resolve(fileURLToPath(new URL('./credential-provider.js', import.meta.url)));
const API_VERSION = 'credentialprovider.kubelet.k8s.io/v1';

interface ProviderResponse {
  apiVersion: string;
  kind: string;
  cacheKeyType: string;
  cacheDuration: string;
  auth: Record<string, { username: string; password: string }>;
}

let server: TestBerth;
let host: string;
let issuer: TestIssuer;
let roleArn: string;
let layoutDir: string;
const dirs = scratchDirs();

function requireClients(t: TestContext): boolean {
  return requireTool(t, 'skopeo', 'apt-get install -y skopeo') && requireAwsCli(t);
}

const request = (extra: object = {}) =>
  JSON.stringify({ apiVersion: API_VERSION, kind: 'CredentialProviderRequest', image: `${host}/k8s/app:v1`, ...extra });

async function provide(input: string, env: NodeJS.ProcessEnv): Promise<ProviderResponse> {
  const result = await runScript(PROVIDER, [], env, input);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ProviderResponse;
}

/** The seconds of a Go duration as the provider writes it ("3540s"). */
const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1] ?? Number.NaN);

async function pull(credentials: { username: string; password: string }): Promise<void> {
  await skopeo([
    'copy',
    '--src-tls-verify=false',
    '--src-creds',
    `${credentials.username}:${credentials.password}`,
    `docker://${host}/k8s/app:v1`,
    `oci:${dirs.make('berth-kubelet-pulled-')}:v1`,
  ]);
}

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  host = new URL(server.url).host;
  issuer = await TestIssuer.start();
  const layout = new OciLayout(dirs.make('berth-kubelet-layout-'));
  layout.tag(layout.addImage([256]), 'v1');
  layoutDir = layout.dir;
});
after(async () => {
  await server.close();
  await issuer.close();
  dirs.remove();
});

describe('berth-credential-provider', () => {
  test('answers the kubelet from the AWS credentials of the environment, and skopeo pulls with them', async (t) => {
    if (!requireClients(t)) return;
    const admin = ecrClient(server.url);
    await ensureRepository(admin, 'k8s/app');
    const { password } = await registryLogin(admin);
    await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `AWS:${password}`,
      `oci:${layoutDir}:v1`,
      `docker://${host}/k8s/app:v1`,
    ]);
    // No endpoint configured: the image's registry is asked (plain HTTP on loopback, as Docker allows).
    const response = await provide(request(), ADMIN_ENV);
    assert.deepEqual(
      [response.apiVersion, response.kind, response.cacheKeyType, Object.keys(response.auth)],
      [API_VERSION, 'CredentialProviderResponse', 'Registry', [host]],
    );
    // A registry password lives 12 hours; the kubelet keeps it for less.
    const cached = seconds(response.cacheDuration);
    assert.ok(cached > 10 * 3600 && cached <= 12 * 3600 - 60, response.cacheDuration);
    assert.equal(response.auth[host]?.username, 'AWS');
    await pull(response.auth[host]!);
  });

  test('exchanges a service-account token for a pull-only role, from the request or a projected file', async (t) => {
    if (!requireClients(t)) return;
    const aws = async (args: string[]) => {
      const result = await runProgram(
        AWS_CLI,
        [...args, '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'],
        { ...ADMIN_ENV, AWS_PAGER: '' },
      );
      assert.equal(result.code, 0, `aws ${args.join(' ')}: ${result.stderr}`);
      return JSON.parse(result.stdout || '{}') as Record<string, any>;
    };
    const providerArn = (
      await aws([
        'iam',
        'create-open-id-connect-provider',
        '--url',
        issuer.url,
        '--client-id-list',
        'berth',
        '--thumbprint-list',
        issuer.thumbprint,
      ])
    ).OpenIDConnectProviderArn as string;
    const issuerHost = new URL(issuer.url).host;
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${issuerHost}:sub`]: 'system:serviceaccount:apps:puller' } },
        },
      ],
    };
    roleArn = (
      await aws([
        'iam',
        'create-role',
        '--role-name',
        'node-pull',
        '--assume-role-policy-document',
        JSON.stringify(trust),
      ])
    ).Role.Arn as string;
    await aws([
      'iam',
      'attach-role-policy',
      '--role-name',
      'node-pull',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
    ]);
    const token = await issuer.token({ sub: 'system:serviceaccount:apps:puller', aud: 'berth' });

    // The kubelet's service-account token mode: the token and the annotations in the request.
    const fromRequest = await provide(
      request({ serviceAccountToken: token, serviceAccountAnnotations: { 'berth.dev/role-arn': roleArn } }),
      { BERTH_ENDPOINT_URL: server.url },
    );
    // The session lives an hour; the password with it, so the kubelet keeps it for less.
    const cached = seconds(fromRequest.cacheDuration);
    assert.ok(cached > 0 && cached <= 3600 - 60, fromRequest.cacheDuration);
    await pull(fromRequest.auth[host]!);
    await assert.rejects(
      skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        `AWS:${fromRequest.auth[host]!.password}`,
        `oci:${layoutDir}:v1`,
        `docker://${host}/k8s/app:v2`,
      ]),
      /denied|not authorized|403 \(Forbidden\)/i,
    );

    // A projected token file (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, as on EKS).
    const tokenFile = join(dirs.make('berth-kubelet-token-'), 'token');
    writeFileSync(tokenFile, token);
    const fromFile = await provide(request(), {
      BERTH_ENDPOINT_URL: server.url,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: roleArn,
    });
    await pull(fromFile.auth[host]!);

    // A token of another service account is refused by the trust policy, in STS's words.
    const stranger = await issuer.token({ sub: 'system:serviceaccount:apps:other', aud: 'berth' });
    const refused = await runScript(
      PROVIDER,
      [],
      { BERTH_ENDPOINT_URL: server.url, AWS_ROLE_ARN: roleArn },
      request({ serviceAccountToken: stranger }),
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /AssumeRoleWithWebIdentity for .*node-pull: AccessDenied/);
    assert.equal(refused.stdout, '');
  });

  test('a request that is not the kubelet API, or has no credentials to use, fails on stderr', async () => {
    const wrong = await runScript(
      PROVIDER,
      [],
      ADMIN_ENV,
      request({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1alpha1' }),
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /expected a CredentialProviderRequest of credentialprovider\.kubelet\.k8s\.io\/v1/);
    const none = await runScript(PROVIDER, [], { BERTH_ENDPOINT_URL: server.url }, request());
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no AWS credentials/);
    const noRole = await runScript(
      PROVIDER,
      [],
      { BERTH_ENDPOINT_URL: server.url },
      request({ serviceAccountToken: 'x.y.z' }),
    );
    assert.match(noRole.stderr, /annotate the service account with berth\.dev\/role-arn/);
  });
});
