// `berth gc` as an operator runs it, beside a running server on the same deployment (the data dir
// or PostgreSQL database of this pass): a dry run lists and frees nothing, a collection frees and
// summarizes, the audit finds an object planted in storage that nothing indexes (on the file
// system here, and on S3 through s3rver) and --fix removes it.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDigest } from '../domain/digest.js';
import { blobPath } from '../storage/layout.js';
import { runScript } from '../testing/cli.js';
import { manifestUrl } from '../testing/manifest-assertions.js';
import { testMetadataUrl } from '../testing/postgres.js';
import { pushImage } from '../testing/registry-client.js';
import { startS3, type TestS3 } from '../testing/s3.js';
import { CLI, startBerth, tempDir, type TestBerth } from '../testing/server.js';

const randomDigest = () => `sha256:${createHash('sha256').update(randomUUID()).digest('hex')}`;

describe('berth gc', () => {
  let dataDir: string;
  let server: TestBerth;
  let env: NodeJS.ProcessEnv;

  const gc = async (args: string[]) => {
    const result = await runScript(CLI, ['gc', '--data-dir', dataDir, ...args], env);
    assert.equal(result.code, 0, `berth gc ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const stored = (digest: string) => existsSync(join(dataDir, 'storage', blobPath(parseDigest(digest))));

  before(async () => {
    dataDir = tempDir('berth-gc-cli-');
    server = await startBerth({
      listen: false,
      dataDir,
      settings: { registry: { trashDays: 0 }, gc: { graceHours: 0 } },
    });
    const metadataUrl = await testMetadataUrl(dataDir);
    env = {
      BERTH_GC_GRACE_HOURS: '0',
      BERTH_REGISTRY_TRASH_DAYS: '0',
      ...(metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {}),
    };
  });
  after(async () => {
    await server?.close();
  });

  it('lists in a dry run and frees nothing; then frees and summarizes, while the server serves', async () => {
    const app = server.berth.app;
    const image = await pushImage(app, 'cli/gc', 'v1', { layers: 2 });
    const kept = await pushImage(app, 'cli/gc', 'v2', { layers: 1 });
    assert.equal((await app.inject({ method: 'DELETE', url: manifestUrl('cli/gc', image.digest) })).statusCode, 202);

    const listing = await gc(['--dry-run']);
    for (const blob of [image.config, ...image.layers]) {
      assert.match(listing, new RegExp(`^blobs\\t${blob.digest}\\t`, 'm'));
      assert.ok(stored(blob.digest), 'a dry run frees nothing');
    }
    assert.match(listing, /WOULD FREE/);

    const summary = await gc([]);
    assert.match(summary, /KIND\s+FREED\s+BYTES/);
    assert.match(summary, /^blobs\s+3\s/m);
    for (const blob of [image.config, ...image.layers]) assert.equal(stored(blob.digest), false);
    for (const blob of [kept.config, ...kept.layers]) {
      const res = await app.inject({ url: `/v2/cli/gc/blobs/${blob.digest}` });
      assert.equal(res.statusCode, 200);
    }
    const report = JSON.parse(await gc(['--json'])) as { summary: { blobs: { objects: number } } };
    assert.equal(report.summary.blobs.objects, 0, 'nothing left to free');
  });

  it('--audit finds an object nothing indexes on the file system; --fix removes it', async () => {
    const orphan = randomDigest();
    const path = join(dataDir, 'storage', blobPath(parseDigest(orphan)));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, Buffer.alloc(777, 1));
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(path, old, old);

    const found = await gc(['--audit']);
    assert.match(found, new RegExp(`^blob\\t${blobPath(parseDigest(orphan))}\\t777$`, 'm'));
    assert.match(found, /1 not indexed/);
    assert.ok(existsSync(path), 'an audit without --fix deletes nothing');
    await gc(['--audit', '--fix']);
    assert.equal(existsSync(path), false);
    assert.match(await gc(['--audit']), / 0 not indexed/);
  });

  it('refuses --fix without --audit', async () => {
    const result = await runScript(CLI, ['gc', '--data-dir', dataDir, '--fix'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--fix goes with --audit/);
  });
});

describe('the gc audit on S3', () => {
  let s3: TestS3;
  let server: TestBerth;
  before(async () => {
    s3 = await startS3();
    server = await startBerth({
      listen: false,
      settings: { registry: { trashDays: 0 }, gc: { graceHours: 0 }, storage: { driver: 's3', s3: s3.settings } },
    });
  });
  after(async () => {
    await server?.close();
    await s3?.close();
  });

  it("a collection deletes a deleted image's layers from the bucket in batches and keeps the rest", async () => {
    const { berth } = server;
    const gone = await pushImage(berth.app, 's3/collect', 'old', { layers: 3 });
    const kept = await pushImage(berth.app, 's3/collect', 'new', { layers: 1 });
    const deleted = await berth.app.inject({ method: 'DELETE', url: `/v2/s3/collect/manifests/${gone.digest}` });
    assert.equal(deleted.statusCode, 202);
    const report = await berth.gc.collector.collect();
    assert.equal(report.summary.blobs.objects, 4, 'three layers and the config');
    assert.equal(report.summary.blobs.bytes, gone.layers.reduce((sum, l) => sum + l.size, 0) + gone.config.size);
    for (const layer of gone.layers)
      await assert.rejects(berth.driver.stat(blobPath(parseDigest(layer.digest))), layer.digest);
    const res = await berth.app.inject({ url: `/v2/s3/collect/blobs/${kept.layers[0]!.digest}` });
    assert.equal(res.statusCode, 200);
    assert.equal((await berth.gc.collector.collect()).summary.blobs.objects, 0);
  });

  it('finds an object planted in the bucket that nothing indexes, and --fix removes it', async () => {
    const { berth } = server;
    const image = await pushImage(berth.app, 's3/gc', 'v1', { layers: 1 });
    const orphan = blobPath(parseDigest(randomDigest()));
    await berth.driver.putContent(orphan, Buffer.alloc(321, 2));
    // Object stores date objects to the second: the planted one must be older than the grace of 0.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const findings: string[] = [];
    const report = await berth.gc.audit.run({ onFinding: (f) => findings.push(f.path) });
    assert.deepEqual(findings, [orphan]);
    assert.equal(report.bytes, 321);
    assert.ok(report.examined >= 3, 'the indexed blobs were looked at too');
    await berth.gc.audit.run({ fix: true });
    await assert.rejects(berth.driver.stat(orphan));
    assert.equal((await berth.gc.audit.run()).orphans, 0);
    const res = await berth.app.inject({ url: `/v2/s3/gc/blobs/${image.layers[0]!.digest}` });
    assert.equal(res.statusCode, 200, 'indexed blobs are left alone');
  });
});
