// kill -9 of `berth serve` during parallel uploads never exposes a partial or wrong blob, loses no acknowledged byte and leaves
// interrupted uploads resumable (also after SIGTERM with a stalled client); 8 concurrent pushes of one blob and manifest converge.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { digestOf } from '../domain/digest.js';
import { SEGMENT } from '../storage/encryption/segments.js';
import { MediaTypes } from '../domain/media-types.js';
import {
  errorCode,
  send,
  ServedBerth,
  storedUploadSize,
  uploadDirs,
  verifyBlobStore,
  type Reply,
  type SendOptions,
} from './support.js';

const MiB = 1024 * 1024;
const REPOSITORY = 'crash/blobs';
const CHUNK = MiB;
/** A slow client: 64 KiB every few milliseconds, so a kill lands in the middle of bodies. */
const SLOW: SendOptions = { piece: 64 * 1024, paceMs: 3 };
const OCTETS = { 'Content-Type': 'application/octet-stream' };

type Kind = 'monolithic' | 'streamed-monolithic' | 'chunked';

interface Job {
  kind: Kind;
  bytes: Buffer;
  digest: string;
  /** The server answered 201: the blob must be visible after any crash. */
  acknowledged: boolean;
  /** Absolute URL of the chunked session, once the server answered the POST. */
  location?: string;
  /** Bytes of a chunked session the server confirmed with a 202. */
  confirmed: number;
}

function newJob(kind: Kind): Job {
  const bytes = randomBytes(2 * MiB + randomInt(2 * MiB));
  return { kind, bytes, digest: digestOf(bytes), acknowledged: false, confirmed: 0 };
}

function expectStatus(reply: Reply, status: number, what: string): void {
  assert.equal(reply.status, status, `${what}: ${reply.status} ${reply.body.toString('utf8').slice(0, 300)}`);
}

/** POST ?digest= with the whole body; `streamed` sends it without Content-Length. */
async function pushMonolithic(base: string, job: Job, options: SendOptions): Promise<void> {
  const headers = job.kind === 'streamed-monolithic' ? { ...OCTETS, 'Transfer-Encoding': 'chunked' } : OCTETS;
  const reply = await send('POST', `${base}/v2/${REPOSITORY}/blobs/uploads/?digest=${job.digest}`, {
    ...options,
    headers,
    body: job.bytes,
  });
  expectStatus(reply, 201, `monolithic upload of ${job.digest}`);
  assert.equal(reply.headers['docker-content-digest'], job.digest);
  job.acknowledged = true;
}

/** PATCHes with Content-Range from `offset` in CHUNK-sized pieces, then PUT ?digest=. */
async function pushChunks(job: Job, offset: number, options: SendOptions): Promise<void> {
  const location = job.location!;
  for (let start = offset; start < job.bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, job.bytes.length) - 1;
    const reply = await send('PATCH', location, {
      ...options,
      headers: { ...OCTETS, 'Content-Range': `${start}-${end}` },
      body: job.bytes.subarray(start, end + 1),
    });
    expectStatus(reply, 202, `PATCH ${start}-${end} of ${job.digest}`);
    assert.equal(reply.headers.range, `0-${end}`);
    job.confirmed = end + 1;
  }
  const done = await send('PUT', `${location}?digest=${job.digest}`);
  expectStatus(done, 201, `closing PUT of ${job.digest}`);
  job.acknowledged = true;
}

async function startSession(base: string, job: Job): Promise<void> {
  const started = await send('POST', `${base}/v2/${REPOSITORY}/blobs/uploads/`);
  expectStatus(started, 202, 'POST of an upload session');
  job.location = new URL(started.headers.location!, base).href;
  job.confirmed = 0;
}

async function run(base: string, job: Job, options: SendOptions): Promise<void> {
  if (job.kind !== 'chunked') return pushMonolithic(base, job, options);
  await startSession(base, job);
  await pushChunks(job, 0, options);
}

