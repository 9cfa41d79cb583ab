// The public registry with real clients: the AWS CLI v2 (`aws ecr-public …`) drives public
// repositories, catalog data and registries; `aws ecr-public get-login-password` logs skopeo in
// to push; skopeo pulls anonymously, byte-identical, and is refused pushes without credentials
// and any private repository.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { runProgram } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { ADMIN_ENV, startBerth, tempDir, type TestBerth } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { skopeo } from './support.js';

const AWS = AWS_CLI;

function requireClients(t: TestContext): boolean {
  return requireTool(t, 'skopeo', 'apt-get install -y skopeo') && requireAwsCli(t);
}

describe('the public registry with the AWS CLI v2 and skopeo', () => {
  let server: TestBerth;
  let publicHost: string;
  let layout: OciLayout;
  let image: Descriptor;
  let alias: string;
  const scratch: string[] = [];

  const scratchDir = (prefix: string) => {
    const dir = tempDir(prefix);
    scratch.push(dir);
    return dir;
  };
  const aws = async (args: string[]) => {
    const result = await runProgram(
      AWS,
      ['ecr-public', ...args, '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'],
      ADMIN_ENV,
    );
    assert.equal(result.code, 0, `aws ecr-public ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim() ? (JSON.parse(result.stdout) as Record<string, any>) : {};
  };
  /** skopeo with an auth file of its own that holds no login. */
  const anonymous = (args: string[]) =>
    skopeo(args, { env: { REGISTRY_AUTH_FILE: join(scratchDir('berth-public-noauth-'), 'auth.json') } });

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' } } });
    publicHost = new URL(server.berth.publicUrl()).host;
    layout = new OciLayout(scratchDir('berth-public-layout-'));
    image = layout.addImage([4096, 256 * 1024]);
    layout.tag(image, 'img');
  });
  after(async () => {
    await server.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('aws ecr-public creates and describes repositories, catalog data and registries', async (t) => {
    if (!requireClients(t)) return;
    const created = await aws([
      'create-repository',
      '--repository-name',
      'e2e/hello',
      '--catalog-data',
      JSON.stringify({
        description: 'Hello from the public gallery',
        architectures: ['x86-64'],
        operatingSystems: ['Linux'],
        aboutText: '# Hello',
      }),
    ]);
    assert.equal(created.repository.repositoryName, 'e2e/hello');
    assert.equal(created.catalogData.description, 'Hello from the public gallery');
    const registries = await aws(['describe-registries']);
    alias = registries.registries[0].aliases[0].name;
    assert.equal(created.repository.repositoryUri, `${publicHost}/${alias}/e2e/hello`);
    assert.equal(registries.registries[0].registryUri, `${publicHost}/${alias}`);

    await aws(['put-registry-catalog-data', '--display-name', 'E2E Corp']);
    assert.deepEqual(await aws(['get-registry-catalog-data']), { registryCatalogData: { displayName: 'E2E Corp' } });
    await aws([
      'put-repository-catalog-data',
      '--repository-name',
      'e2e/hello',
      '--catalog-data',
      JSON.stringify({ usageText: 'docker run hello' }),
    ]);
    const catalog = await aws(['get-repository-catalog-data', '--repository-name', 'e2e/hello']);
    assert.equal(catalog.catalogData.usageText, 'docker run hello');
    assert.equal(catalog.catalogData.description, 'Hello from the public gallery');
    const described = await aws(['describe-repositories']);
    assert.deepEqual(
      described.repositories.map((r: { repositoryName: string }) => r.repositoryName),
      ['e2e/hello'],
    );
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Push',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::222222222222:root' },
          Action: ['ecr-public:InitiateLayerUpload', 'ecr-public:PutImage'],
        },
      ],
    });
    await aws(['set-repository-policy', '--repository-name', 'e2e/hello', '--policy-text', policy]);
    assert.equal((await aws(['get-repository-policy', '--repository-name', 'e2e/hello'])).policyText, policy);
    // The policy engine evaluates it: a Deny stops even the account's root until it is deleted.
    await aws(['create-repository', '--repository-name', 'e2e/scratch']);
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 'ecr-public:DeleteRepository' }],
    });
    await aws(['set-repository-policy', '--repository-name', 'e2e/scratch', '--policy-text', deny]);
    const refused = await runProgram(
      AWS,
      [
        'ecr-public',
        'delete-repository',
        '--repository-name',
        'e2e/scratch',
        '--endpoint-url',
        server.url,
        '--region',
        'us-east-1',
      ],
      ADMIN_ENV,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /AccessDeniedException.*ecr-public:DeleteRepository/);
    await aws(['delete-repository-policy', '--repository-name', 'e2e/scratch']);
    await aws(['delete-repository', '--repository-name', 'e2e/scratch']);
  });

  it('get-login-password logs skopeo in to push; skopeo pulls anonymously, byte-identical', async (t) => {
    if (!requireClients(t) || !alias) return;
    const login = await runProgram(
      AWS,
      ['ecr-public', 'get-login-password', '--endpoint-url', server.url, '--region', 'us-east-1'],
      ADMIN_ENV,
    );
    assert.equal(login.code, 0, login.stderr);
    const authfile = join(scratchDir('berth-public-auth-'), 'auth.json');
    const loggedIn = await skopeo(
      ['login', '--tls-verify=false', '--authfile', authfile, '--username', 'AWS', '--password-stdin', publicHost],
      { input: login.stdout.trim() },
    );
    assert.match(loggedIn.stdout, /Login Succeeded/);
    await skopeo([
      'copy',
      '--authfile',
      authfile,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${publicHost}/${alias}/e2e/hello:v1`,
    ]);

    const out = scratchDir('berth-public-pulled-');
    await anonymous([
      'copy',
      '--src-tls-verify=false',
      '--src-no-creds',
      `docker://${publicHost}/${alias}/e2e/hello:v1`,
      `oci:${out}:img`,
    ]);
    const manifest = JSON.parse(layout.readBlob(image.digest).toString('utf8')) as {
      config: Descriptor;
      layers: Descriptor[];
    };
    const expected = [image.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)].sort();
    const written = readdirSync(join(out, 'blobs', 'sha256'))
      .map((hex) => `sha256:${hex}`)
      .sort();
    assert.deepEqual(written, expected);
    for (const digest of written)
      assert.ok(
        readFileSync(join(out, 'blobs', 'sha256', digest.slice(7))).equals(layout.readBlob(digest)),
        `${digest} is byte-identical`,
      );

    const tags = await aws(['describe-image-tags', '--repository-name', 'e2e/hello']);
    assert.deepEqual(
      tags.imageTagDetails.map((d: { imageTag: string }) => d.imageTag),
      ['v1'],
    );
    const images = await aws(['describe-images', '--repository-name', 'e2e/hello']);
    assert.equal(images.imageDetails[0].imageDigest, image.digest);
  });

  it('refuses an anonymous push, and a private repository by the same reference', async (t) => {
    if (!requireClients(t) || !alias) return;
    await assert.rejects(
      anonymous([
        'copy',
        '--dest-tls-verify=false',
        '--dest-no-creds',
        `oci:${layout.dir}:img`,
        `docker://${publicHost}/${alias}/e2e/hello:anonymous`,
      ]),
      /401|unauthorized|authentication required|denied/i,
    );
    const tags = await aws(['describe-image-tags', '--repository-name', 'e2e/hello']);
    assert.deepEqual(
      tags.imageTagDetails.map((d: { imageTag: string }) => d.imageTag),
      ['v1'],
      'nothing was stored',
    );

    // The same image in a private repository of the same account: only its own host with credentials serves it.
    const privateLogin = await runProgram(
      AWS,
      ['ecr', 'get-login-password', '--endpoint-url', server.url, '--region', 'us-east-1'],
      ADMIN_ENV,
    );
    const authfile = join(scratchDir('berth-private-auth-'), 'auth.json');
    const privateHost = new URL(server.url).host;
    await skopeo(
      ['login', '--tls-verify=false', '--authfile', authfile, '--username', 'AWS', '--password-stdin', privateHost],
      { input: privateLogin.stdout.trim() },
    );
    await skopeo([
      'copy',
      '--authfile',
      authfile,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${privateHost}/e2e/secret:v1`,
    ]);
    const out = scratchDir('berth-public-refused-');
    await assert.rejects(
      anonymous([
        'copy',
        '--src-tls-verify=false',
        '--src-no-creds',
        `docker://${publicHost}/${alias}/e2e/secret:v1`,
        `oci:${out}:img`,
      ]),
      /not found|unknown|404/i,
    );
    await assert.rejects(
      anonymous([
        'copy',
        '--src-tls-verify=false',
        '--src-no-creds',
        `docker://${privateHost}/e2e/secret:v1`,
        `oci:${out}:img`,
      ]),
      /401|unauthorized|authentication required/i,
    );
  });
});
