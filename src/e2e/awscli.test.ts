// The AWS CLI v2 and skopeo against `berth serve` with credentials required, the way users log
// in: aws ecr get-login-password, skopeo login, push and pull byte-identical; what a wrong key
// does; and docker-credential-berth, by --creds and as skopeo's credential helper.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { CREDENTIAL_HELPER, runProgram, runScript } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { ADMIN_ENV, TEST_ADMIN, scratchDirs } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { ServedBerth, skopeo } from './support.js';

/** The AWS CLI v2 as Debian installs it (an `aws` earlier on PATH may be another version). */
const AWS = AWS_CLI;

function requireClients(t: TestContext): boolean {
  return requireTool(t, 'skopeo', 'apt-get install -y skopeo') && requireAwsCli(t);
}

let berth: ServedBerth;
let layout: OciLayout;
let image: Descriptor;
const scratch = scratchDirs();

const scratchDir = scratch.make;

before(async () => {
  layout = new OciLayout(scratchDir('berth-awscli-layout-'));
  image = layout.addImage([2048, 1024 * 1024]);
  layout.tag(image, 'img');
  berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' });
});

after(async () => {
  await berth.close();
  scratch.remove();
});

const aws = (args: string[], env: NodeJS.ProcessEnv = ADMIN_ENV) =>
  runProgram(AWS, [...args, '--endpoint-url', berth.url, '--region', 'us-east-1'], env);

/** The pulled layout holds the image's manifest, config and layers, each byte-identical to what was pushed. */
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
  for (const digest of written) {
    assert.ok(
      readFileSync(join(outDir, 'blobs', 'sha256', digest.slice('sha256:'.length))).equals(layout.readBlob(digest)),
      `${digest} is byte-identical`,
    );
  }
}

