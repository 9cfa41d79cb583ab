// The pull-through cache end to end, with real clients: Debian's docker-registry with htpasswd
// (behind a recording proxy that counts what Berth asks it) plays Docker Hub; skopeo pushes to
// it and pulls through Berth (`hub/alpine` is the upstream's `library/alpine`). A first pull,
// the same pull with the upstream stopped, a tag moved upstream seen after the refresh
// interval, a tag the upstream never had, twenty concurrent first pulls fetching each blob once.
// The metadata backend changes none of this (the store suite covers the rules and leases on
// both): the once tier.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreatePullThroughCacheRuleCommand,
  CreateRepositoryCreationTemplateCommand,
  type ECRClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Descriptor } from '../domain/manifest.js';
import { basicAuth, registryPassword } from '../testing/api-client.js';
import { ecrClient, registryLogin } from '../testing/ecr.js';
import { OciLayout } from '../testing/oci-layout.js';
import { type RecordingProxy, recordingProxy } from '../testing/recording-proxy.js';
import { secretsClient } from '../testing/secrets.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';
import { hasTool } from '../testing/tools.js';
import { DOCKER_REGISTRY, startUpstreamRegistry, type UpstreamRegistry } from '../testing/upstream-registry.js';
import { skopeo } from './support.js';

// Long enough that a loaded machine (the whole suite on two cores) still pulls within it after
// the first pull: at 2 s, "within the interval" sometimes saw the moved tag.
const REFRESH_SECONDS = 5;
const missing = [DOCKER_REGISTRY, 'htpasswd', 'skopeo'].filter((tool) => !hasTool(tool));
if (missing.length > 0 && process.env.CI === 'true')
  throw new Error(`${missing.join(', ')} required in CI (apt-get install -y docker-registry apache2-utils skopeo)`);
const skip = missing.length > 0 ? `${missing.join(', ')} not installed` : false;

