// Scale-out: two Berth nodes on one PostgreSQL database and one shared data directory behave as
// one registry — skopeo pushes to one and pulls from the other, a chunked upload alternates
// between nodes, migrations run once when both start together, and a node killed mid-push
// leaves nothing partial while the other node completes the push. The same chunk sent to both
// nodes at once is written once: the other request waits for the upload's lease and gets 416.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnBerth, tempDir, type ChildBerth } from '../testing/server.js';
import {
  dropPostgresDatabaseFor,
  postgresAdminUrl,
  postgresDatabaseFor,
  requirePostgres,
} from '../testing/postgres.js';
import { requireTool } from '../testing/tools.js';
import { OciLayout } from '../testing/oci-layout.js';
import { send } from './support.js';

const run = promisify(execFile);

function skopeo(...args: string[]) {
  return run('skopeo', args, { maxBuffer: 16 << 20, timeout: 120_000 });
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('two nodes on one PostgreSQL database and one data directory', { concurrency: false }, () => {
  const dataDir = tempDir('berth-multinode-');
  const key = `multinode-${dataDir}`;
  let url = '';
  let a: ChildBerth | undefined;
  let b: ChildBerth | undefined;
  let portA = 0;

  const start = async (port: number, node: string) =>
    spawnBerth(dataDir, port, { BERTH_METADATA_URL: url, BERTH_NODE_ID: node });

  before(async () => {
    if (!postgresAdminUrl()) return;
    url = await postgresDatabaseFor(key);
    portA = await freePort();
    const portB = await freePort();
    // Both nodes start at once on an empty database: the migration lock lets one migrate.
    [a, b] = await Promise.all([start(portA, 'node-a'), start(portB, 'node-b')]);
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (postgresAdminUrl()) await dropPostgresDatabaseFor(key);
  });

  it('pushes with skopeo through one node and pulls byte-identical content through the other', async (t) => {
    if (!requirePostgres(t) || !requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    const layout = new OciLayout(tempDir('berth-layout-'));
    const image = layout.addImage([300_000, 1_500_000]);
    layout.tag(image, 'v1');
    const index = layout.addIndex(
      [
        { architecture: 'amd64', os: 'linux' },
        { architecture: 'arm64', os: 'linux' },
      ],
      [20_000],
    );
    layout.tag(index, 'multi');
    const hostA = a!.url.replace('http://', '');
    const hostB = b!.url.replace('http://', '');

    await skopeo('copy', '--dest-tls-verify=false', `oci:${layout.dir}:v1`, `docker://${hostA}/team/app:v1`);
    await skopeo(
      'copy',
      '--all',
      '--dest-tls-verify=false',
      `oci:${layout.dir}:multi`,
      `docker://${hostB}/team/app:multi`,
    );

    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${hostB}/team/app:v1`);
    assert.equal(sha256(Buffer.from(raw.stdout)), image.digest, 'node B serves the manifest node A stored');
    const tags = JSON.parse((await skopeo('list-tags', '--tls-verify=false', `docker://${hostA}/team/app`)).stdout) as {
      Tags: string[];
    };
    assert.deepEqual(tags.Tags, ['multi', 'v1']);

    const out = tempDir('berth-pull-');
    await skopeo('copy', '--all', '--src-tls-verify=false', `docker://${hostA}/team/app:multi`, `oci:${out}:multi`);
    for (const file of readdirSync(join(out, 'blobs', 'sha256'))) {
      assert.deepEqual(
        readFileSync(join(out, 'blobs', 'sha256', file)),
        layout.readBlob(`sha256:${file}`),
        `blob ${file} is byte-identical`,
      );
    }
    rmSync(out, { recursive: true, force: true });
    rmSync(layout.dir, { recursive: true, force: true });
  });

  it('continues a chunked upload started on node A on node B and completes it on node A', async (t) => {
    if (!requirePostgres(t)) return;
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const digest = sha256(body);
    const nodes = [a!.url, b!.url, a!.url, b!.url];
    const started = await fetch(`${a!.url}/v2/team/chunks/blobs/uploads/`, { method: 'POST' });
    assert.equal(started.status, 202);
    let location = started.headers.get('location')!;
    const size = 1024 * 1024;
    for (let offset = 0, i = 0; offset < body.length; offset += size, i++) {
      const chunk = body.subarray(offset, offset + size);
      const res = await fetch(`${nodes[i % nodes.length]}${location}`, {
        method: 'PATCH',
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Range': `${offset}-${offset + chunk.length - 1}`,
        },
        body: chunk,
      });
      assert.equal(res.status, 202, `chunk ${i} on node ${i % 2 === 0 ? 'A' : 'B'}`);
      assert.equal(res.headers.get('range'), `0-${offset + chunk.length - 1}`);
      location = res.headers.get('location')!;
    }
    const status = await fetch(`${b!.url}${location}`);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${body.length - 1}`);
    const done = await fetch(`${a!.url}${location}?digest=${digest}`, { method: 'PUT' });
    assert.equal(done.status, 201);
    for (const node of [a!, b!]) {
      const res = await fetch(`${node.url}/v2/team/chunks/blobs/${digest}`);
      assert.equal(res.status, 200);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), digest);
    }
  });

  it('the same chunk PATCHed to both nodes at once (a retry after failover) is taken once; the other gets 416 with the true Range', async (t) => {
    if (!requirePostgres(t)) return;
    const body = randomBytes(4 * 1024 * 1024 + 100);
    const digest = sha256(body);
    const started = await fetch(`${a!.url}/v2/team/failover/blobs/uploads/`, { method: 'POST' });
    assert.equal(started.status, 202);
    const location = started.headers.get('location')!;
    const first = body.subarray(0, 3 * 1024 * 1024);
    // Both bodies stream at once, slowly, so both requests are inside the server together.
    const headers = { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${first.length - 1}` };
    const answers = await Promise.all(
      [a!, b!].map((node) =>
        send('PATCH', `${node.url}${location}`, { headers, body: first, piece: 128 * 1024, paceMs: 5 }),
      ),
    );
    assert.deepEqual(answers.map((r) => r.status).sort(), [202, 416], answers.map((r) => r.body.toString()).join(' '));
    for (const answer of answers)
      assert.equal(answer.headers.range, `0-${first.length - 1}`, `the ${answer.status} tells the true end`);
    assert.equal(answers.find((r) => r.status === 416)!.headers.location, location);
    for (const node of [a!, b!]) {
      const status = await fetch(`${node.url}${location}`);
      assert.equal(status.headers.get('range'), `0-${first.length - 1}`, 'the upload holds the chunk once');
    }
    const done = await fetch(`${b!.url}${location}?digest=${digest}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${first.length}-${body.length - 1}` },
      body: body.subarray(first.length),
    });
    assert.equal(done.status, 201, await done.text());
    const got = await fetch(`${a!.url}/v2/team/failover/blobs/${digest}`);
    assert.equal(sha256(Buffer.from(await got.arrayBuffer())), digest);
  });

  it('pushes the same tag through both nodes at once and ends consistent', async (t) => {
    if (!requirePostgres(t)) return;
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const configDigest = sha256(config);
    for (const node of [a!, b!]) {
      const res = await fetch(`${node.url}/v2/team/race/blobs/uploads/?digest=${configDigest}`, {
        method: 'POST',
        body: config,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      assert.equal(res.status, 201);
    }
    const manifests = Array.from({ length: 6 }, (_, i) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
          layers: [],
          annotations: { attempt: String(i) },
        }),
      ),
    );
    const results = await Promise.all(
      manifests.map((m, i) =>
        fetch(`${[a!, b!][i % 2]!.url}/v2/team/race/manifests/latest`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
          body: m,
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      manifests.map(() => 201),
    );
    const seen = await Promise.all(
      [a!, b!].map(async (node) =>
        (await fetch(`${node.url}/v2/team/race/manifests/latest`, { method: 'HEAD' })).headers.get(
          'docker-content-digest',
        ),
      ),
    );
    assert.equal(seen[0], seen[1], 'both nodes resolve the tag to the same manifest');
    assert.ok(manifests.some((m) => sha256(m) === seen[0]));
  });

  it('survives a node killed during a push: nothing partial is visible and the other node completes it', async (t) => {
    if (!requirePostgres(t)) return;
    const body = randomBytes(8 * 1024 * 1024);
    const digest = sha256(body);
    const started = await fetch(`${a!.url}/v2/team/killed/blobs/uploads/`, { method: 'POST' });
    const location = started.headers.get('location')!;
    // Stream half of the body slowly to node A, then kill it mid-request.
    const { request } = await import('node:http');
    const target = new URL(`${a!.url}${location}`);
    const req = request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'PATCH',
      headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' },
    });
    req.on('error', () => {
      /* the node dies under us */
    });
    for (let offset = 0; offset < body.length / 2; offset += 256 * 1024) {
      req.write(body.subarray(offset, offset + 256 * 1024));
      await new Promise((r) => setTimeout(r, 10));
    }
    await a!.stop('SIGKILL');
    req.destroy();

    const head = await fetch(`${b!.url}/v2/team/killed/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(head.status, 404, 'no partial blob is visible');
    const status = await fetch(`${b!.url}${location}`);
    assert.equal(status.status, 204, 'the upload session survives on the other node');
    const stored = Number(status.headers.get('range')!.split('-')[1]) + 1;
    assert.ok(stored <= body.length / 2, `stored ${stored} bytes, at most what was sent`);

    // The client resumes on node B from what was stored and completes there.
    const rest = await fetch(`${b!.url}${location}?digest=${digest}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${stored}-${body.length - 1}` },
      body: body.subarray(stored),
    });
    assert.equal(rest.status, 201);
    const got = await fetch(`${b!.url}/v2/team/killed/blobs/${digest}`);
    assert.equal(sha256(Buffer.from(await got.arrayBuffer())), digest);

    // Node A comes back on the same database and data directory and serves the blob too.
    a = await start(portA, 'node-a');
    const again = await fetch(`${a.url}/v2/team/killed/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(again.status, 200);
  });
});