/** A blob is either linked with exactly its bytes, or unknown. Returns whether it is visible. */
async function checkAllOrNothing(base: string, job: Job): Promise<boolean> {
  const url = `${base}/v2/${REPOSITORY}/blobs/${job.digest}`;
  const head = await send('HEAD', url);
  assert.ok(head.status === 200 || head.status === 404, `HEAD ${job.digest}: ${head.status}`);
  if (job.acknowledged)
    assert.equal(
      head.status,
      200,
      `${job.kind} upload of ${job.digest} was acknowledged with 201 before the crash, so it must survive`,
    );
  if (head.status === 404) return false;
  assert.equal(Number(head.headers['content-length']), job.bytes.length);
  const get = await send('GET', url);
  expectStatus(get, 200, `GET ${job.digest}`);
  assert.equal(get.headers['docker-content-digest'], job.digest);
  assert.equal(digestOf(get.body), job.digest);
  assert.ok(get.body.equals(job.bytes), `${job.digest} is served with exactly the uploaded bytes`);
  return true;
}

/**
 * An interrupted chunked session: its status must report exactly the bytes stored (a prefix of
 * the blob, at least what was confirmed), and continuing from that offset must complete it.
 * Returns how it ended.
 */
async function resume(base: string, dataDir: string, job: Job, naive: boolean): Promise<string> {
  const status = await send('GET', job.location!);
  if (status.status === 404) {
    // Only a session that completed loses its row: the blob must then be there.
    assert.equal(errorCode(status), 'BLOB_UPLOAD_UNKNOWN');
    assert.equal(
      await checkAllOrNothing(base, job),
      true,
      `upload ${job.location} vanished but ${job.digest} is not visible`,
    );
    return 'finished-before-crash';
  }
  expectStatus(status, 204, `GET status of ${job.location}`);
  const id = new URL(job.location!).pathname.split('/').pop()!;
  // Sealed at rest: the size is read from the layout; the bytes are checked by the digest at completion.
  const stored = { length: await storedUploadSize(dataDir, id) };
  if (stored.length === 0 && job.bytes.length > 1 && status.headers.range === `0-${job.bytes.length - 1}`) {
    // A closing PUT cut short after its verified bytes moved into the blob store: the session
    // still reports them all, and retrying the PUT finishes it without sending them again.
    assert.equal(job.confirmed, job.bytes.length, `${id} reports bytes it was never sent`);
    assert.ok(
      verifyBlobStore(dataDir).includes(job.digest),
      `${id} reports ${job.bytes.length} verified bytes but ${job.digest} is not stored`,
    );
    const closing = await send('PUT', `${job.location}?digest=${job.digest}`);
    expectStatus(closing, 201, 'retried closing PUT of a verified upload');
    job.acknowledged = true;
    return 'finished an interrupted closing PUT without resending';
  }
  assert.equal(
    status.headers.range,
    `0-${Math.max(stored.length - 1, 0)}`,
    `Range of ${id} matches the ${stored.length} bytes stored`,
  );
  assert.ok(stored.length >= job.confirmed, `${id} lost confirmed bytes: has ${stored.length} of ${job.confirmed}`);
  assert.equal(status.headers.location && new URL(status.headers.location, base).href, job.location);

  if (naive && stored.length < job.bytes.length) {
    // A client that just retries its closing PUT: the partial content must be refused, not exposed.
    const closing = await send('PUT', `${job.location}?digest=${job.digest}`);
    expectStatus(closing, 400, `bare PUT of a partial upload (${stored.length} of ${job.bytes.length} bytes)`);
    assert.equal(errorCode(closing), 'DIGEST_INVALID');
    assert.equal((await send('HEAD', `${base}/v2/${REPOSITORY}/blobs/${job.digest}`)).status, 404);
    assert.equal((await send('GET', job.location!)).status, 404, 'a refused upload is closed');
    verifyBlobStore(dataDir);
    await startSession(base, job);
    await pushChunks(job, 0, {});
    return 'refused a bare PUT of partial content, then restarted';
  }

  // What a client can know: the offset after the Range's last byte ("0-0" is 0 bytes or 1).
  const end = Number(/^0-(\d+)$/.exec(String(status.headers.range))![1]);
  const offset = end === 0 ? 0 : end + 1;
  try {
    await pushChunks(job, offset, {});
    return `resumed at ${offset === 0 ? 'zero' : 'an offset'}`;
  } catch (err) {
    if (offset !== 0 || !/: 416 /.test((err as Error).message)) throw err;
    // The ambiguous "0-0" was one byte: start over in a new session, as the spec lets a client.
    assert.equal((await send('DELETE', job.location!)).status, 204);
    await startSession(base, job);
    await pushChunks(job, 0, {});
    return 'restarted';
  }
}

