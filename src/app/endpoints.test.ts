// Private endpoints (config.endpoints) through real sockets: a repository policy that allows pulls
// only through vpce-1 (aws:SourceVpce) works there and is refused on the main listener, and an
// endpoint policy that denies pushes refuses them through its endpoint — to skopeo and to the AWS
// SDK — in the words AWS uses for a VPC endpoint policy, while the same push elsewhere works.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeRepositoriesCommand, PutImageCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { skopeo } from '../e2e/support.js';
import type { NewAccessKey } from '../iam/identities.js';
import { ecrClient, ensureRepository, registryLogin, rejectsWith } from '../testing/ecr.js';
import { OciLayout } from '../testing/oci-layout.js';
import { scratchDirs, startBerth, type TestBerth } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';

const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const MANIFEST_ACCEPT = 'application/vnd.oci.image.manifest.v1+json';

let server: TestBerth;
let main: string;
let vpce1: string;
let vpce2: string;
let reader: NewAccessKey & { user: { arn: string } };
let adminPassword: string;
let readerPassword: string;
let layoutDir: string;
const dirs = scratchDirs();

before(async () => {
  server = await startBerth({
    settings: {
      auth: { mode: 'iam' },
      endpoints: [
        { listen: '127.0.0.1:0', id: 'vpce-1', vpcId: 'vpc-1' },
        {
          listen: '127.0.0.1:0',
          id: 'vpce-2',
          vpcId: 'vpc-2',
          policy: policy(
            { Sid: 'Everything', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
            {
              Sid: 'NoPushesHere',
              Effect: 'Deny',
              Principal: '*',
              Action: ['ecr:InitiateLayerUpload', 'ecr:PutImage'],
              Resource: '*',
            },
          ),
        },
      ],
    },
  });
  main = server.url;
  ({ 'vpce-1': vpce1 = '', 'vpce-2': vpce2 = '' } = server.berth.endpointUrls());
  assert.match(vpce1, /^http:\/\/127\.0\.0\.1:\d+$/);
  const { berth } = server;
  await berth.identities.createUser(berth.accountId, 'reader');
  reader = await berth.identities.createAccessKeyFor(berth.accountId, 'reader');
  await berth.userPolicies.putUserPolicy(
    berth.accountId,
    'reader',
    'login',
    JSON.stringify(policy({ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' })),
  );
  adminPassword = (await registryLogin(ecrClient(main))).password;
  readerPassword = (await registryLogin(ecrClient(vpce1, reader))).password;
  const layout = new OciLayout(dirs.make('berth-endpoint-layout-'));
  layout.tag(layout.addImage([512]), 'v1');
  layoutDir = layout.dir;
});
after(async () => {
  await server.close();
  dirs.remove();
});

const hostOf = (url: string) => new URL(url).host;

async function getManifest(base: string, name: string, password: string): Promise<Response> {
  return fetch(`${base}/v2/${name}/manifests/v1`, {
    headers: {
      authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`,
      accept: MANIFEST_ACCEPT,
    },
  });
}

describe('a repository policy on aws:SourceVpce', () => {
  test('allows pulls through vpce-1 and refuses them on the main listener', async (t) => {
    if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    const admin = ecrClient(main);
    await ensureRepository(admin, 'private/app');
    await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `AWS:${adminPassword}`,
      `oci:${layoutDir}:v1`,
      `docker://${hostOf(main)}/private/app:v1`,
    ]);
    await admin.send(
      new SetRepositoryPolicyCommand({
        repositoryName: 'private/app',
        policyText: JSON.stringify(
          policy({
            Sid: 'PullThroughVpce1',
            Effect: 'Allow',
            Principal: { AWS: reader.user.arn },
            Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1', 'aws:SourceVpc': 'vpc-1' } },
          }),
        ),
      }),
    );
    const through = await skopeo([
      'inspect',
      '--tls-verify=false',
      '--creds',
      `AWS:${readerPassword}`,
      `docker://${hostOf(vpce1)}/private/app:v1`,
    ]);
    assert.match(through.stdout, /"Digest": "sha256:/);
    const refused = await getManifest(main, 'private/app', readerPassword);
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]?.code, 'DENIED');
    assert.match(body.errors[0]?.message ?? '', /because no identity-based policy allows the ecr:BatchGetImage action/);
    // Through the other endpoint the condition does not hold either (aws:SourceVpce is vpce-2).
    assert.equal((await getManifest(vpce2, 'private/app', readerPassword)).status, 403);
    assert.equal((await getManifest(vpce1, 'private/app', readerPassword)).status, 200);

    // Metering counts what went through the endpoint apart from the public network.
    await server.berth.metering.counter?.flush();
    const rows = await server.berth.store.metering.transfer({ from: 0, to: Date.now() + 3_600_000 });
    const byEndpoint = (endpoint: string) =>
      rows
        .filter((r) => r.repositoryName === 'private/app' && r.endpoint === endpoint && r.principal === reader.user.arn)
        .reduce((sum, r) => sum + r.bytes, 0);
    assert.ok(byEndpoint('vpce-1') > 0, JSON.stringify(rows.map((r) => [r.endpoint, r.principal, r.bytes])));
    assert.equal(byEndpoint('public-network'), 0, "the reader's refused pulls on the main listener served nothing");
  });

  test('a deny unless through vpce-1 refuses even the account root elsewhere', async () => {
    const admin = ecrClient(main);
    await ensureRepository(admin, 'private/only-vpce');
    await admin.send(
      new SetRepositoryPolicyCommand({
        repositoryName: 'private/only-vpce',
        policyText: JSON.stringify(
          policy({
            Sid: 'OnlyThroughVpce1',
            Effect: 'Deny',
            Principal: '*',
            Action: 'ecr:*',
            Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } },
          }),
        ),
        force: true,
      }),
    );
    const describe = new DescribeRepositoriesCommand({ repositoryNames: ['private/only-vpce'] });
    const err = await rejectsWith(admin.send(describe), 'AccessDeniedException');
    assert.match(String(err.message), /with an explicit deny in a resource-based policy/);
    const there = await ecrClient(vpce1).send(describe);
    assert.equal(there.repositories?.[0]?.repositoryName, 'private/only-vpce');
  });
});