describe('the AWS CLI v2 logs skopeo in', () => {
  it('aws ecr get-login-password | skopeo login, then skopeo pushes and pulls byte-identical', async (t) => {
    if (!requireClients(t)) return;
    const login = await aws(['ecr', 'get-login-password']);
    assert.equal(login.code, 0, login.stderr);
    const password = login.stdout.trim();
    assert.ok(password.length > 20);

    const authfile = join(scratchDir('berth-awscli-auth-'), 'auth.json');
    const loggedIn = await skopeo(
      ['login', '--tls-verify=false', '--authfile', authfile, '--username', 'AWS', '--password-stdin', berth.host],
      { input: password },
    );
    assert.match(loggedIn.stdout, /Login Succeeded/);
    const auths = (JSON.parse(readFileSync(authfile, 'utf8')) as { auths: Record<string, { auth: string }> }).auths;
    assert.equal(
      Buffer.from(auths[berth.host]!.auth, 'base64').toString('utf8'),
      `AWS:${password}`,
      'the private auth file holds the login',
    );

    await skopeo([
      'copy',
      '--authfile',
      authfile,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${berth.host}/cli/app:v1`,
    ]);
    const out = scratchDir('berth-awscli-out-');
    await skopeo([
      'copy',
      '--authfile',
      authfile,
      '--src-tls-verify=false',
      `docker://${berth.host}/cli/app:v1`,
      `oci:${out}:img`,
    ]);
    assertPulled(out);
    const raw = await skopeo([
      'inspect',
      '--raw',
      '--authfile',
      authfile,
      '--tls-verify=false',
      `docker://${berth.host}/cli/app:v1`,
    ]);
    assert.equal(raw.stdout, layout.readBlob(image.digest).toString('utf8'), 'the manifest, byte for byte');

    await assert.rejects(
      skopeo(['inspect', '--no-creds', '--tls-verify=false', `docker://${berth.host}/cli/app:v1`]),
      /authentication required|unauthorized/i,
    );
    await assert.rejects(
      skopeo(
        ['login', '--tls-verify=false', '--authfile', authfile, '--username', 'AWS', '--password-stdin', berth.host],
        { input: 'not-a-password' },
      ),
      /invalid|unauthorized/i,
    );
  });

  it('aws ecr get-authorization-token names the registry and a 12-hour token', async (t) => {
    if (!requireClients(t)) return;
    const result = await aws(['ecr', 'get-authorization-token', '--output', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const data = (
      JSON.parse(result.stdout) as {
        authorizationData: { authorizationToken: string; proxyEndpoint: string; expiresAt: string | number }[];
      }
    ).authorizationData[0]!;
    assert.equal(data.proxyEndpoint, berth.url);
    assert.match(Buffer.from(data.authorizationToken, 'base64').toString('utf8'), /^AWS:\S+$/);
    const expiresAt = typeof data.expiresAt === 'number' ? data.expiresAt * 1000 : Date.parse(data.expiresAt);
    const hours = (expiresAt - Date.now()) / 3_600_000;
    assert.ok(hours > 11.9 && hours <= 12, `expires in 12 hours, not ${hours}`);
  });

  it('a wrong secret makes the CLI fail with InvalidSignatureException; an unknown key with UnrecognizedClientException', async (t) => {
    if (!requireClients(t)) return;
    const wrong = await aws(['ecr', 'get-login-password'], {
      ...ADMIN_ENV,
      AWS_SECRET_ACCESS_KEY: `${TEST_ADMIN.secretAccessKey.slice(0, -1)}X`,
    });
    assert.notEqual(wrong.code, 0);
    assert.equal(wrong.stdout, '');
    assert.match(
      wrong.stderr,
      /An error occurred \(InvalidSignatureException\) when calling the GetAuthorizationToken operation/,
    );
    const unknown = await aws(['ecr', 'get-login-password'], {
      ...ADMIN_ENV,
      AWS_ACCESS_KEY_ID: 'AKIAAAAAAAAAAAAAAAAA',
    });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /\(UnrecognizedClientException\)/);
  });
});

describe('the AWS CLI v2 manages repositories and images', () => {
  it('create-repository, describe-repositories, describe-images, put-image-tag-mutability, batch-delete-image', async (t) => {
    if (!requireClients(t)) return;
    const json = async (args: string[]) => {
      const result = await aws([...args, '--output', 'json']);
      assert.equal(result.code, 0, `aws ${args.join(' ')}: ${result.stderr}`);
      return JSON.parse(result.stdout || '{}') as Record<string, any>;
    };
    const created = await json([
      'ecr',
      'create-repository',
      '--repository-name',
      'cli/managed',
      '--image-tag-mutability',
      'MUTABLE',
    ]);
    assert.equal(created.repository.repositoryName, 'cli/managed');
    assert.match(created.repository.repositoryArn, /^arn:aws:ecr:us-east-1:\d{12}:repository\/cli\/managed$/);
    assert.equal(created.repository.repositoryUri, `${berth.host}/cli/managed`);
    const again = await aws(['ecr', 'create-repository', '--repository-name', 'cli/managed']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /\(RepositoryAlreadyExistsException\)/);

    const described = await json(['ecr', 'describe-repositories', '--repository-names', 'cli/managed']);
    assert.deepEqual(
      described.repositories.map((r: { repositoryName: string }) => r.repositoryName),
      ['cli/managed'],
    );

    const creds = `AWS:${(await aws(['ecr', 'get-login-password'])).stdout.trim()}`;
    await skopeo([
      'copy',
      '--dest-creds',
      creds,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${berth.host}/cli/managed:v1`,
    ]);
    const images = await json(['ecr', 'describe-images', '--repository-name', 'cli/managed']);
    assert.equal(images.imageDetails.length, 1);
    assert.equal(images.imageDetails[0].imageDigest, image.digest);
    assert.deepEqual(images.imageDetails[0].imageTags, ['v1']);

    await json([
      'ecr',
      'put-image-tag-mutability',
      '--repository-name',
      'cli/managed',
      '--image-tag-mutability',
      'IMMUTABLE',
    ]);
    // Another image under the same tag is refused by the registry itself.
    const other = new OciLayout(scratchDir('berth-awscli-other-'));
    other.tag(other.addImage([512]), 'img');
    await assert.rejects(
      skopeo([
        'copy',
        '--dest-creds',
        creds,
        '--dest-tls-verify=false',
        `oci:${other.dir}:img`,
        `docker://${berth.host}/cli/managed:v1`,
      ]),
      /TAG_INVALID|already exists|immutable/i,
    );

    const deleted = await json([
      'ecr',
      'batch-delete-image',
      '--repository-name',
      'cli/managed',
      '--image-ids',
      'imageTag=v1',
    ]);
    assert.equal(deleted.imageIds.length, 1);
    assert.deepEqual(deleted.failures, []);
    const after = await json(['ecr', 'describe-images', '--repository-name', 'cli/managed']);
    assert.deepEqual(after.imageDetails, [], 'deleting the last tag deleted the image, as ECR does');
    await json(['ecr', 'delete-repository', '--repository-name', 'cli/managed']);
    const gone = await aws(['ecr', 'describe-repositories', '--repository-names', 'cli/managed']);
    assert.match(gone.stderr, /\(RepositoryNotFoundException\)/);
  });
});

