// Berth as a real Docker engine's `registry-mirrors` endpoint: a private dockerd (its own data
// root and socket, no iptables, no bridge, the vfs storage driver) with Berth as its mirror pulls
// `alpine:3` with no prefix; Berth's ROOT rule (the default mirror) caches it from Debian's
// docker-registry (htpasswd) playing Docker Hub. The engine checks what it got (the layer's
// diff_id against the config), so the image is a real one. Needs root and dockerd (docker.io);
// the backend changes nothing here: the once tier.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { CreatePullThroughCacheRuleCommand } from '@aws-sdk/client-ecr';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { MediaTypes } from '../domain/media-types.js';
import { ecrClient } from '../testing/ecr.js';
import { OciLayout } from '../testing/oci-layout.js';
import { secretsClient } from '../testing/secrets.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';
import { hasTool } from '../testing/tools.js';
import { DOCKER_REGISTRY, startUpstreamRegistry, type UpstreamRegistry } from '../testing/upstream-registry.js';
import { skopeo } from './support.js';

const run = promisify(execFile);
const missing = ['dockerd', 'docker', 'skopeo', DOCKER_REGISTRY, 'htpasswd'].filter((tool) => !hasTool(tool));
const root = process.getuid?.() === 0;
if ((missing.length > 0 || !root) && process.env.CI === 'true')
  throw new Error(
    `the dockerd mirror test needs root and ${missing.join(', ') || 'its tools'} in CI (apt-get install docker.io)`,
  );
const skip = missing.length > 0 ? `${missing.join(', ')} not installed` : root ? false : 'dockerd needs root';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A real single-layer image (its config names the layer's true diff_id) as `tag` of a new layout. */
function realImage(dir: string, tag: string): { layout: OciLayout; digest: string } {
  const layout = new OciLayout(join(dir, 'layout'));
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'etc', 'alpine-release'), '3.99.0\n');
  execFileSync('tar', ['-cf', join(dir, 'layer.tar'), '-C', rootfs, 'etc']);
  const tar = readFileSync(join(dir, 'layer.tar'));
  const layer = layout.addBlob(gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const config = layout.addBlob(
    Buffer.from(
      JSON.stringify({
        created: '2026-01-01T00:00:00Z',
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: ['/bin/sh'] },
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      }),
    ),
    MediaTypes.ociConfig,
  );
  const manifest = layout.addBlob(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [layer] })),
    MediaTypes.ociManifest,
  );
  layout.tag(manifest, tag);
  return { layout, digest: manifest.digest };
}

describe('Berth as the registry mirror of a real dockerd', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'berth-dockerd-'));
  const socket = join(scratch, 'docker.sock');
  let upstream: UpstreamRegistry;
  let server: TestBerth;
  let dockerd: ChildProcess | undefined;
  let log = '';
  const docker = (args: string[]) => run('docker', ['-H', `unix://${socket}`, ...args], { timeout: 120_000 });

  before(async () => {
    upstream = await startUpstreamRegistry();
    server = await startBerth({
      settings: { pullThroughCache: { allowedHosts: [upstream.host], plainHttpLoopback: true } },
    });
    const berthHost = new URL(server.url).host;
    const { ARN } = await secretsClient(server.url, TEST_ADMIN).send(
      new CreateSecretCommand({
        Name: 'ecr-pullthroughcache/hub',
        SecretString: JSON.stringify({ username: upstream.username, accessToken: upstream.password }),
      }),
    );
    const client = ecrClient(server.url);
    await client.send(
      new CreatePullThroughCacheRuleCommand({
        ecrRepositoryPrefix: 'ROOT',
        upstreamRegistryUrl: upstream.host,
        upstreamRegistry: 'docker-hub',
        credentialArn: ARN!,
      }),
    );
    client.destroy();
    dockerd = spawn(
      'dockerd',
      [
        '--data-root',
        join(scratch, 'data'),
        '--exec-root',
        join(scratch, 'exec'),
        '--pidfile',
        join(scratch, 'dockerd.pid'),
        '-H',
        `unix://${socket}`,
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
        '--storage-driver=vfs',
        '--registry-mirror',
        `http://${berthHost}`,
        '--insecure-registry',
        berthHost,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    dockerd.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    dockerd.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    for (let i = 0; ; i++) {
      try {
        await docker(['version']);
        break;
      } catch (err) {
        if (i > 100) throw new Error(`dockerd did not start: ${(err as Error).message}\n${log.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  });
  after(async () => {
    if (dockerd && dockerd.exitCode === null) {
      const exited = new Promise((resolve) => dockerd!.once('exit', resolve));
      dockerd.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }
    await server?.close();
    await upstream?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('docker pull alpine:3 goes through the ROOT rule with no prefix and no rename', async () => {
    const { layout, digest } = realImage(scratch, '3');
    await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${upstream.username}:${upstream.password}`,
      `oci:${layout.dir}:3`,
      `docker://${upstream.host}/library/alpine:3`,
    ]);
    await docker(['pull', 'alpine:3']).catch((err: Error & { stderr?: string }) => {
      throw new Error(`docker pull failed: ${err.stderr ?? err.message}\n${log.slice(-3000)}`);
    });
    const { stdout } = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', 'alpine:3']);
    assert.deepEqual(JSON.parse(stdout), [`alpine@${digest}`]);
    const repository = await server.berth.store.repositories.get(server.berth.accountId, 'library/alpine');
    assert.ok(repository, 'Berth cached it as library/alpine');
  });
});