function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE' || code === 'ECONNABORTED';
}

interface Round {
  /** Kill once this fraction of all body bytes was handed to the sockets... */
  sentFraction?: [number, number];
  /** ...or as soon as the first upload is acknowledged. */
  afterFirstAck?: true;
}

const ROUNDS: Round[] = [
  { sentFraction: [0.02, 0.15] },
  { sentFraction: [0.25, 0.45] },
  { sentFraction: [0.5, 0.7] },
  { sentFraction: [0.8, 0.95] },
  { sentFraction: [1, 1] },
  { afterFirstAck: true },
];

test('kill -9 during parallel uploads: every blob is all or nothing and interrupted uploads resume', {
  timeout: 150_000,
}, async (t: TestContext) => {
  const berth = await ServedBerth.start();
  t.after(() => berth.close());
  const outcomes: Record<string, number> = {};
  const count = (key: string) => (outcomes[key] = (outcomes[key] ?? 0) + 1);

  for (const [index, round] of ROUNDS.entries()) {
    const base = berth.url;
    const jobs = [
      newJob('monolithic'),
      newJob('streamed-monolithic'),
      newJob('chunked'),
      newJob('chunked'),
      newJob('chunked'),
    ];
    const total = jobs.reduce((sum, j) => sum + j.bytes.length, 0);
    const [low, high] = round.sentFraction ?? [0, 0];
    const killAfter = round.sentFraction ? total * (low + Math.random() * (high - low)) : Infinity;
    let sent = 0;
    let fire!: (why: string) => void;
    const killed = new Promise<string>((resolve) => (fire = resolve));
    const deadline = setTimeout(() => fire('deadline'), 10_000);
    const onPiece = (bytes: number) => {
      sent += bytes;
      if (sent >= killAfter) fire(`after ${sent} of ${total} bytes`);
    };

    const running = jobs.map(async (job) => {
      try {
        await run(base, job, { ...SLOW, onPiece });
        if (round.afterFirstAck) fire(`after the first acknowledgement (${job.kind})`);
      } catch (err) {
        if (!isConnectionError(err)) throw err; // a wrong answer while the server was up is a failure
      }
    });
    const why = await killed;
    clearTimeout(deadline);
    const exit = await berth.stop('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    const settled = await Promise.allSettled(running);
    for (const result of settled) if (result.status === 'rejected') throw result.reason;
    t.diagnostic(
      `round ${index + 1}: killed ${why}; acknowledged ${jobs.filter((j) => j.acknowledged).length}/${jobs.length}, confirmed chunk bytes ${jobs.map((j) => j.confirmed).join('/')}`,
    );

    await berth.start(); // throws unless the server starts and answers /v2/
    const ready = await send('GET', `${base}/readyz`);
    expectStatus(ready, 200, 'readyz after the restart');
    verifyBlobStore(berth.dataDir);

    for (const job of jobs) {
      const visible = await checkAllOrNothing(base, job);
      count(visible ? 'visible after crash' : 'absent after crash');
      if (job.kind === 'chunked' && job.location && !job.acknowledged) {
        count(`chunked ${await resume(base, berth.dataDir, job, job === jobs.find((j) => j.kind === 'chunked'))}`);
      } else if (!visible) {
        await run(base, job, {});
        count('uploaded again');
      }
      assert.equal(await checkAllOrNothing(base, job), true, `${job.kind} ${job.digest} is complete after recovery`);
    }
    const stored = verifyBlobStore(berth.dataDir);
    for (const job of jobs) assert.ok(stored.includes(job.digest));
  }
  t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);

  const exit = await berth.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null }, 'after all the crashes the server still shuts down cleanly');
});

