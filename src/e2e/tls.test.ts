// Real clients against `berth serve --tls-self-signed` with certificate verification on, trusting
// the CA Berth created the way its start-up message says: skopeo (--cert-dir, and as the caller
// of docker-credential-berth), the AWS CLI v2 (--ca-bundle), berth login (NODE_EXTRA_CA_CERTS,
// AWS_CA_BUNDLE). Each also fails, clearly, when it does not trust the CA.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { CREDENTIAL_HELPER, runProgram, runScript } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { ADMIN_ENV, CLI, scratchDirs } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { ServedBerth, skopeo } from './support.js';

const AWS = AWS_CLI;

let berth: ServedBerth;
let caFile: string;
/** A directory holding ca.crt, as skopeo's --cert-dir wants. */
let certDir: string;
let layout: OciLayout;
let image: Descriptor;
const scratch = scratchDirs();

const scratchDir = scratch.make;

before(async () => {
  layout = new OciLayout(scratchDir('berth-tls-layout-'));
  image = layout.addImage([2048, 2 * 1024 * 1024]);
  layout.tag(image, 'img');
  berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' }, ['--tls-self-signed']);
  caFile = join(berth.dataDir, 'tls', 'ca.crt');
  certDir = scratchDir('berth-tls-certs-');
  copyFileSync(caFile, join(certDir, 'ca.crt'));
});

after(async () => {
  await berth.close();
  scratch.remove();
});

/** The status of GET /v2/ over https (trusting the CA) with Basic AWS:<password>. */
function v2Status(password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(
      `${berth.url}/v2/`,
      {
        ca: readFileSync(caFile),
        agent: false,
        headers: { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    )
      .on('error', reject)
      .end();
  });
}

function assertPulled(outDir: string): void {
  const manifest = JSON.parse(layout.readBlob(image.digest).toString('utf8')) as {
    config: Descriptor;
    layers: Descriptor[];
  };
  const expected = [image.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)].sort();
  const written = readdirSync(join(outDir, 'blobs', 'sha256'))
    .map((hex) => `sha256:${hex}`)
    .sort();
  assert.deepEqual(written, expected);
  for (const digest of written)
    assert.ok(
      readFileSync(join(outDir, 'blobs', 'sha256', digest.slice(7))).equals(layout.readBlob(digest)),
      `${digest} is byte-identical`,
    );
}

const login = (args: string[], env: NodeJS.ProcessEnv) =>
  runScript(CLI, ['login', '--endpoint-url', berth.url, ...args], { ...ADMIN_ENV, ...env });

