// Garbage collection racing pushes, mounts, tags, untags and deletes, with a grace period of 0 so
// that it bites: each round runs a fast-check generated mix of client operations concurrently
// with collections, then pulls every surviving tag in full and checks every digest. Zero lost
// blobs: a tag that resolves always pulls whole. A push may be refused MANIFEST_BLOB_UNKNOWN when
// a collection took a blob it had uploaded (the client uploads again), never anything else.
// Runs on the backend of this pass (SQLite, then PostgreSQL); seeded and replayable (harness.ts);
// BERTH_GC_RACE_ROUNDS for longer runs. Checked against an unsafe collector (deciding outside the
// digest locks, and puts without their check): on PostgreSQL it lost a blob in the first rounds.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Berth } from '../app/berth-api.js';
import { MediaTypes } from '../domain/media-types.js';
import { checkAsync } from './harness.js';
import { GarbageCollector } from '../registry/gc.js';
import { BlobStore } from '../storage/blob-store.js';
import { BlobSweep } from '../storage/blob-sweep.js';
import { manifestBytes, OCTET_STREAM, randomBlob } from '../testing/registry-client.js';
import { startBerth, type TestBerth } from '../testing/server.js';

const REPOSITORIES = ['race/a', 'race/b', 'race/c'];
const TAGS = ['t0', 't1', 't2', 't3'];
/** Layers shared by many images: the blobs most likely to be collected and pushed at once. */
const BASES: Buffer[] = Array.from({ length: 6 }, (_, i) => Buffer.from(`base layer ${i} `.repeat(50 + i)));
const ROUNDS = Number(process.env.BERTH_GC_RACE_ROUNDS ?? 40);

let server: TestBerth;
let berth: Berth;
let app: FastifyInstance;
/** Decides two digests per transaction: a collection spans many turns of the event loop, interleaving with requests. */
let collector: GarbageCollector;

before(async () => {
  server = await startBerth({ listen: false, settings: { registry: { trashDays: 0 }, gc: { graceHours: 0 } } });
  berth = server.berth;
  app = berth.app;
  const { store, driver } = berth;
  collector = new GarbageCollector(store, new BlobStore(driver), new BlobSweep(driver), {
    graceMs: 0,
    deleteUntagged: false,
    batch: 2,
  });
});
after(() => server?.close());

const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

type Op =
  | { kind: 'push'; repo: number; tag: number; bases: number[]; fresh: boolean; headFirst: boolean }
  | { kind: 'mount'; from: number; to: number; base: number; tag: number }
  | { kind: 'retag'; repo: number; tag: number }
  | { kind: 'untag'; repo: number; tag: number }
  | { kind: 'delete'; repo: number; tag: number }
  | { kind: 'gc' };

const repo = fc.nat({ max: REPOSITORIES.length - 1 });
const tag = fc.nat({ max: TAGS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('push' as const),
      repo,
      tag,
      bases: fc.uniqueArray(fc.nat({ max: BASES.length - 1 }), { minLength: 1, maxLength: 2 }),
      fresh: fc.boolean(),
      headFirst: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('mount' as const),
      from: repo,
      to: repo,
      base: fc.nat({ max: BASES.length - 1 }),
      tag,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retag' as const), repo, tag }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('untag' as const), repo, tag }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), repo, tag }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('gc' as const) }) },
);

const tally = new Map<string, number>();
function count(what: string): void {
  tally.set(what, (tally.get(what) ?? 0) + 1);
}

function codeOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { errors?: { code: string }[] }).errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

/** Uploads a blob unless (headFirst) the repository has it already, as clients do. */
async function upload(name: string, bytes: Buffer, headFirst: boolean): Promise<void> {
  const digest = sha(bytes);
  if (headFirst) {
    const head = await app.inject({ method: 'HEAD', url: `/v2/${name}/blobs/${digest}` });
    if (head.statusCode === 200) return count('upload skipped after HEAD');
  }
  const res = await app.inject({
    method: 'POST',
    url: `/v2/${name}/blobs/uploads/?digest=${digest}`,
    headers: OCTET_STREAM,
    payload: bytes,
  });
  assert.equal(res.statusCode, 201, `upload ${name}: ${res.statusCode} ${res.body}`);
}

async function putManifest(name: string, reference: string, layers: Buffer[]): Promise<void> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', layers: layers.map(sha) }));
  await upload(name, config, false);
  const bytes = manifestBytes({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha(config), size: config.length },
    layers: layers.map((l) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha(l),
      size: l.length,
    })),
  });
  const res = await app.inject({
    method: 'PUT',
    url: `/v2/${name}/manifests/${reference}`,
    headers: { 'content-type': MediaTypes.ociManifest },
    payload: bytes,
  });
  assert.ok(res.statusCode < 500, `PUT ${name}:${reference}: ${res.statusCode} ${res.body}`);
  if (res.statusCode === 201) return count('manifest stored');
  assert.equal(codeOf(res.body), 'MANIFEST_BLOB_UNKNOWN', `PUT ${name}:${reference}: ${res.statusCode} ${res.body}`);
  count('push refused MANIFEST_BLOB_UNKNOWN');
}