test('SIGTERM while a client stalls mid-upload stops the server within its grace period, and the upload resumes after', {
  timeout: 60_000,
}, async (t) => {
  const berth = await ServedBerth.start();
  t.after(() => berth.close());
  const job = newJob('chunked');
  await startSession(berth.url, job);
  const first = await send('PATCH', job.location!, {
    headers: { ...OCTETS, 'Content-Range': `0-${CHUNK - 1}` },
    body: job.bytes.subarray(0, CHUNK),
  });
  expectStatus(first, 202, 'first PATCH');
  job.confirmed = CHUNK;

  // The next PATCH declares a whole chunk, sends a quarter of it and then stalls.
  const stalled = request(job.location!, {
    method: 'PATCH',
    agent: false,
    headers: { ...OCTETS, 'Content-Range': `${CHUNK}-${2 * CHUNK - 1}`, 'Content-Length': CHUNK },
  });
  const stalledEnd = new Promise((settle) => {
    stalled.on('error', settle);
    stalled.on('response', settle);
  });
  t.after(() => stalled.destroy());
  stalled.write(job.bytes.subarray(CHUNK, CHUNK + CHUNK / 4));
  const id = new URL(job.location!).pathname.split('/').pop()!;
  for (let i = 0; i < 100 && (await storedUploadSize(berth.dataDir, id)) < CHUNK + CHUNK / 4 - SEGMENT; i++)
    await sleep(50);

  const began = Date.now();
  const exited = await Promise.race([berth.stop('SIGTERM'), sleep(25_000, undefined, { ref: false })]);
  const took = Date.now() - began;
  stalled.destroy();
  await stalledEnd;
  assert.ok(exited, `the server was still running ${took} ms after SIGTERM, held by a stalled upload`);
  assert.deepEqual(exited, { code: 0, signal: null }, 'a graceful stop exits 0');
  t.diagnostic(`SIGTERM with a stalled upload: exited after ${took} ms`);

  await berth.start();
  assert.match(await resume(berth.url, berth.dataDir, job, false), /^resumed at an offset$/);
  assert.equal(await checkAllOrNothing(berth.url, job), true);
});

type Method = (base: string, repository: string, bytes: Buffer, digest: string) => Promise<void>;

