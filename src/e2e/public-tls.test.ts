// The public listener over HTTPS with `berth serve --tls-self-signed`: its Bearer challenge names
// an https realm, /token answers over https, and skopeo pushes (logged in by the AWS CLI v2's
// ecr-public get-login-password) and pulls anonymously with TLS verification on, trusting the
// generated CA through --cert-dir; without the CA, skopeo refuses the certificate.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { runProgram } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { ADMIN_ENV, freePort, tempDir } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';
import { ServedBerth, skopeo } from './support.js';

const AWS = '/usr/bin/aws';

function requireClients(t: TestContext): boolean {
  if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo') || !requireTool(t, AWS, 'apt-get install -y awscli'))
    return false;
  const version = execFileSync(AWS, ['--version'], { encoding: 'utf8' });
  if (/^aws-cli\/2\./.test(version)) return true;
  if (process.env.CI === 'true') throw new Error(`${AWS} is not the AWS CLI v2: ${version}`);
  t.skip(`${AWS} is not the AWS CLI v2 (${version.trim()})`);
  return false;
}

/** GET over https, verifying the server's certificate against `ca` only. */
function get(
  url: string,
  ca: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

describe('the public listener over HTTPS (--tls-self-signed)', () => {
  let berth: ServedBerth;
  let publicHost: string;
  let ca: Buffer;
  let certDir: string;
  const scratch: string[] = [];
  const scratchDir = (prefix: string) => {
    const dir = tempDir(prefix);
    scratch.push(dir);
    return dir;
  };

  before(async () => {
    publicHost = `127.0.0.1:${await freePort()}`;
    berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam', BERTH_PUBLIC_LISTEN: publicHost }, ['--tls-self-signed']);
    const caFile = join(berth.dataDir, 'tls', 'ca.crt');
    ca = readFileSync(caFile);
    // Only the CA: a --cert-dir holding the server's key would be read as a client certificate.
    certDir = scratchDir('berth-public-tls-certs-');
    mkdirSync(certDir, { recursive: true });
    copyFileSync(caFile, join(certDir, 'ca.crt'));
  });
  after(async () => {
    await berth?.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('challenges with an https realm and hands out anonymous tokens over https', async () => {
    const base = await get(`https://${publicHost}/v2/`, ca);
    assert.equal(base.status, 401);
    assert.equal(
      base.headers['www-authenticate'],
      `Bearer realm="https://${publicHost}/token",service="${publicHost}"`,
    );
    const token = await get(
      `https://${publicHost}/token?service=${publicHost}&scope=${encodeURIComponent('repository:nobody/none:pull')}`,
      ca,
    );
    assert.equal(token.status, 200, token.body);
    assert.ok((JSON.parse(token.body) as { token: string }).token.length > 20);
    await assert.rejects(
      get(`https://${publicHost}/v2/`, Buffer.from('')),
      /self-signed|unable to verify|certificate/i,
      'the certificate is not trusted without the CA',
    );
  });

  it('skopeo pushes with get-login-password and pulls anonymously, verifying TLS against the generated CA', async (t) => {
    if (!requireClients(t)) return;
    const aws = async (args: string[]) => {
      const result = await runProgram(
        AWS,
        [
          'ecr-public',
          ...args,
          '--endpoint-url',
          berth.url,
          '--ca-bundle',
          join(certDir, 'ca.crt'),
          '--region',
          'us-east-1',
          '--output',
          'json',
        ],
        ADMIN_ENV,
      );
      assert.equal(result.code, 0, `aws ecr-public ${args.join(' ')}: ${result.stderr}`);
      return result.stdout.trim() ? (JSON.parse(result.stdout) as Record<string, any>) : {};
    };
    const created = await aws(['create-repository', '--repository-name', 'tls/hello']);
    const alias = (await aws(['describe-registries'])).registries[0].aliases[0].name as string;
    assert.equal(created.repository.repositoryUri, `${publicHost}/${alias}/tls/hello`);
    const login = await runProgram(
      AWS,
      [
        'ecr-public',
        'get-login-password',
        '--endpoint-url',
        berth.url,
        '--ca-bundle',
        join(certDir, 'ca.crt'),
        '--region',
        'us-east-1',
      ],
      ADMIN_ENV,
    );
    assert.equal(login.code, 0, login.stderr);

    const layout = new OciLayout(scratchDir('berth-public-tls-layout-'));
    const image = layout.addImage([2048, 64 * 1024]);
    layout.tag(image, 'img');
    const reference = `docker://${publicHost}/${alias}/tls/hello:v1`;
    await skopeo([
      'copy',
      '--dest-cert-dir',
      certDir,
      '--dest-creds',
      `AWS:${login.stdout.trim()}`,
      `oci:${layout.dir}:img`,
      reference,
    ]);

    const noAuth = { REGISTRY_AUTH_FILE: join(scratchDir('berth-public-tls-noauth-'), 'auth.json') };
    const out = scratchDir('berth-public-tls-pulled-');
    await skopeo(['copy', '--src-cert-dir', certDir, '--src-no-creds', reference, `oci:${out}:img`], { env: noAuth });
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

    // Verification is really on: without the CA the same pull fails on the certificate.
    const emptyCerts = scratchDir('berth-public-tls-nocerts-');
    await assert.rejects(
      skopeo(
        [
          'copy',
          '--src-cert-dir',
          emptyCerts,
          '--src-no-creds',
          reference,
          `oci:${scratchDir('berth-public-tls-refused-')}:img`,
        ],
        { env: noAuth },
      ),
      /x509|certificate/i,
    );
  });
});
