// The blob store over a real file-system driver: where it puts things (layout.ts), and which
// driver operations it uses (promotion must be one move, never a copy through memory).
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { parseDigest, type Digest } from '../domain/digest.js';
import { tempDir } from '../testing/server.js';
import { BlobStore, generateDataKey, type BlobAccess, type DataKey } from './blob-store.js';
import { BATCH, InlineSealEngine } from './encryption/engines.js';
import { HEADER, SEALED_SEGMENT, SEGMENT, sealedSize } from './encryption/segments.js';
import { PathNotFoundError, type StorageDriver } from './driver.js';
import { FsDriver } from './fs-driver.js';
import { blobPath, BLOBS_ROOT, uploadDataPath, uploadDir, UPLOADS_ROOT } from './layout.js';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): Digest {
  return parseDigest(`${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`);
}

async function readAll(stream: Readable | AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function* chunks(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts;
}

/** Records each driver operation (name and paths) before passing it on. */
function recording(driver: StorageDriver): { driver: StorageDriver; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(driver, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(`${String(key)} ${args.filter((a) => typeof a === 'string').join(' ')}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { driver: proxy, calls };
}

const isNotFound = (err: unknown) => err instanceof PathNotFoundError;

describe('storage layout', () => {
  it('builds the paths drawn in layout.ts', () => {
    const sha256 = parseDigest(`sha256:ab${'0'.repeat(62)}`);
    assert.equal(blobPath(sha256), `/blobs/sha256/ab/ab${'0'.repeat(62)}/data`);
    const sha512 = parseDigest(`sha512:cd${'1'.repeat(126)}`);
    assert.equal(blobPath(sha512), `/blobs/sha512/cd/cd${'1'.repeat(126)}/data`);
    assert.equal(uploadDir('3f1c2b7e-0000-4000-8000-000000000000'), '/uploads/3f1c2b7e-0000-4000-8000-000000000000');
    assert.equal(
      uploadDataPath('3f1c2b7e-0000-4000-8000-000000000000'),
      '/uploads/3f1c2b7e-0000-4000-8000-000000000000/data',
    );
    assert.equal(BLOBS_ROOT, '/blobs');
    assert.equal(UPLOADS_ROOT, '/uploads');
  });
});

describe('BlobStore', () => {
  let root: string;
  let driver: FsDriver;

  before(() => {
    root = tempDir('berth-blob-store-');
    driver = new FsDriver(root);
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  /** A reader of the sealed form only, with `key`. */
  const keyed = (key: DataKey): BlobAccess => ({
    storeEncrypted: false,
    resolve: async (id: string) => {
      assert.equal(id, key.id, 'the resolver is asked for the key the header names');
      return key;
    },
  });

  async function readRange(
    blobs: BlobStore,
    digest: Digest,
    key: DataKey,
    start: number,
    length: number,
  ): Promise<Buffer> {
    const file = (await blobs.openRandomAccess(digest, keyed(key)))!;
    try {
      const out = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const n = await file.read(out.subarray(done), start + done);
        if (n === 0) break;
        done += n;
      }
      return out.subarray(0, done);
    } finally {
      await file.close();
    }
  }

  /** Flips one byte of a stored file in place. */
  async function flip(path: string, position: number): Promise<void> {
    const handle: FileHandle = await open(join(root, path), 'r+');
    const one = Buffer.alloc(1);
    await handle.read(one, 0, 1, position);
    one[0] = one[0]! ^ 0x40;
    await handle.write(one, 0, 1, position);
    await handle.close();
  }

  async function upload(
    blobs: BlobStore,
    key: ReturnType<typeof generateDataKey>,
    ...parts: Buffer[]
  ): Promise<string> {
    const id = randomUUID();
    await blobs.createUpload(id, key.header);
    for (const part of parts) {
      const writer = await blobs.uploadWriter(id, key.key);
      await writer.write(chunks(part));
      await writer.close();
    }
    return id;
  }

  it('seals a blob at its layout path, never in the clear, and reads it back whole and by range', async () => {
    const blobs = new BlobStore(driver);
    const { key, header } = generateDataKey();
    const bytes = randomBytes(10_000);
    const digest = digestOf(bytes);
    assert.equal(await blobs.size(digest), undefined);
    assert.equal(await blobs.dataKeyId(digest), undefined);
    await assert.rejects(blobs.read(digest, keyed(key)), isNotFound);
    await assert.rejects(blobs.open(digest, keyed(key)), isNotFound);
    await blobs.put(digest, bytes, key, header);
    const stored = await driver.getContent(blobPath(digest));
    assert.equal(stored.length, sealedSize(bytes.length));
    assert.equal(stored.indexOf(bytes.subarray(0, 32)), -1, 'no plaintext on disk');
    assert.equal(await blobs.size(digest), bytes.length);
    assert.equal(await blobs.dataKeyId(digest), key.id);
    assert.deepEqual(await blobs.read(digest, keyed(key)), bytes);
    assert.deepEqual(await readAll(await blobs.open(digest, keyed(key))), bytes);
    assert.deepEqual(await readAll(await blobs.open(digest, keyed(key), 100, 50)), bytes.subarray(100, 150));
    assert.deepEqual(await readAll(await blobs.open(digest, keyed(key), 9_990)), bytes.subarray(9_990));
    const other = generateDataKey().key;
    await assert.rejects(blobs.read(digest, { storeEncrypted: false, resolve: async () => other }), {
      name: 'IntegrityError',
    });
  });

  it('reads ranges across segment boundaries, by stream and by positioned reads', async () => {
    const blobs = new BlobStore(driver);
    const { key, header } = generateDataKey();
    const bytes = randomBytes(3 * SEGMENT + 777);
    const digest = digestOf(bytes);
    await blobs.put(digest, bytes, key, header);
    const ranges: [number, number][] = [
      [0, 1],
      [SEGMENT - 1, 2],
      [SEGMENT - 10, SEGMENT + 20],
      [SEGMENT, SEGMENT],
      [2 * SEGMENT + 5, SEGMENT + 772],
      [bytes.length - 1, 1],
      [0, bytes.length],
      [123, 2 * SEGMENT],
    ];
    for (const [start, length] of ranges) {
      const expected = bytes.subarray(start, start + length);
      assert.deepEqual(
        await readAll(await blobs.open(digest, keyed(key), start, length)),
        expected,
        `stream ${start}+${length}`,
      );
      assert.deepEqual(await readRange(blobs, digest, key, start, length), expected, `positioned ${start}+${length}`);
    }
    // One positioned read larger than the scratch buffer spans many segments.
    const big = randomBytes(40 * SEGMENT + 3);
    const bigDigest = digestOf(big);
    await blobs.put(bigDigest, big, key, header);
    assert.deepEqual(await readRange(blobs, bigDigest, key, 5, big.length - 5), big.subarray(5));
  });

  it('refuses a tampered, truncated or reordered blob instead of returning other bytes', async () => {
    const blobs = new BlobStore(driver);
    const { key, header } = generateDataKey();
    const bytes = randomBytes(2 * SEGMENT + 100);
    const digest = digestOf(bytes);
    await blobs.put(digest, bytes, key, header);
    await flip(blobPath(digest), HEADER + SEALED_SEGMENT + 7);
    assert.deepEqual(
      await readRange(blobs, digest, key, 0, 100),
      bytes.subarray(0, 100),
      'segments before the damage still read',
    );
    await assert.rejects(readRange(blobs, digest, key, SEGMENT, 10), {
      name: 'IntegrityError',
      message: /segment 1 failed authentication/,
    });
    await assert.rejects(readAll(await blobs.open(digest, keyed(key))), { name: 'IntegrityError' });
    await assert.rejects(blobs.read(digest, keyed(key)), { name: 'IntegrityError' });

    // Cut at a segment boundary: the last segment left was not sealed as the last one.
    const whole = await driver.getContent(blobPath(digest));
    const cutDigest = digestOf(bytes.subarray(0, 2 * SEGMENT));
    await driver.putContent(blobPath(cutDigest), whole.subarray(0, HEADER + 2 * SEALED_SEGMENT));
    await assert.rejects(blobs.read(cutDigest, keyed(key)), { name: 'IntegrityError' });

    // Two segments swapped: each fails under the other's index.
    const fresh = randomBytes(3 * SEGMENT);
    const swapped = digestOf(fresh);
    await blobs.put(swapped, fresh, key, header);
    const sealed = await driver.getContent(blobPath(swapped));
    const a = sealed.subarray(HEADER, HEADER + SEALED_SEGMENT);
    const b = sealed.subarray(HEADER + SEALED_SEGMENT, HEADER + 2 * SEALED_SEGMENT);
    await driver.putContent(
      blobPath(swapped),
      Buffer.concat([sealed.subarray(0, HEADER), b, a, sealed.subarray(HEADER + 2 * SEALED_SEGMENT)]),
    );
    await assert.rejects(readRange(blobs, swapped, key, 0, 10), { name: 'IntegrityError' });
  });

  it('keeps sha512 blobs under their own algorithm', async () => {
    const blobs = new BlobStore(driver);
    const { key, header } = generateDataKey();
    const bytes = Buffer.from('sha512 content');
    const digest = digestOf(bytes, 'sha512');
    await blobs.put(digest, bytes, key, header);
    assert.equal(
      (await driver.stat(`/blobs/sha512/${digest.hex.slice(0, 2)}/${digest.hex}/data`)).size,
      sealedSize(bytes.length),
    );
    assert.equal(await blobs.size(digest), bytes.length);
  });

  it('writes uploads under their id, appending across writers without re-sealing a segment, and reads a prefix', async () => {
    const blobs = new BlobStore(driver);
    const key = generateDataKey();
    const id = randomUUID();
    assert.equal(await blobs.uploadSize(id), 0, 'an upload with no bytes yet has size 0');
    await blobs.createUpload(id, key.header);
    assert.equal(await blobs.uploadSize(id), 0);
    const first = await blobs.uploadWriter(id, key.key);
    await first.write(chunks(Buffer.from('hello ')));
    await first.close();
    assert.equal(await blobs.uploadSize(id), 6);
    const second = await blobs.uploadWriter(id, key.key);
    assert.equal(second.size, 6);
    await second.write(chunks(Buffer.from('world')));
    await second.close();
    assert.equal(await blobs.uploadSize(id), 11);
    assert.equal(
      (await driver.getContent(uploadDataPath(id))).length,
      HEADER,
      'no whole segment yet: the bytes are in the sealed tail',
    );
    assert.equal((await readAll(blobs.uploadReader(id, key.key, 11))).toString(), 'hello world');
    assert.equal((await readAll(blobs.uploadReader(id, key.key, 5))).toString(), 'hello');
    assert.equal((await readAll(blobs.uploadReader(id, key.key, 0))).toString(), '');
    // Chunks that cross segment boundaries at odd places.
    const big = randomBytes(2 * SEGMENT + 10);
    const other = await upload(
      blobs,
      key,
      big.subarray(0, 1000),
      big.subarray(1000, SEGMENT),
      big.subarray(SEGMENT, SEGMENT + 1),
      big.subarray(SEGMENT + 1),
    );
    assert.equal(await blobs.uploadSize(other), big.length);
    assert.equal((await driver.getContent(uploadDataPath(other))).length, HEADER + 2 * SEALED_SEGMENT);
    assert.deepEqual(await readAll(blobs.uploadReader(other, key.key, big.length)), big);
    assert.deepEqual(await readAll(blobs.uploadReader(other, key.key, SEGMENT + 3)), big.subarray(0, SEGMENT + 3));
    for (const upload of [id, other]) {
      const stored = Buffer.concat([
        await driver.getContent(uploadDataPath(upload)),
        await driver.getContent(`${uploadDir(upload)}/tail`),
      ]);
      assert.equal(stored.indexOf(Buffer.from('hello')), -1);
      assert.equal(stored.indexOf(big.subarray(0, 32)), -1);
    }
    await blobs.deleteUpload(id);
    await assert.rejects(driver.stat(uploadDir(id)), isNotFound);
  });

  it('seals batches across chunk boundaries, seeing each new byte once, and keeps what a failing source delivered', async () => {
    const blobs = new BlobStore(driver);
    const key = generateDataKey();
    const bytes = randomBytes(3 * BATCH + 12_345);
    const id = randomUUID();
    await blobs.createUpload(id, key.header);
    const seen: Buffer[] = [];
    const engine = new InlineSealEngine(key.key.key, key.header, (fresh) => seen.push(Buffer.from(fresh)));
    // Chunks of odd sizes: some end exactly at a batch or segment boundary, some straddle one.
    const bounds = [0, 1, SEGMENT - 1, SEGMENT, BATCH - 7, BATCH];
    const parts = bounds.slice(1).map((end, i) => bytes.subarray(bounds[i]!, end));
    const first = await blobs.uploadWriter(id, key.key);
    assert.equal(await first.writeWith(chunks(...parts), engine), BATCH);
    await first.close();
    // A source that fails midway: what it delivered is kept, sealed, and counted.
    const failing = async function* () {
      yield bytes.subarray(BATCH, BATCH + 5);
      yield bytes.subarray(BATCH + 5, 2 * BATCH + 70_000);
      throw new Error('client went away');
    };
    const second = await blobs.uploadWriter(id, key.key);
    await assert.rejects(second.writeWith(failing(), engine), /client went away/);
    await second.close();
    assert.equal(await blobs.uploadSize(id), 2 * BATCH + 70_000);
    const third = await blobs.uploadWriter(id, key.key);
    assert.equal(
      await third.writeWith(chunks(bytes.subarray(2 * BATCH + 70_000)), engine),
      bytes.length - 2 * BATCH - 70_000,
    );
    await third.commit();
    assert.deepEqual(Buffer.concat(seen), bytes, 'the engine saw every byte once, in order');
    assert.equal((await driver.stat(uploadDataPath(id))).size, sealedSize(bytes.length));
    const digest = digestOf(bytes);
    await blobs.promoteUpload(id, digest);
    assert.deepEqual(await blobs.read(digest, keyed(key.key)), bytes);
  });

  it('recovers an upload whose last write was cut short: whole segments stay, the rest is resent', async () => {
    const blobs = new BlobStore(driver);
    const key = generateDataKey();
    const bytes = randomBytes(3 * SEGMENT);
    const id = await upload(blobs, key, bytes.subarray(0, 2 * SEGMENT + 5));
    assert.equal(await blobs.uploadSize(id), 2 * SEGMENT + 5);
    // A crash after part of a segment was written, before the tail file was replaced.
    const data = await driver.getContent(uploadDataPath(id));
    await driver.putContent(uploadDataPath(id), Buffer.concat([data, randomBytes(500)]));
    assert.equal(await blobs.uploadSize(id), 2 * SEGMENT + 5, 'the tail still belongs to the whole segments');
    await driver.putContent(
      uploadDataPath(id),
      Buffer.concat([data, (await driver.getContent(uploadDataPath(id))).subarray(0, 0), randomBytes(SEALED_SEGMENT)]),
    );
    assert.equal(await blobs.uploadSize(id), 3 * SEGMENT, 'a tail of fewer segments than the file is stale');
    await driver.putContent(uploadDataPath(id), Buffer.concat([data, randomBytes(500)]));
    const writer = await blobs.uploadWriter(id, key.key);
    assert.equal(writer.size, 2 * SEGMENT + 5, 'the damaged bytes are cut off and the tail kept');
    await writer.close();
    const resumed = await blobs.uploadWriter(id, key.key);
    await resumed.write(chunks(bytes.subarray(2 * SEGMENT + 5)));
    await resumed.commit();
    const digest = digestOf(bytes);
    await blobs.promoteUpload(id, digest);
    assert.deepEqual(await blobs.read(digest, keyed(key.key)), bytes);
  });

  it('seals the last segment on commit and promotes an upload with one move', async () => {
    const { driver: recorded, calls } = recording(driver);
    const blobs = new BlobStore(recorded);
    const key = generateDataKey();
    for (const size of [0, 1, SEGMENT, SEGMENT + 1, 3 * 1024 * 1024]) {
      const bytes = randomBytes(size);
      const digest = digestOf(bytes);
      const id = await upload(blobs, key, bytes);
      const writer = await blobs.uploadWriter(id, key.key);
      await writer.commit();
      calls.length = 0;
      await blobs.promoteUpload(id, digest);
      assert.deepEqual(calls, [`move ${uploadDataPath(id)} ${blobPath(digest)}`, `delete ${uploadDir(id)}`]);
      assert.equal(await blobs.size(digest), size);
      assert.deepEqual(await blobs.read(digest, keyed(key.key)), bytes, `${size} bytes`);
      await assert.rejects(driver.stat(uploadDir(id)), isNotFound);
      assert.equal(await blobs.uploadSize(id), 0);
    }
  });

  it('fails to promote a missing upload without creating the blob', async () => {
    const blobs = new BlobStore(driver);
    const digest = digestOf(Buffer.from('never uploaded'));
    await assert.rejects(blobs.promoteUpload(randomUUID(), digest), isNotFound);
    assert.equal(await blobs.size(digest), undefined);
  });

  it('deletes an upload, and deleting a missing one is fine', async () => {
    const blobs = new BlobStore(driver);
    const id = await upload(blobs, generateDataKey(), Buffer.from('abandoned'));
    await blobs.deleteUpload(id);
    await assert.rejects(driver.stat(uploadDir(id)), isNotFound);
    await blobs.deleteUpload(id);
    await blobs.deleteUpload(randomUUID());
  });

  it('passes driver failures other than a missing path through', async () => {
    const blobs = new BlobStore(driver);
    // An id that is not a valid path segment reaches the driver's path check.
    await assert.rejects(blobs.uploadSize('bad/../id'), { name: 'InvalidPathError' });
    await assert.rejects(blobs.deleteUpload('bad/../id'), { name: 'InvalidPathError' });
  });

  it('writes only sealed blobs, and never redirects, on a driver that cannot pre-sign or whose store does not encrypt', async () => {
    assert.throws(
      () => new BlobStore(driver, { redirectSeconds: 60 }),
      /pre-signed redirects need a storage driver that pre-signs URLs and encrypts at rest; filesystem does not/,
    );
    const blobs = new BlobStore(driver);
    assert.equal(blobs.writeForm({ storeEncrypted: true }), 'sealed');
    await assert.rejects(blobs.createUpload(randomUUID(), undefined), /only written in redirect deployments/);
    const { key, header } = generateDataKey();
    const bytes = randomBytes(100);
    const digest = digestOf(bytes);
    await blobs.put(digest, bytes, key, header);
    assert.deepEqual(await blobs.delivery(digest, { ...keyed(key), storeEncrypted: true }), { kind: 'stream' });
    assert.equal(await blobs.has(digest, 'sealed'), true);
    assert.equal(await blobs.has(digest, 'store-encrypted'), false);
  });
});