async function run(o: Op): Promise<void> {
  switch (o.kind) {
    case 'push': {
      const name = REPOSITORIES[o.repo]!;
      const layers = o.bases.map((b) => BASES[b]!);
      if (o.fresh) layers.push(Buffer.from(randomBlob(200)));
      for (const layer of layers) await upload(name, layer, o.headFirst);
      return putManifest(name, TAGS[o.tag]!, layers);
    }
    case 'mount': {
      const digest = sha(BASES[o.base]!);
      const to = REPOSITORIES[o.to]!;
      const res = await app.inject({
        method: 'POST',
        url: `/v2/${to}/blobs/uploads/?mount=${digest}&from=${REPOSITORIES[o.from]}`,
      });
      assert.ok([201, 202].includes(res.statusCode), `mount: ${res.statusCode} ${res.body}`);
      count(res.statusCode === 201 ? 'mounted' : 'mount fell back to upload');
      if (res.statusCode === 202) await upload(to, BASES[o.base]!, false);
      return putManifest(to, TAGS[o.tag]!, [BASES[o.base]!]);
    }
    case 'retag': {
      const name = REPOSITORIES[o.repo]!;
      const got = await app.inject({ url: `/v2/${name}/manifests/${TAGS[o.tag]}` });
      if (got.statusCode !== 200) return;
      const res = await app.inject({
        method: 'PUT',
        url: `/v2/${name}/manifests/${TAGS[(o.tag + 1) % TAGS.length]}`,
        headers: { 'content-type': got.headers['content-type'] as string },
        payload: got.rawPayload,
      });
      assert.ok(
        res.statusCode === 201 || codeOf(res.body) === 'MANIFEST_BLOB_UNKNOWN',
        `retag: ${res.statusCode} ${res.body}`,
      );
      return count(res.statusCode === 201 ? 'retagged' : 'retag refused MANIFEST_BLOB_UNKNOWN');
    }
    case 'untag':
    case 'delete': {
      const name = REPOSITORIES[o.repo]!;
      let reference = TAGS[o.tag]!;
      if (o.kind === 'delete') {
        const head = await app.inject({ method: 'HEAD', url: `/v2/${name}/manifests/${reference}` });
        if (head.statusCode !== 200) return;
        reference = head.headers['docker-content-digest'] as string;
      }
      const res = await app.inject({ method: 'DELETE', url: `/v2/${name}/manifests/${reference}` });
      assert.ok([202, 404].includes(res.statusCode), `${o.kind}: ${res.statusCode} ${res.body}`);
      return count(`${o.kind} ${res.statusCode}`);
    }
    case 'gc': {
      const report = await collector.collect();
      count('collections');
      for (const [kind, freed] of Object.entries(report.summary)) if (freed.objects > 0) count(`freed ${kind}`);
    }
  }
}

/** Every tag of every repository pulls whole: manifest and each blob, digests checked. */
async function pullEverything(): Promise<number> {
  let pulled = 0;
  for (const name of REPOSITORIES) {
    const list = await app.inject({ url: `/v2/${name}/tags/list` });
    if (list.statusCode !== 200) continue;
    for (const t of (list.json() as { tags: string[] | null }).tags ?? []) {
      const res = await app.inject({ url: `/v2/${name}/manifests/${t}`, headers: { accept: MediaTypes.ociManifest } });
      assert.equal(res.statusCode, 200, `${name}:${t} is listed but its manifest is gone: ${res.body}`);
      const manifest = res.json() as { config: { digest: string }; layers: { digest: string }[] };
      for (const digest of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
        const blob = await app.inject({ url: `/v2/${name}/blobs/${digest}` });
        assert.equal(blob.statusCode, 200, `LOST BLOB ${digest} of ${name}:${t}: ${blob.statusCode}`);
        assert.equal(sha(blob.rawPayload), digest, `${name}:${t} blob ${digest} has other bytes`);
      }
      pulled++;
    }
  }
  return pulled;
}

test('collections racing pushes, mounts, tags, untags and deletes lose no blob', async (t) => {
  let rounds = 0;
  let pulls = 0;
  await checkAsync(
    t,
    ROUNDS,
    fc.asyncProperty(fc.array(op, { minLength: 15, maxLength: 40 }), async (ops) => {
      // Every operation of the round at once, and a collection beside them.
      await Promise.all([...ops.map(run), run({ kind: 'gc' })]);
      pulls += await pullEverything();
      rounds++;
    }),
  );
  await collector.collect();
  pulls += await pullEverything();
  t.diagnostic(`${rounds} rounds, ${pulls} full pulls; ${JSON.stringify(Object.fromEntries(tally))}`);
  assert.ok((tally.get('freed blobs') ?? 0) > 0, 'collections freed blobs: the race was real');
});
