// Deletion protection and the trash as an operator and users meet them: `berth protect` and
// `berth trash` run offline on the data dir (or the PostgreSQL database) of a running `berth
// serve`, the AWS CLI v2 deleting (batch-delete-image, delete-repository --force), skopeo pushing,
// deleting on /v2 and pulling back byte-identical after a restore.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { runProgram, runScript } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { testMetadataUrl } from '../testing/postgres.js';
import { ADMIN_ENV, CLI, scratchDirs } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { eventually, ServedBerth, skopeo } from './support.js';

const NAME = 'e2e/app';

let berth: ServedBerth;
let layout: OciLayout;
let image: Descriptor;
let env: NodeJS.ProcessEnv;
const scratch = scratchDirs();

before(async () => {
  layout = new OciLayout(scratch.make('berth-protect-layout-'));
  image = layout.addImage([2048, 64 * 1024]);
  layout.tag(image, 'img');
  berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' });
  const metadataUrl = await testMetadataUrl(berth.dataDir);
  env = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
});

after(async () => {
  await berth?.close();
  scratch.remove();
});

const aws = (args: string[]) =>
  runProgram(AWS_CLI, [...args, '--endpoint-url', berth.url, '--region', 'us-east-1', '--output', 'json'], ADMIN_ENV);

/** `berth <group> --data-dir <the server's> <args>`: fails the test unless it exits 0. */
async function berthCli(group: 'protect' | 'trash', args: string[]): Promise<string> {
  const result = await runScript(CLI, [group, '--data-dir', berth.dataDir, ...args], env);
  assert.equal(result.code, 0, `berth ${group} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const v2Delete = (reference: string) =>
  fetch(`${berth.url}/v2/${NAME}/manifests/${reference}`, { method: 'DELETE', headers: berth.authHeaders });

/** skopeo pulls the tag; the manifest, config and layers are byte-identical to what was pushed. */
async function assertPullsIdentical(tag: string): Promise<void> {
  const out = scratch.make('berth-protect-out-');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${berth.host}/${NAME}:${tag}`, `oci:${out}:img`]);
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
    assert.ok(readFileSync(join(out, 'blobs', 'sha256', digest.slice(7))).equals(layout.readBlob(digest)), digest);
}

function requireClients(t: TestContext): boolean {
  return requireTool(t, 'skopeo', 'apt-get install -y skopeo') && requireAwsCli(t);
}

describe('berth protect and berth trash with the AWS CLI v2 and skopeo', () => {
  it('a protected tag and repository survive the AWS CLI and /v2; lifted, the deleted image is restored and pulls byte-identical', async (t) => {
    if (!requireClients(t)) return;
    await berth.login();
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout.dir}:img`, `docker://${berth.host}/${NAME}:prod-1`]);

    assert.match(
      await berthCli('protect', ['add', '--repository', NAME, '--tag-pattern', 'prod-*', '--by', 'ops']),
      /^e2e\/app protected: prod-\*\n$/,
    );
    const refused = await aws([
      'ecr',
      'batch-delete-image',
      '--repository-name',
      NAME,
      '--image-ids',
      'imageTag=prod-1',
      `imageDigest=${image.digest}`,
    ]);
    assert.equal(refused.code, 0, refused.stderr);
    const failures = (JSON.parse(refused.stdout) as { failures: { failureCode: string; failureReason: string }[] })
      .failures;
    assert.deepEqual(
      failures.map((f) => f.failureCode),
      ['ImageInaccessible', 'ImageInaccessible'],
    );
    for (const f of failures)
      assert.match(f.failureReason, /tags matching 'prod-\*' in the repository 'e2e\/app' are protected/);
    for (const reference of ['prod-1', image.digest]) {
      const res = await v2Delete(reference);
      assert.equal(res.status, 405);
      const body = (await res.json()) as { errors: { code: string; message: string }[] };
      assert.equal(body.errors[0]!.code, 'UNSUPPORTED');
      assert.match(body.errors[0]!.message, /protected from deletion/);
    }

    await berthCli('protect', ['add', '--repository', NAME]);
    const listed = await berthCli('protect', ['ls']);
    assert.match(listed, /^REPOSITORY\s+PROTECTED\s+SINCE\s+BY\n/);
    assert.match(listed, /e2e\/app\s+repository\s+\S+\n/);
    assert.match(listed, /e2e\/app\s+prod-\*\s+\S+\s+ops\n/);
    const kept = await aws(['ecr', 'delete-repository', '--repository-name', NAME, '--force']);
    assert.notEqual(kept.code, 0);
    assert.match(kept.stderr, /InvalidParameterException.*protected from deletion/);

    assert.match(await berthCli('protect', ['rm', '--repository', NAME]), /no longer protected: repository/);
    assert.match(
      await berthCli('protect', ['rm', '--repository', NAME, '--tag-pattern', 'prod-*']),
      /no longer protected: prod-\*/,
    );
    assert.equal(await berthCli('protect', ['ls', '--json']), '[]\n');

    // Lifted: the AWS CLI deletes the image with its last tag, and it goes to the trash.
    const deleted = await aws([
      'ecr',
      'batch-delete-image',
      '--repository-name',
      NAME,
      '--image-ids',
      'imageTag=prod-1',
    ]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual((JSON.parse(deleted.stdout) as { imageIds: unknown[] }).imageIds, [
      { imageDigest: image.digest, imageTag: 'prod-1' },
    ]);
    await assert.rejects(skopeo(['inspect', '--tls-verify=false', `docker://${berth.host}/${NAME}:prod-1`]));
    const trash = await berthCli('trash', ['ls', '--repository', NAME]);
    assert.match(trash, new RegExp(`e2e/app\\s+${image.digest}\\s+prod-1\\s+\\S+\\s+arn:aws:iam::\\d{12}:root\\n`));
    const restored = await berthCli('trash', ['restore', '--repository', NAME, image.digest]);
    assert.equal(restored, `restored ${NAME}@${image.digest}\ntagged ${NAME}:prod-1\n`);
    await assertPullsIdentical('prod-1');

    // Deleted on /v2 by digest: in the trash too, and back the same way.
    assert.equal((await v2Delete(image.digest)).status, 202);
    const entries = JSON.parse(await berthCli('trash', ['ls', '--json'])) as {
      ImageDigest: string;
      ImageTags: string[];
    }[];
    assert.deepEqual(
      entries.map((e) => [e.ImageDigest, e.ImageTags]),
      [[image.digest, ['prod-1']]],
    );
    await berthCli('trash', ['restore', '--repository', NAME, image.digest]);
    await assertPullsIdentical('prod-1');
    const again = await runScript(
      CLI,
      ['trash', '--data-dir', berth.dataDir, 'restore', '--repository', NAME, image.digest],
      env,
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^berth: .* is in the repository 'e2e\/app' already\n$/);

    // Unprotected, the repository goes.
    await eventually(async () => {
      const gone = await aws(['ecr', 'delete-repository', '--repository-name', NAME, '--force']);
      assert.equal(gone.code, 0, gone.stderr);
    });
  });
});