describe('docker-credential-berth', () => {
  it('get returns a password that skopeo accepts with --creds AWS:<secret>', async (t) => {
    if (!requireClients(t)) return;
    const answer = await runScript(CREDENTIAL_HELPER, ['get'], ADMIN_ENV, `${berth.host}\n`);
    assert.equal(answer.code, 0, answer.stdout + answer.stderr);
    const { Username, Secret, ServerURL } = JSON.parse(answer.stdout) as {
      Username: string;
      Secret: string;
      ServerURL: string;
    };
    assert.equal(ServerURL, berth.host);
    const creds = `${Username}:${Secret}`;
    await skopeo([
      'copy',
      '--dest-creds',
      creds,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${berth.host}/helper/app:v1`,
    ]);
    const inspected = JSON.parse(
      (await skopeo(['inspect', '--creds', creds, '--tls-verify=false', `docker://${berth.host}/helper/app:v1`]))
        .stdout,
    ) as { Digest: string };
    assert.equal(inspected.Digest, image.digest);
  });

  it('skopeo calls it as the credential helper of an auth file ("credHelpers")', async (t) => {
    if (!requireClients(t)) return;
    const dir = scratchDir('berth-awscli-helper-');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(CREDENTIAL_HELPER, join(bin, 'docker-credential-berth'));
    const authfile = join(dir, 'auth.json');
    writeFileSync(authfile, JSON.stringify({ credHelpers: { [berth.host]: 'berth' } }));
    const env = { ...ADMIN_ENV, PATH: [bin, dirname(process.execPath), process.env.PATH].join(delimiter) };
    await skopeo(
      [
        'copy',
        '--authfile',
        authfile,
        '--dest-tls-verify=false',
        `oci:${layout.dir}:img`,
        `docker://${berth.host}/helper/app:v2`,
      ],
      { env },
    );
    const out = scratchDir('berth-awscli-out-');
    await skopeo(
      [
        'copy',
        '--authfile',
        authfile,
        '--src-tls-verify=false',
        `docker://${berth.host}/helper/app:v2`,
        `oci:${out}:img`,
      ],
      { env },
    );
    assertPulled(out);
    // Without AWS credentials the helper answers "not found", and skopeo goes on anonymously: refused.
    const anonymous = {
      PATH: env.PATH,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    await assert.rejects(
      skopeo(['inspect', '--authfile', authfile, '--tls-verify=false', `docker://${berth.host}/helper/app:v2`], {
        env: anonymous,
      }),
      /authentication required|unauthorized/i,
    );
  });
});
