// `berth bundle export|import`: an air-gapped copy between two deployments that never talk to
// each other (two servers, each its own data directory and keys; the bundle file is all that
// passes between them), through the real command and the registry protocol.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ECRClient } from '@aws-sdk/client-ecr';
import { MediaTypes } from '../domain/media-types.js';
import { cliNodeFlags } from './node-flags.js';
import { berthAdmin, eventually, skopeo } from '../e2e/support.js';
import { testMetadataUrl } from '../testing/postgres.js';
import { cleanEnv, runProgram, runScript } from '../testing/cli.js';
import { apiPushImage, apiPushIndex, ecrClient, registryLogin, sha256 } from '../testing/ecr.js';
import { CLI, freePort, scratchDirs, spawnBerth, type ChildBerth, ADMIN_ENV } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';

const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SBOM = 'application/spdx+json';

interface Side {
  server: ChildBerth;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  ecr: ECRClient;
  authorization: string;
}

async function side(dataDir: string): Promise<Side> {
  const server = await spawnBerth(dataDir, await freePort(), { BERTH_AUTH_MODE: 'iam' });
  const ecr = ecrClient(server.url);
  return {
    server,
    dataDir,
    ecr,
    authorization: (await registryLogin(ecr)).authorization,
    env: {
      BERTH_ENDPOINT_URL: server.url,
      ...ADMIN_ENV,
      AWS_REGION: 'us-east-1',
    },
  };
}

/** GET on a side's /v2, logged in. */
async function get(s: Side, path: string, accept = ''): Promise<{ status: number; bytes: Buffer; type: string }> {
  const res = await fetch(`${s.server.url}/v2/${path}`, {
    headers: { authorization: s.authorization, ...(accept && { accept }) },
  });
  return {
    status: res.status,
    bytes: Buffer.from(await res.arrayBuffer()),
    type: res.headers.get('content-type') ?? '',
  };
}

const ALL_MANIFESTS = [MediaTypes.ociManifest, MediaTypes.ociIndex].join(', ');

/** Runs the CLI as its first line says (its node flags), sampling its peak resident memory (VmHWM of /proc/<pid>/status) until it exits. */
function runMeasured(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stderr: string; peakMiB: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliNodeFlags(CLI), CLI, ...args], {
      env: cleanEnv(env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let peakKiB = 0;
    child.stderr.on('data', (d) => (stderr += d));
    const sample = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
      } catch {
        /* exited */
      }
    }, 25);
    child.on('exit', (code) => {
      clearInterval(sample);
      resolve({ code: code ?? -1, stderr, peakMiB: peakKiB / 1024 });
    });
  });
}