it('the start says which CA to trust and how, and serves https', () => {
  assert.match(berth.url, /^https:\/\//);
  const said = berth.stderr;
  assert.ok(said.includes(`Trust the CA certificate ${caFile} (created now)`), said);
  assert.ok(said.includes(`/etc/docker/certs.d/${berth.host}/ca.crt`));
  assert.match(said, /--cert-dir/);
  assert.match(said, /update-ca-certificates/);
  assert.doesNotMatch(said, /serving plain HTTP/);
});

describe('berth login over https', () => {
  it('trusts the CA through NODE_EXTRA_CA_CERTS, AWS_CA_BUNDLE or --ca-bundle', async () => {
    for (const trust of [
      { env: { NODE_EXTRA_CA_CERTS: caFile }, args: [] },
      { env: { AWS_CA_BUNDLE: caFile }, args: [] },
      { env: {}, args: ['--ca-bundle', caFile] },
    ]) {
      const result = await login(trust.args, trust.env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await v2Status(result.stdout.trim()), 200);
    }
  });

  it('without trusting the CA: one line that says how to trust it, no password', async () => {
    const result = await login([], {});
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^berth: the certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted \(.*\): trust its CA with NODE_EXTRA_CA_CERTS/,
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    const missing = await login(['--ca-bundle', '/nonexistent/ca.pem'], {});
    assert.match(missing.stderr, /^berth: cannot read the CA bundle \/nonexistent\/ca\.pem/);
  });
});

describe('skopeo with TLS verification on', () => {
  it('logs in, pushes and pulls byte-identical trusting the CA with --cert-dir; refuses without it', async (t) => {
    if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    const password = (await login([], { NODE_EXTRA_CA_CERTS: caFile })).stdout.trim();
    const authfile = join(scratchDir('berth-tls-auth-'), 'auth.json');
    const loggedIn = await skopeo(
      ['login', '--cert-dir', certDir, '--authfile', authfile, '--username', 'AWS', '--password-stdin', berth.host],
      { input: password },
    );
    assert.match(loggedIn.stdout, /Login Succeeded/);
    await skopeo([
      'copy',
      '--authfile',
      authfile,
      '--dest-cert-dir',
      certDir,
      `oci:${layout.dir}:img`,
      `docker://${berth.host}/tls/app:v1`,
    ]);
    const out = scratchDir('berth-tls-out-');
    await skopeo([
      'copy',
      '--authfile',
      authfile,
      '--src-cert-dir',
      certDir,
      `docker://${berth.host}/tls/app:v1`,
      `oci:${out}:img`,
    ]);
    assertPulled(out);
    const inspected = JSON.parse(
      (await skopeo(['inspect', '--authfile', authfile, '--cert-dir', certDir, `docker://${berth.host}/tls/app:v1`]))
        .stdout,
    ) as { Digest: string };
    assert.equal(inspected.Digest, image.digest);
    // Verification is really on: the same call without the CA is refused by skopeo itself.
    await assert.rejects(
      skopeo(['inspect', '--authfile', authfile, `docker://${berth.host}/tls/app:v1`]),
      /certificate signed by unknown authority|x509/,
    );
  });

  it('calls docker-credential-berth, which asks the API over https trusting NODE_EXTRA_CA_CERTS', async (t) => {
    if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    const dir = scratchDir('berth-tls-helper-');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(CREDENTIAL_HELPER, join(bin, 'docker-credential-berth'));
    const authfile = join(dir, 'auth.json');
    writeFileSync(authfile, JSON.stringify({ credHelpers: { [berth.host]: 'berth' } }));
    const env = {
      ...ADMIN_ENV,
      NODE_EXTRA_CA_CERTS: caFile,
      PATH: [bin, dirname(process.execPath), process.env.PATH].join(delimiter),
    };
    await skopeo(
      [
        'copy',
        '--authfile',
        authfile,
        '--dest-cert-dir',
        certDir,
        `oci:${layout.dir}:img`,
        `docker://${berth.host}/tls/helper:v1`,
      ],
      { env },
    );
    const out = scratchDir('berth-tls-out-');
    await skopeo(
      [
        'copy',
        '--authfile',
        authfile,
        '--src-cert-dir',
        certDir,
        `docker://${berth.host}/tls/helper:v1`,
        `oci:${out}:img`,
      ],
      { env },
    );
    assertPulled(out);
    // The helper itself: a host without a scheme is asked over https; it never falls back to
    // plain HTTP for a certificate it does not trust.
    const answer = await runScript(
      CREDENTIAL_HELPER,
      ['get'],
      { ...ADMIN_ENV, NODE_EXTRA_CA_CERTS: caFile },
      `${berth.host}\n`,
    );
    assert.equal(answer.code, 0, answer.stdout);
    assert.equal(await v2Status((JSON.parse(answer.stdout) as { Secret: string }).Secret), 200);
    const untrusted = await runScript(CREDENTIAL_HELPER, ['get'], ADMIN_ENV, `${berth.host}\n`);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stdout, /is not trusted/);
  });
});

describe('the AWS CLI v2 over https', () => {
  const aws = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runProgram(AWS, [...args, '--endpoint-url', berth.url, '--region', 'us-east-1', '--output', 'json'], {
      ...ADMIN_ENV,
      ...env,
    });

  it('calls the ECR API with --ca-bundle or AWS_CA_BUNDLE, and refuses an untrusted certificate', async (t) => {
    if (!requireAwsCli(t)) return;
    const created = await aws(['ecr', 'create-repository', '--repository-name', 'tls/cli', '--ca-bundle', caFile]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(
      (JSON.parse(created.stdout) as { repository: { repositoryUri: string } }).repository.repositoryUri,
      `${berth.host}/tls/cli`,
    );
    const described = await aws(['ecr', 'describe-repositories', '--repository-names', 'tls/cli'], {
      AWS_CA_BUNDLE: caFile,
    });
    assert.equal(described.code, 0, described.stderr);
    assert.deepEqual(
      (JSON.parse(described.stdout) as { repositories: { repositoryName: string }[] }).repositories.map(
        (r) => r.repositoryName,
      ),
      ['tls/cli'],
    );
    const token = await aws(['ecr', 'get-authorization-token', '--ca-bundle', caFile]);
    assert.equal(token.code, 0, token.stderr);
    assert.equal(
      (JSON.parse(token.stdout) as { authorizationData: { proxyEndpoint: string }[] }).authorizationData[0]!
        .proxyEndpoint,
      berth.url,
    );
    const password = await aws(['ecr', 'get-login-password', '--ca-bundle', caFile]);
    assert.equal(await v2Status(password.stdout.trim()), 200);
    const untrusted = await aws(['ecr', 'describe-repositories']);
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /SSL|certificate verify failed/i);
  });
});
