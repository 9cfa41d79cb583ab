// Anonymous pulls that a repository policy allows ("Principal": "*") with a real client that is
// not logged in. After Berth's Basic challenge, skopeo (and podman, which shares its image
// library) sends `Authorization: Basic Og==` — empty credentials — which must count as none.
// Both clients are tested: podman, as root with no daemon, pulls into a storage of its own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { callApi, loggedIn, registryPassword } from '../testing/api-client.js';
import { MediaTypes } from '../domain/media-types.js';
import { digestOf, pushBlob, pushImage, pushManifest } from '../testing/registry-client.js';
import { scratchDirs, startBerth, type TestBerth } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';
import { skopeo } from './support.js';

let server: TestBerth;
const dirs = scratchDirs();

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
});
after(async () => {
  await server.close();
  dirs.remove();
});

test('skopeo with no login pulls from a repository whose policy lets everyone pull, and only from it', async (t) => {
  if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
  const app = server.berth.app;
  const admin = loggedIn(app, await registryPassword(app));
  const image = await pushImage(admin, 'anon/open', 'v1');
  await pushImage(admin, 'anon/closed', 'v1');
  const policyText = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'everyone-pulls',
        Effect: 'Allow',
        Principal: '*',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      },
    ],
  });
  const set = await callApi(app, 'SetRepositoryPolicy', { repositoryName: 'anon/open', policyText });
  assert.equal(set.statusCode, 200, set.body);

  // An auth file with no entries: skopeo has no credentials for this registry.
  const scratch = dirs.make('berth-anon-pull-');
  const authfile = join(scratch, 'auth.json');
  writeFileSync(authfile, '{"auths":{}}');
  const host = new URL(server.url).host;
  const out = join(scratch, 'layout');
  await skopeo([
    'copy',
    '--authfile',
    authfile,
    '--src-tls-verify=false',
    `docker://${host}/anon/open:v1`,
    `oci:${out}:img`,
  ]);
  const raw = await skopeo([
    'inspect',
    '--raw',
    '--authfile',
    authfile,
    '--tls-verify=false',
    `docker://${host}/anon/open:v1`,
  ]);
  assert.equal(digestOf(Buffer.from(raw.stdout)), image.digest, 'the manifest served is the one pushed');
  // The config as pushed; the layer too (skopeo writes it recompressed, as its bytes are not gzip).
  const config = image.config.digest.split(':')[1]!;
  assert.equal(readFileSync(join(out, 'blobs', 'sha256', config)).length, image.config.size);
  assert.equal(readdirSync(join(out, 'blobs', 'sha256')).length, 3, 'manifest, config and layer');

  // The same client is still refused where no policy lets everyone pull.
  await assert.rejects(
    skopeo(['inspect', '--authfile', authfile, '--tls-verify=false', `docker://${host}/anon/closed:v1`]),
    /unauthorized|authentication required/i,
  );
});

test('empty Basic credentials are anonymous on /v2 (a pull a policy allows), not invalid credentials', async () => {
  const app = server.berth.app;
  const image = await pushImage(loggedIn(app, await registryPassword(app)), 'anon/raw', 'v1');
  const policyText = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'] }],
  });
  assert.equal((await callApi(app, 'SetRepositoryPolicy', { repositoryName: 'anon/raw', policyText })).statusCode, 200);
  const empty = { authorization: 'Basic Og==', accept: 'application/vnd.oci.image.manifest.v1+json' };
  const res = await fetch(`${server.url}/v2/anon/raw/manifests/v1`, { headers: empty });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('docker-content-digest'), image.digest);
  // Still anonymous: what anonymous may not do stays refused with a challenge.
  const push = await fetch(`${server.url}/v2/anon/raw/blobs/uploads/`, { method: 'POST', headers: empty });
  assert.equal(push.status, 401);
  assert.equal(push.headers.get('www-authenticate'), 'Basic realm="Berth"');
});

/** A tar of one regular file (ustar), as an image layer must be for podman to unpack it. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const put = (text: string, at: number, length: number) => header.write(text.slice(0, length), at, 'ascii');
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  put('15120232000\0', 136, 12);
  header.fill(' ', 148, 156);
  put('0', 156, 1);
  put('ustar\0' + '00', 257, 8);
  const sum = header.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** Pushes an image podman can store: a gzipped tar layer and a config naming its diff_id. */
async function pushRunnableImage(app: FastifyInstance, name: string, tag: string) {
  const tar = tarOf('hello.txt', Buffer.from(`hello from ${name}\n`));
  const layer = await pushBlob(app, name, gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
    }),
  );
  const config = await pushBlob(app, name, configBytes, MediaTypes.ociConfig);
  const manifest = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [layer] };
  return { ...(await pushManifest(app, name, tag, manifest, MediaTypes.ociManifest)), config };
}

/** podman as root with no daemon: its own storage (vfs) and run dirs, no login anywhere. */
function podmanIn(scratch: string) {
  const home = join(scratch, 'home');
  mkdirSync(home);
  mkdirSync(join(scratch, 'xdg'), { mode: 0o700 });
  // podman refuses an auth file that does not exist: an empty one means no credentials.
  const authfile = join(scratch, 'auth.json');
  writeFileSync(authfile, '{"auths":{}}');
  const env = { ...process.env, HOME: home, XDG_RUNTIME_DIR: join(scratch, 'xdg'), REGISTRY_AUTH_FILE: authfile };
  const global = [
    '--storage-driver',
    'vfs',
    '--root',
    join(scratch, 'root'),
    '--runroot',
    join(scratch, 'runroot'),
    '--tmpdir',
    join(scratch, 'tmp'),
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
  ];
  return (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile('podman', [...global, ...args], { timeout: 90_000, maxBuffer: 8 << 20, env }, (err, stdout, stderr) => {
        if (err) reject(new Error(`podman ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
}

test('podman with no login pulls from a repository whose policy lets everyone pull, and only from it', async (t) => {
  if (!requireTool(t, 'podman', 'apt-get install -y podman')) return;
  const app = server.berth.app;
  const admin = loggedIn(app, await registryPassword(app));
  const image = await pushRunnableImage(admin, 'anon/podman-open', 'v1');
  await pushRunnableImage(admin, 'anon/podman-closed', 'v1');
  const policyText = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'everyone-pulls',
        Effect: 'Allow',
        Principal: '*',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      },
    ],
  });
  const set = await callApi(app, 'SetRepositoryPolicy', { repositoryName: 'anon/podman-open', policyText });
  assert.equal(set.statusCode, 200, set.body);

  const podman = podmanIn(dirs.make('berth-anon-podman-'));
  const host = new URL(server.url).host;
  await podman(['pull', '--tls-verify=false', `${host}/anon/podman-open:v1`]);
  const [inspected] = JSON.parse(await podman(['image', 'inspect', `${host}/anon/podman-open:v1`])) as {
    Id: string;
    Digest: string;
  }[];
  assert.equal(inspected?.Digest, image.digest, 'the manifest pulled is the one pushed');
  assert.equal(`sha256:${inspected?.Id}`, image.config.digest, 'the image is the config pushed');

  // The same client is still refused where no policy lets everyone pull.
  await assert.rejects(
    podman(['pull', '--tls-verify=false', `${host}/anon/podman-closed:v1`]),
    /unauthorized|authentication required/i,
  );
  assert.match(
    await podman(['images', '--format', '{{.Repository}}:{{.Tag}}']),
    new RegExp(`^${host}/anon/podman-open:v1\\s*$`),
  );
});