describe('berth bundle', () => {
  const dirs = scratchDirs();
  let a: Side;
  let b: Side;
  let work: string;

  before(async () => {
    a = await side(dirs.make('berth-bundle-a-'));
    b = await side(dirs.make('berth-bundle-b-'));
    work = dirs.make('berth-bundle-files-');
  });
  after(async () => {
    await a?.server.stop();
    await b?.server.stop();
    dirs.remove();
  });

  it('copies a multi-arch image and an image with their signatures and SBOMs, byte-identical', async (t) => {
    const amd = await apiPushImage(a.ecr, 'team/app', { layers: [randomBytes(2000), randomBytes(5 * 1024 * 1024)] });
    const arm = await apiPushImage(a.ecr, 'team/app');
    const index = await apiPushIndex(a.ecr, 'team/app', [amd, arm], 'v1');
    const single = await apiPushImage(a.ecr, 'team/app', { tag: 'v2' });
    const indexDescriptor = { mediaType: MediaTypes.ociIndex, digest: index.digest, size: index.manifest.length };
    const signature = await apiPushImage(a.ecr, 'team/app', { artifactType: SIGNATURE, subject: indexDescriptor });
    const counterSignature = await apiPushImage(a.ecr, 'team/app', {
      artifactType: SIGNATURE,
      subject: { mediaType: MediaTypes.ociManifest, digest: signature.digest, size: signature.manifest.length },
    });
    const sbom = await apiPushImage(a.ecr, 'team/app', {
      artifactType: SBOM,
      subject: { mediaType: MediaTypes.ociManifest, digest: amd.digest, size: amd.manifest.length },
    });
    // Not asked for: a tag the export leaves out.
    await apiPushImage(a.ecr, 'team/app', { tag: 'scratch' });

    const file = join(work, 'app.tar');
    const exported = await runScript(
      CLI,
      ['bundle', 'export', '--repository', 'team/app', '--tag', 'v1', '--tag', 'v2', '--output', file],
      a.env,
    );
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /2 tag\(s\), 7 manifest\(s\) of which 3 referrer\(s\)/);

    const imported = await runScript(CLI, ['bundle', 'import', file], b.env);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stderr, /imported into team\/app: 2 tag\(s\) \(v1, v2\), 7 manifest\(s\) pushed/);

    const tags = JSON.parse((await get(b, 'team/app/tags/list')).bytes.toString()) as { tags: string[] };
    assert.deepEqual(tags.tags.sort(), ['v1', 'v2']);
    for (const [reference, bytes] of [
      ['v1', index.manifest],
      ['v2', single.manifest],
      [amd.digest, amd.manifest],
      [arm.digest, arm.manifest],
      [signature.digest, signature.manifest],
      [counterSignature.digest, counterSignature.manifest],
      [sbom.digest, sbom.manifest],
    ] as const) {
      const pulled = await get(b, `team/app/manifests/${reference}`, ALL_MANIFESTS);
      assert.equal(pulled.status, 200, `${reference}: ${pulled.bytes}`);
      assert.ok(pulled.bytes.equals(bytes), `manifest ${reference} pulled byte-identical`);
    }
    for (const blob of [...amd.layers, amd.config, ...single.layers, ...signature.layers]) {
      const [there, here] = [
        await get(a, `team/app/blobs/${blob.digest}`),
        await get(b, `team/app/blobs/${blob.digest}`),
      ];
      assert.equal(here.status, 200);
      assert.ok(here.bytes.equals(there.bytes), `blob ${blob.digest} byte-identical`);
    }
    const referrers = async (digest: string, repository = 'team/app') =>
      (
        JSON.parse((await get(b, `${repository}/referrers/${digest}`)).bytes.toString()) as {
          manifests: { digest: string }[];
        }
      ).manifests.map((m) => m.digest);
    assert.deepEqual(await referrers(index.digest), [signature.digest]);
    assert.deepEqual(await referrers(signature.digest), [counterSignature.digest]);
    assert.deepEqual(await referrers(amd.digest), [sbom.digest]);

    // Again: everything is there already and is skipped (an interrupted import just runs again).
    const again = await runScript(CLI, ['bundle', 'import', file], b.env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /0 manifest\(s\) pushed, 0 blob\(s\) pushed \(0 B\), \d+ already there/);
    const empty = await runScript(CLI, ['bundle', 'import', '--repository', 'mirror/app', '-'], b.env, '');
    assert.equal(empty.code, 1, 'an empty standard input is no bundle');
    assert.match(empty.stderr, /malformed bundle/);

    // Through a pipe, standard output to standard input, as `export | ssh … import` would.
    const node = (args: string) => `"${process.execPath}" "${CLI}" ${args}`;
    const piped = await runProgram(
      'bash',
      [
        '-c',
        `set -o pipefail; ${node(`bundle export --endpoint-url ${a.server.url} --repository team/app --tag v1`)} | ${node(`bundle import --endpoint-url ${b.server.url} --repository piped/app`)}`,
      ],
      { ...ADMIN_ENV },
    );
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok((await get(b, 'piped/app/manifests/v1', ALL_MANIFESTS)).bytes.equals(index.manifest));
    assert.deepEqual(await referrers(index.digest, 'piped/app'), [signature.digest]);

    // Without credentials the registry's own refusal, as one line; the bundle file is left as it was.
    const anonymous = await runScript(CLI, ['bundle', 'export', '--repository', 'team/app', '--output', file], {
      BERTH_ENDPOINT_URL: a.server.url,
    });
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /^berth: tags of team\/app: 401 UNAUTHORIZED/);

    // skopeo reads the export as an oci-archive.
    if (requireTool(t, 'skopeo', 'apt-get install -y skopeo')) {
      const host = new URL(b.server.url).host;
      const password = Buffer.from(b.authorization.slice('Basic '.length), 'base64').toString().slice(4);
      await skopeo([
        'copy',
        '--preserve-digests',
        '--dest-creds',
        `AWS:${password}`,
        '--dest-tls-verify=false',
        `oci-archive:${file}:v2`,
        `docker://${host}/skopeo/app:v2`,
      ]);
      const pulled = await get(b, 'skopeo/app/manifests/v2', ALL_MANIFESTS);
      assert.equal(
        pulled.bytes.toString(),
        single.manifest.toString(),
        'skopeo pushed the exported manifest byte-identical',
      );
      // And the other way: skopeo's own oci-archive (its index.json after its blobs) imports.
      const fromSkopeo = join(work, 'skopeo.tar');
      const passwordA = Buffer.from(a.authorization.slice('Basic '.length), 'base64').toString().slice(4);
      await skopeo([
        'copy',
        '--preserve-digests',
        '--src-creds',
        `AWS:${passwordA}`,
        '--src-tls-verify=false',
        `docker://${new URL(a.server.url).host}/team/app:v2`,
        `oci-archive:${fromSkopeo}:v2`,
      ]);
      const loaded = await runScript(CLI, ['bundle', 'import', fromSkopeo, '--repository', 'from-skopeo/app'], b.env);
      assert.equal(loaded.code, 0, loaded.stderr);
      const got = await get(b, 'from-skopeo/app/manifests/v2', ALL_MANIFESTS);
      assert.ok(got.bytes.equals(single.manifest), "skopeo's archive imported byte-identical");
    }
  });

  it('refuses a tampered bundle and a malformed one, saying why', async () => {
    const layer = randomBytes(5 * 1024 * 1024);
    await apiPushImage(a.ecr, 'tamper', { tag: 'v1', layers: [layer] });
    const file = join(work, 'tamper.tar');
    const exported = await runScript(CLI, ['bundle', 'export', '--repository', 'tamper', '--output', file], a.env);
    assert.equal(exported.code, 0, exported.stderr);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(layer.subarray(0, 64));
    assert.ok(at > 0);
    bytes[at + 1_000_000] = bytes[at + 1_000_000]! ^ 0xff;
    writeFileSync(file, bytes);
    const refused = await runScript(CLI, ['bundle', 'import', file], b.env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /blobs\/sha256\/[0-9a-f]{64} is damaged/);
    assert.equal((await get(b, 'tamper/manifests/v1', ALL_MANIFESTS)).status, 404, 'nothing tagged');

    const garbage = join(work, 'garbage.tar');
    writeFileSync(garbage, randomBytes(4096));
    const notTar = await runScript(CLI, ['bundle', 'import', garbage, '--repository', 'tamper'], b.env);
    assert.equal(notTar.code, 1);
    assert.match(notTar.stderr, /malformed bundle: not a tar archive/);
    const truncated = join(work, 'truncated.tar');
    writeFileSync(truncated, readFileSync(file).subarray(0, 3072));
    const cut = await runScript(CLI, ['bundle', 'import', truncated, '--repository', 'tamper'], b.env);
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /malformed bundle: the archive ends/);

    // A real tar (the system's) of a layout without its index.
    const dir = dirs.make('berth-bundle-layout-');
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const noIndex = join(work, 'no-index.tar');
    execFileSync('tar', ['-cf', noIndex, '-C', dir, 'oci-layout']);
    const unindexed = await runScript(CLI, ['bundle', 'import', noIndex, '--repository', 'tamper'], b.env);
    assert.equal(unindexed.code, 1);
    assert.match(unindexed.stderr, /^berth: malformed layout: no index.json\n$/);

    const missing = await runScript(CLI, ['bundle', 'export', '--repository', 'tamper', '--tag', 'nope'], a.env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /tamper has no tag nope/);
  });

  it('is authorized as pulls and pushes are: a read-only key exports, and cannot import', async () => {
    await apiPushImage(a.ecr, 'guarded', { tag: 'v1' });
    const admin = async (s: Side, args: string[]) => {
      const metadataUrl = await testMetadataUrl(s.dataDir);
      return berthAdmin(s.dataDir, metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {}, args);
    };
    const readOnly = async (s: Side) => {
      const account = (
        JSON.parse(await admin(s, ['accounts', 'ls', '--json'])) as { AccountId: string; Default: boolean }[]
      ).find((x) => x.Default)!.AccountId;
      await admin(s, ['users', 'create', '--account', account, 'reader']);
      await admin(s, [
        'policies',
        'attach',
        '--account',
        account,
        '--user',
        'reader',
        '--policy-arn',
        'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
      ]);
      const key = (
        JSON.parse(await admin(s, ['keys', 'create', '--account', account, '--user', 'reader', '--json'])) as {
          AccessKey: { AccessKeyId: string; SecretAccessKey: string };
        }
      ).AccessKey;
      return {
        BERTH_ENDPOINT_URL: s.server.url,
        AWS_ACCESS_KEY_ID: key.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: key.SecretAccessKey,
      };
    };
    const [readerA, readerB] = [await readOnly(a), await readOnly(b)];
    const file = join(work, 'guarded.tar');
    await eventually(async () => {
      const exported = await runScript(CLI, ['bundle', 'export', '--repository', 'guarded', '--output', file], readerA);
      assert.equal(exported.code, 0, exported.stderr);
    });
    await eventually(async () => {
      const refused = await runScript(CLI, ['bundle', 'import', file], readerB);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^berth: upload of blob sha256:[0-9a-f]{64} to guarded: 403 DENIED/);
    });
    assert.equal((await get(b, 'guarded/tags/list')).status, 404, 'nothing landed');
  });

  it('streams a large blob both ways with flat memory', async () => {
    // The peak resident memory (VmHWM) of each command: with a small image, then with a 256 MiB
    // layer passing through. Flat: the big copy needs no more than a little over the small one.
    const peaks = async (repository: string, layer: Buffer) => {
      await apiPushImage(a.ecr, repository, { tag: 'v1', layers: [layer] });
      const file = join(work, `${repository}.tar`);
      const exported = await runMeasured(['bundle', 'export', '--repository', repository, '--output', file], a.env);
      assert.equal(exported.code, 0, exported.stderr);
      const imported = await runMeasured(['bundle', 'import', file], b.env);
      assert.equal(imported.code, 0, imported.stderr);
      return { export: exported.peakMiB, import: imported.peakMiB };
    };
    const small = await peaks('small', randomBytes(1024));
    const big = randomBytes(256 * 1024 * 1024);
    const large = await peaks('big', big);
    const res = await fetch(`${b.server.url}/v2/big/blobs/${sha256(big)}`, {
      headers: { authorization: b.authorization },
    });
    assert.equal(res.status, 200);
    const hash = createHash('sha256');
    for await (const chunk of res.body!) hash.update(chunk);
    assert.equal(`sha256:${hash.digest('hex')}`, sha256(big), 'the big blob arrived whole');
    const said = `peak RSS in MiB: small ${JSON.stringify(small)}, 256 MiB layer ${JSON.stringify(large)}`;
    process.stderr.write(`# ${said}\n`);
    assert.ok(large.export < small.export + 64, said);
    assert.ok(large.import < small.import + 64, said);
  });
});
