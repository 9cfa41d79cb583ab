// Anonymous pulls that a repository policy allows ("Principal": "*") with a real client that is
// not logged in. After Berth's Basic challenge, skopeo (and podman, which shares its image
// library) sends `Authorization: Basic Og==` — empty credentials — which must count as none.
// podman is not installed here: skopeo covers the same code path.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { callApi, loggedIn, registryPassword } from '../testing/api-client.js';
import { digestOf, pushImage } from '../testing/registry-client.js';
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
  const policyText = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'everyone-pulls', Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }] });
  const set = await callApi(app, 'SetRepositoryPolicy', { repositoryName: 'anon/open', policyText });
  assert.equal(set.statusCode, 200, set.body);

  // An auth file with no entries: skopeo has no credentials for this registry.
  const scratch = dirs.make('berth-anon-pull-');
  const authfile = join(scratch, 'auth.json');
  writeFileSync(authfile, '{"auths":{}}');
  const host = new URL(server.url).host;
  const out = join(scratch, 'layout');
  await skopeo(['copy', '--authfile', authfile, '--src-tls-verify=false', `docker://${host}/anon/open:v1`, `oci:${out}:img`]);
  const raw = await skopeo(['inspect', '--raw', '--authfile', authfile, '--tls-verify=false', `docker://${host}/anon/open:v1`]);
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
  const policyText = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'] }] });
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