/** The four ways a client can push a blob, so concurrent pushes mix them. */
const METHODS: Method[] = [
  async (base, repository, bytes, digest) => {
    expectStatus(
      await send('POST', `${base}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
        headers: OCTETS,
        body: bytes,
        paceMs: 1,
      }),
      201,
      'monolithic POST',
    );
  },
  async (base, repository, bytes, digest) => {
    const location = await session(base, repository);
    const half = Math.ceil(bytes.length / 2);
    for (const [start, end] of [
      [0, half - 1],
      [half, bytes.length - 1],
    ] as const) {
      if (end < start) continue;
      expectStatus(
        await send('PATCH', location, {
          headers: { ...OCTETS, 'Content-Range': `${start}-${end}` },
          body: bytes.subarray(start, end + 1),
          paceMs: 1,
        }),
        202,
        'ranged PATCH',
      );
    }
    expectStatus(await send('PUT', `${location}?digest=${digest}`), 201, 'closing PUT');
  },
  async (base, repository, bytes, digest) => {
    const location = await session(base, repository);
    expectStatus(
      await send('PATCH', location, { headers: { ...OCTETS, 'Transfer-Encoding': 'chunked' }, body: bytes, paceMs: 1 }),
      202,
      'streamed PATCH',
    );
    expectStatus(await send('PUT', `${location}?digest=${digest}`), 201, 'closing PUT');
  },
  async (base, repository, bytes, digest) => {
    const location = await session(base, repository);
    expectStatus(
      await send('PUT', `${location}?digest=${digest}`, { headers: OCTETS, body: bytes, paceMs: 1 }),
      201,
      'PUT with the body',
    );
  },
];

async function session(base: string, repository: string): Promise<string> {
  const reply = await send('POST', `${base}/v2/${repository}/blobs/uploads/`);
  expectStatus(reply, 202, 'POST of an upload session');
  return new URL(reply.headers.location!, base).href;
}

function imageManifest(config: Buffer, layer: Buffer, annotations?: Record<string, string>): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: digestOf(config), size: config.length },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(layer), size: layer.length },
      ],
      ...(annotations && { annotations }),
    }),
  );
}

test('8 concurrent clients pushing the same blob and manifest end with one blob and a consistent tag', {
  timeout: 60_000,
}, async (t) => {
  const berth = await ServedBerth.start();
  t.after(() => berth.close());
  const base = berth.url;
  const repository = 'race/app';
  const clients = Array.from({ length: 8 }, (_, i) => i);
  const layer = randomBytes(2 * MiB);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [digestOf(randomBytes(8))] },
    }),
  );
  const manifest = imageManifest(config, layer);

  // Every failure is collected: none is allowed, a concurrent push of identical content must simply succeed.
  const failures = (results: PromiseSettledResult<unknown>[]) =>
    results.flatMap((r, i) => (r.status === 'rejected' ? [`client ${i}: ${(r.reason as Error).message}`] : []));
  const pushed = await Promise.allSettled(
    clients.map(async (i) => {
      await METHODS[i % METHODS.length]!(base, repository, layer, digestOf(layer));
      await METHODS[(i + 1) % METHODS.length]!(base, repository, config, digestOf(config));
    }),
  );
  assert.deepEqual(failures(pushed), []);

  const put = (bytes: Buffer, tag: string) =>
    send('PUT', `${base}/v2/${repository}/manifests/${tag}`, {
      headers: { 'Content-Type': MediaTypes.ociManifest },
      body: bytes,
    });
  const manifests = await Promise.allSettled(
    clients.map(async () => {
      const reply = await put(manifest, 'v1');
      expectStatus(reply, 201, 'PUT manifest');
      assert.equal(reply.headers['docker-content-digest'], digestOf(manifest));
    }),
  );
  assert.deepEqual(failures(manifests), []);

  assert.deepEqual(
    verifyBlobStore(berth.dataDir),
    [digestOf(layer), digestOf(config), digestOf(manifest)].sort(),
    'one stored copy of each blob',
  );
  assert.deepEqual(uploadDirs(berth.dataDir), [], 'no upload left behind');
  const head = await send('HEAD', `${base}/v2/${repository}/blobs/${digestOf(layer)}`);
  expectStatus(head, 200, 'HEAD layer');
  assert.equal(Number(head.headers['content-length']), layer.length);
  assert.ok((await send('GET', `${base}/v2/${repository}/blobs/${digestOf(layer)}`)).body.equals(layer));
  const tagged = await send('GET', `${base}/v2/${repository}/manifests/v1`, {
    headers: { Accept: MediaTypes.ociManifest },
  });
  expectStatus(tagged, 200, 'GET by tag');
  assert.equal(tagged.headers['docker-content-digest'], digestOf(manifest));
  assert.ok(tagged.body.equals(manifest));

  // Eight different manifests racing for one tag: it ends on one of them, and every view agrees.
  const rivals = clients.map((i) => imageManifest(config, layer, { 'org.example.client': String(i) }));
  const raced = await Promise.allSettled(
    rivals.map(async (bytes) => expectStatus(await put(bytes, 'race'), 201, 'PUT rival manifest')),
  );
  assert.deepEqual(failures(raced), []);
  const winner = await send('GET', `${base}/v2/${repository}/manifests/race`, {
    headers: { Accept: MediaTypes.ociManifest },
  });
  expectStatus(winner, 200, 'GET race');
  const winnerDigest = String(winner.headers['docker-content-digest']);
  assert.ok(
    rivals.some((r) => digestOf(r) === winnerDigest),
    'the tag points at one of the pushed manifests',
  );
  assert.equal(digestOf(winner.body), winnerDigest);
  assert.equal(
    (await send('HEAD', `${base}/v2/${repository}/manifests/race`)).headers['docker-content-digest'],
    winnerDigest,
  );
  for (const rival of rivals)
    expectStatus(
      await send('HEAD', `${base}/v2/${repository}/manifests/${digestOf(rival)}`),
      200,
      'every rival is stored by digest',
    );
  const tags = JSON.parse((await send('GET', `${base}/v2/${repository}/tags/list`)).body.toString('utf8')) as {
    tags: string[];
  };
  assert.deepEqual(tags.tags, ['race', 'v1']);
  verifyBlobStore(berth.dataDir);
});