describe('an endpoint policy that denies pushes', () => {
  test('refuses skopeo pushes and PutImage through vpce-2 in the endpoint policy words; elsewhere they work', async (t) => {
    if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    const admin = ecrClient(main);
    await ensureRepository(admin, 'pushes/app');
    const push = (base: string) =>
      skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        `AWS:${adminPassword}`,
        `oci:${layoutDir}:v1`,
        `docker://${hostOf(base)}/pushes/app:v1`,
      ]);
    await assert.rejects(
      push(vpce2),
      /arn:aws:iam::\d{12}:root is not authorized to perform: ecr:InitiateLayerUpload .* with an explicit deny in a VPC endpoint policy/,
    );
    await push(vpce1);
    // Pulls through vpce-2 are allowed by its policy; the API's PutImage is refused with AccessDeniedException.
    assert.equal((await getManifest(vpce2, 'pushes/app', adminPassword)).status, 200);
    const manifest = await (await getManifest(vpce1, 'pushes/app', adminPassword)).text();
    const err = await rejectsWith(
      ecrClient(vpce2).send(
        new PutImageCommand({ repositoryName: 'pushes/app', imageManifest: manifest, imageTag: 'v2' }),
      ),
      'AccessDeniedException',
    );
    assert.match(String(err.message), /ecr:PutImage .* with an explicit deny in a VPC endpoint policy/);
    await ecrClient(main).send(
      new PutImageCommand({ repositoryName: 'pushes/app', imageManifest: manifest, imageTag: 'v2' }),
    );
  });
});