describe('the pull-through cache with docker-registry as Docker Hub', { skip }, () => {
  let upstream: UpstreamRegistry;
  let proxy: RecordingProxy;
  let server: TestBerth;
  let client: ECRClient;
  let berthHost: string;
  let password: string;
  const scratch = mkdtempSync(join(tmpdir(), 'berth-ptc-'));
  let layoutCount = 0;

  /** Pushes a new image of `layerSizes` to the upstream as `repository:tag`; its manifest's descriptor. */
  async function pushUpstream(repository: string, tag: string, layerSizes: number[]): Promise<Descriptor> {
    const layout = new OciLayout(join(scratch, `layout-${layoutCount++}`));
    const image = layout.addImage(layerSizes);
    layout.tag(image, tag);
    await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${upstream.username}:${upstream.password}`,
      `oci:${layout.dir}:${tag}`,
      `docker://${upstream.host}/${repository}:${tag}`,
    ]);
    return image;
  }

  const fromBerth = ['--src-tls-verify=false', '--src-creds'];
  const pull = (reference: string) =>
    skopeo([
      'copy',
      ...fromBerth,
      `AWS:${password}`,
      `docker://${berthHost}/${reference}`,
      `oci:${join(scratch, `pulled-${layoutCount++}`)}:x`,
    ]);
  const digestThroughBerth = async (reference: string) =>
    (
      JSON.parse(
        (
          await skopeo([
            'inspect',
            '--tls-verify=false',
            '--creds',
            `AWS:${password}`,
            `docker://${berthHost}/${reference}`,
          ])
        ).stdout,
      ) as { Digest: string }
    ).Digest;
  /** Waits until the background import has stored `tag` in the repository; its digest. */
  async function storedTag(name: string, tag: string, digest: string): Promise<void> {
    const { store } = server.berth;
    for (let i = 0; i < 100; i++) {
      const repository = await store.repositories.get(server.berth.accountId, name);
      const record = repository && (await store.tags.resolve(repository.id, tag));
      if (record?.digest === digest) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`${name}:${tag} was not stored as ${digest}`);
  }

  before(async () => {
    upstream = await startUpstreamRegistry();
    proxy = await recordingProxy(`http://${upstream.host}`);
    server = await startBerth({
      settings: {
        auth: { mode: 'iam' },
        pullThroughCache: {
          allowedHosts: [proxy.host],
          plainHttpLoopback: true,
          refreshHours: REFRESH_SECONDS / 3600,
          upstreamTimeoutMs: 2000,
        },
      },
    });
    berthHost = new URL(server.url).host;
    client = ecrClient(server.url);
    password = (await registryLogin(client)).password;
    const sm = secretsClient(server.url, TEST_ADMIN);
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: 'ecr-pullthroughcache/hub',
        SecretString: JSON.stringify({ username: upstream.username, accessToken: upstream.password }),
      }),
    );
    sm.destroy();
    await client.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'hub',
        appliedFor: ['PULL_THROUGH_CACHE'],
        resourceTags: [{ Key: 'cached-from', Value: 'docker-hub' }],
      }),
    );
    await client.send(
      new CreatePullThroughCacheRuleCommand({
        ecrRepositoryPrefix: 'hub',
        upstreamRegistryUrl: proxy.host,
        upstreamRegistry: 'docker-hub',
        credentialArn: ARN!,
      }),
    );
  });
  after(async () => {
    client?.destroy();
    await server?.close();
    await proxy?.close();
    await upstream?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a first pull goes upstream (library/ for one-part names) and stores the image; the upstream down, it is served cached', async () => {
    const image = await pushUpstream('library/alpine', '3', [4096, 200_000]);
    await pull('hub/alpine:3');
    assert.equal(await digestThroughBerth('hub/alpine:3'), image.digest);
    await storedTag('hub/alpine', '3', image.digest);
    const repository = await server.berth.store.repositories.get(server.berth.accountId, 'hub/alpine');
    assert.ok(repository, 'the repository was created');
    const { tags } = await client.send(
      new ListTagsForResourceCommand({
        resourceArn: `arn:aws:ecr:us-east-1:${server.berth.accountId}:repository/hub/alpine`,
      }),
    );
    assert.deepEqual(tags, [{ Key: 'cached-from', Value: 'docker-hub' }], 'with the PULL_THROUGH_CACHE template');
    assert.ok(
      proxy.exchanges.some((e) => e.url === '/v2/library/alpine/manifests/3' && e.status === 200),
      'the manifest came from library/alpine upstream',
    );

    await upstream.stop();
    try {
      // Past the refresh interval: the tag is checked, the upstream does not answer, the cache serves.
      await new Promise((resolve) => setTimeout(resolve, REFRESH_SECONDS * 1000 + 100));
      await pull('hub/alpine:3');
      assert.equal(await digestThroughBerth('hub/alpine:3'), image.digest);
      await pull(`hub/alpine@${image.digest}`);
    } finally {
      await upstream.start();
    }
  });

  test('a tag moved upstream is seen once the refresh interval has passed', async () => {
    const first = await pushUpstream('library/moving', 'v', [1024]);
    assert.equal(await digestThroughBerth('hub/moving:v'), first.digest);
    await storedTag('hub/moving', 'v', first.digest);
    const second = await pushUpstream('library/moving', 'v', [2048]);
    assert.equal(await digestThroughBerth('hub/moving:v'), first.digest, 'within the interval: the cached tag');
    await new Promise((resolve) => setTimeout(resolve, REFRESH_SECONDS * 1000 + 100));
    assert.equal(await digestThroughBerth('hub/moving:v'), second.digest, 'after it: the upstream tag');
    await pull('hub/moving:v');
    await storedTag('hub/moving', 'v', second.digest);
  });

  test('a tag the upstream never had: an error naming the upstream answer', async () => {
    await pushUpstream('library/alpine', '3', [512]);
    const res = await fetch(`${server.url}/v2/hub/alpine/manifests/never`, {
      headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
    });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]!.code, 'MANIFEST_UNKNOWN');
    assert.match(body.errors[0]!.message, /upstream answered 404/);
    assert.match(body.errors[0]!.message, /library\/alpine/);
  });

  test('twenty concurrent first pulls fetch each blob from the upstream once', async () => {
    const image = await pushUpstream('library/busy', '1', [300_000, 100_000]);
    const authorization = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
    const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';
    const pulls = Array.from({ length: 20 }, async () => {
      const res = await fetch(`${server.url}/v2/hub/busy/manifests/1`, {
        headers: { Authorization: authorization, Accept: accept },
      });
      assert.equal(res.status, 200);
      const manifest = (await res.json()) as { config: Descriptor; layers: Descriptor[] };
      for (const blob of [manifest.config, ...manifest.layers]) {
        const got = await fetch(`${server.url}/v2/hub/busy/blobs/${blob.digest}`, {
          headers: { Authorization: authorization },
        });
        assert.equal(got.status, 200);
        assert.equal((await got.arrayBuffer()).byteLength, blob.size);
      }
      return manifest;
    });
    const manifests = await Promise.all(pulls);
    await storedTag('hub/busy', '1', image.digest);
    const blobs = [manifests[0]!.config, ...manifests[0]!.layers].map((b) => b.digest);
    for (const digest of blobs) {
      const fetches = proxy.exchanges.filter((e) => e.method === 'GET' && e.url === `/v2/library/busy/blobs/${digest}`);
      assert.equal(fetches.filter((e) => e.status === 200).length, 1, `blob ${digest} fetched once`);
    }
    const manifestFetches = proxy.exchanges.filter(
      (e) => e.method === 'GET' && e.url === '/v2/library/busy/manifests/1' && e.status === 200,
    );
    assert.equal(manifestFetches.length, 1, 'the manifest fetched once');
  });
  test("a pull through the cache needs ECR's ecr:BatchImportUpstreamImage and ecr:CreateRepository; a cached pull does not", async () => {
    const { identities, userPolicies, accountId } = server.berth;
    await identities.createUser(accountId, 'puller');
    const key = await identities.createAccessKeyFor(accountId, 'puller');
    const allow = (actions: string[]) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
    const pullOnly = ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
    await userPolicies.putUserPolicy(accountId, 'puller', 'pull', allow(pullOnly));
    const authorization = basicAuth(await registryPassword(server.berth.app, key));
    const get = (path: string) => fetch(`${server.url}/v2/${path}`, { headers: { Authorization: authorization } });
    // hub/alpine:3 is cached (the first test): a plain pull.
    assert.equal((await get('hub/alpine/manifests/3')).status, 200);
    await pushUpstream('library/fresh', '1', [256]);
    const denied = await get('hub/fresh/manifests/1');
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /ecr:BatchImportUpstreamImage/);
    await userPolicies.putUserPolicy(accountId, 'puller', 'import', allow(['ecr:BatchImportUpstreamImage']));
    const noCreate = await get('hub/fresh/manifests/1');
    assert.equal(noCreate.status, 403);
    assert.match(await noCreate.text(), /ecr:CreateRepository/);
    await userPolicies.putUserPolicy(accountId, 'puller', 'create', allow(['ecr:CreateRepository']));
    assert.equal((await get('hub/fresh/manifests/1')).status, 200);
  });

  test('a ROOT rule is the default mirror: dockerd and containerd mirror paths (library/…, ?ns=docker.io) need no prefix', async () => {
    const image = await pushUpstream('library/mirrored', 'latest', [1024]);
    const { ARN } = await secretsClient(server.url, TEST_ADMIN).send(
      new CreateSecretCommand({
        Name: 'ecr-pullthroughcache/mirror',
        SecretString: JSON.stringify({ username: upstream.username, accessToken: upstream.password }),
      }),
    );
    await client.send(
      new CreatePullThroughCacheRuleCommand({
        ecrRepositoryPrefix: 'ROOT',
        upstreamRegistryUrl: proxy.host,
        upstreamRegistry: 'docker-hub',
        credentialArn: ARN!,
      }),
    );
    const authorization = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
    const accept = 'application/vnd.oci.image.manifest.v1+json';
    // dockerd asks a registry-mirrors endpoint for library/<name>; containerd's hosts.toml mirror adds ?ns=docker.io.
    for (const path of ['library/mirrored/manifests/latest', 'library/mirrored/manifests/latest?ns=docker.io']) {
      const res = await fetch(`${server.url}/v2/${path}`, {
        headers: { Authorization: authorization, Accept: accept },
      });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('docker-content-digest'), image.digest);
    }
    await pull('library/mirrored:latest');
    await storedTag('library/mirrored', 'latest', image.digest);

    // A repository pushed here falls under the ROOT rule too: the push works (its looks at what is
    // there are misses), and its tag, never cached, is not checked upstream after the interval.
    const layout = new OciLayout(join(scratch, `layout-${layoutCount++}`));
    const own = layout.addImage([300]);
    layout.tag(own, '1');
    await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `AWS:${password}`,
      `oci:${layout.dir}:1`,
      `docker://${berthHost}/own/app:1`,
    ]);
    await new Promise((resolve) => setTimeout(resolve, REFRESH_SECONDS * 1000 + 100));
    const seen = proxy.exchanges.length;
    assert.equal(await digestThroughBerth('own/app:1'), own.digest);
    assert.deepEqual(
      proxy.exchanges.slice(seen).map((e) => e.url),
      [],
      'a pushed tag is not checked upstream',
    );
  });
});
