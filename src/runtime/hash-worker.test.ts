// Off-thread hashing gives exactly the digests node:crypto gives, for many hashes fed at once in
// odd-sized chunks, and dropped hashes do not disturb the others; off-thread sealing and opening
// give exactly what the inline engines give.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { parseDigest } from '../domain/digest.js';
import { BlobStore, generateDataKey } from '../storage/blob-store.js';
import { BATCH, type SealEngine } from '../storage/encryption/engines.js';
import { HEADER, SEALED_SEGMENT, SEGMENT } from '../storage/encryption/segments.js';
import { FsDriver } from '../storage/fs-driver.js';
import { blobPath, uploadDataPath } from '../storage/layout.js';
import { scratchDirs } from '../testing/server.js';
import { segmentWorker, workerOpening, workerSealing } from '../storage/worker-engines.js';
import type { RunningHash } from './hash-worker.js';

it('matches node:crypto for interleaved hashes, odd chunk sizes, sha512 and empty input', async () => {
  const worker = segmentWorker();
  const inputs = Array.from({ length: 12 }, (_, i) =>
    randomBytes(i === 0 ? 0 : 1 + Math.floor(Math.random() * 5_000_000)),
  );
  const results = await Promise.all(
    inputs.map(async (bytes, i) => {
      const algorithm = i % 3 === 0 ? 'sha512' : 'sha256';
      const hash = worker.create(algorithm);
      const dropped = worker.create('sha256');
      for (let offset = 0; offset < bytes.length; ) {
        const size = 1 + Math.floor(Math.random() * 300_000);
        await hash.update(bytes.subarray(offset, offset + size));
        await dropped.update(bytes.subarray(offset, offset + size));
        offset += size;
      }
      dropped.drop();
      return { algorithm, hex: await hash.digest() };
    }),
  );
  for (const [i, { algorithm, hex }] of results.entries()) {
    assert.equal(hex, createHash(algorithm).update(inputs[i]!).digest('hex'), `input ${i}`);
  }
});

it('refuses to feed a finished hash', async () => {
  const hash = segmentWorker().create('sha256');
  await hash.digest();
  await assert.rejects(hash.update(Buffer.from('late')), /finished/);
});

describe('sealing and opening on the worker', () => {
  const dirs = scratchDirs();
  after(() => dirs.remove());

  it('seals an upload byte for byte as the inline engine does, hashing bytes fed before and during', async () => {
    const worker = segmentWorker();
    const blobs = new BlobStore(new FsDriver(dirs.make('seal-')));
    const key = generateDataKey();
    const bytes = randomBytes(3 * BATCH + 777);
    const sealedBy = async (engine: (hash: RunningHash | undefined) => SealEngine | undefined, hash?: RunningHash) => {
      const id = randomUUID();
      await blobs.createUpload(id, key.header);
      // Two writers, as two PATCHes: the second starts with the first's tail.
      for (const [from, to] of [
        [0, BATCH + 100],
        [BATCH + 100, bytes.length],
      ] as const) {
        const writer = await blobs.uploadWriter(id, key.key);
        const parts = [];
        for (let at = from; at < to; at += 300_001) parts.push(bytes.subarray(at, Math.min(to, at + 300_001)));
        const sealing = engine(hash);
        await (sealing ? writer.writeWith(chunks(parts), sealing) : writer.write(chunks(parts)));
        if (to === bytes.length) await writer.commit();
        else await writer.close();
      }
      return blobs.driver.getContent(uploadDataPath(id));
    };
    const inline = await sealedBy(() => undefined);
    // Bytes fed through update() before the engine's first batch go to the hash first.
    const hash = worker.create('sha256');
    await hash.update(Buffer.from('prefix'));
    const onWorker = await sealedBy((h) => workerSealing(h!, key.key, key.header), hash);
    assert.ok(onWorker.equals(inline), 'the same sealed file');
    assert.equal(await hash.digest(), createHash('sha256').update('prefix').update(bytes).digest('hex'));
  });

  it('opens ranges of a blob as the inline engine does, and refuses a tampered segment', async () => {
    const worker = segmentWorker();
    const driver = new FsDriver(dirs.make('open-'));
    const blobs = new BlobStore(driver);
    const { key, header } = generateDataKey();
    const bytes = randomBytes(2 * BATCH + 3 * SEGMENT + 11);
    const digest = parseDigest(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    await blobs.put(digest, bytes, key, header);
    const opening = workerOpening(worker);
    const file = (await blobs.openRandomAccess(digest, { storeEncrypted: false, resolve: async () => key }, opening))!;
    try {
      for (const [start, length] of [
        [0, bytes.length],
        [SEGMENT - 1, 2],
        [BATCH - 5, BATCH + 10],
        [bytes.length - 1, 1],
        [7, 3 * BATCH],
      ] as const) {
        const out = Buffer.alloc(Math.min(length, bytes.length - start));
        let done = 0;
        while (done < out.length) done += await file.read(out.subarray(done), start + done);
        assert.ok(out.equals(bytes.subarray(start, start + out.length)), `${start}+${length}`);
      }
    } finally {
      await file.close();
    }
    const stored = await driver.getContent(blobPath(digest));
    stored[HEADER + SEALED_SEGMENT * 20 + 3]! ^= 1;
    await driver.putContent(blobPath(digest), stored);
    const damaged = (await blobs.openRandomAccess(
      digest,
      { storeEncrypted: false, resolve: async () => key },
      opening,
    ))!;
    try {
      assert.equal(await damaged.read(Buffer.alloc(100), 0), 100, 'segments before the damage still read');
      await assert.rejects(damaged.read(Buffer.alloc(100), 20 * SEGMENT), {
        name: 'IntegrityError',
        message: /segment 20 failed authentication/,
      });
    } finally {
      await damaged.close();
    }
  });
});

describe('reading ahead', () => {
  const dirs = scratchDirs();
  after(() => dirs.remove());

  /** A sealed blob of `size` random bytes, and how to open it on `engine`. */
  async function storedBlob(engine: 'worker' | 'inline', size: number) {
    const worker = segmentWorker();
    const driver = new FsDriver(dirs.make('ahead-'));
    const blobs = new BlobStore(driver);
    const { key, header } = generateDataKey();
    const bytes = randomBytes(size);
    const digest = parseDigest(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    await blobs.put(digest, bytes, key, header);
    const access = { storeEncrypted: false, resolve: async () => key };
    const opening = engine === 'worker' ? workerOpening(worker) : undefined;
    return { driver, blobs, bytes, digest, access, opening };
  }

  for (const engine of ['worker', 'inline'] as const) {
    it(`reads a blob through in odd-sized sequential reads, with jumps, on the ${engine} engine; damage ahead fails only the read that reaches it`, async () => {
      const { driver, blobs, bytes, digest, access, opening } = await storedBlob(engine, 5 * BATCH + 333);
      const file = (await blobs.openRandomAccess(digest, access, opening))!;
      try {
        // Sequential reads of changing sizes, a jump back, a jump forward, then sequential again.
        const reads: [number, number][] = [
          [0, BATCH],
          [BATCH, BATCH],
          [2 * BATCH, 100_000],
          [2 * BATCH + 100_000, 3 * SEGMENT + 7],
          [10, 20],
          [4 * BATCH - 1, BATCH],
          [5 * BATCH - 1, BATCH],
        ];
        for (const [start, length] of reads) {
          const out = Buffer.alloc(Math.min(length, bytes.length - start));
          assert.equal(await file.read(out, start), out.length, `${start}+${length}`);
          assert.ok(out.equals(bytes.subarray(start, start + out.length)), `${start}+${length}`);
        }
      } finally {
        await file.close();
      }
      const stored = await driver.getContent(blobPath(digest));
      stored[HEADER + SEALED_SEGMENT * (BATCH / SEGMENT + 3) + 5]! ^= 1;
      await driver.putContent(blobPath(digest), stored);
      const damaged = (await blobs.openRandomAccess(digest, access, opening))!;
      try {
        const out = Buffer.alloc(BATCH);
        assert.equal(
          await damaged.read(out, 0),
          BATCH,
          'the batch before the damage reads while the damaged one is read ahead',
        );
        assert.ok(out.equals(bytes.subarray(0, BATCH)));
        await assert.rejects(damaged.read(out, BATCH), {
          name: 'IntegrityError',
          message: new RegExp(`segment ${BATCH / SEGMENT + 3} failed authentication`),
        });
      } finally {
        await damaged.close();
      }
      // Damage read ahead but never read: the reads before it and the close go through.
      const once = (await blobs.openRandomAccess(digest, access, opening))!;
      assert.equal(await once.read(Buffer.alloc(BATCH), 0), BATCH);
      await once.close();
    });

    it(`opens batches ahead of a sequential reader, more as the run goes on, and only what a jump reads, on the ${engine} engine`, async () => {
      const { driver, bytes, digest, access, opening } = await storedBlob(engine, 10 * BATCH);
      // The first segment of each batch read from storage, in the order the reads start.
      const opened: number[] = [];
      const blobs = watchedStore(driver, (position) => {
        if (position >= HEADER && (position - HEADER) % SEALED_SEGMENT === 0)
          opened.push((position - HEADER) / SEALED_SEGMENT);
      });
      const file = (await blobs.openRandomAccess(digest, access, opening))!;
      const batches = (...indexes: number[]) => indexes.map((i) => i * (BATCH / SEGMENT));
      try {
        const out = Buffer.alloc(BATCH);
        const expected = [batches(0), batches(0, 1, 2), batches(0, 1, 2, 3, 4), batches(0, 1, 2, 3, 4, 5, 6)];
        for (const [n, want] of expected.entries()) {
          assert.equal(await file.read(out, n * BATCH), BATCH);
          assert.ok(out.equals(bytes.subarray(n * BATCH, (n + 1) * BATCH)), `read ${n}`);
          assert.deepEqual(opened, want, `after read ${n}: none ahead of the first read, then one, two, three`);
        }
        // A jump: what is ahead is dropped, one segment is opened for 100 bytes, and nothing ahead.
        opened.length = 0;
        const small = Buffer.alloc(100);
        assert.equal(await file.read(small, 9 * BATCH + 5), 100);
        assert.ok(small.equals(bytes.subarray(9 * BATCH + 5, 9 * BATCH + 105)));
        assert.deepEqual(opened, batches(9));
        // The next 100 bytes come from the same segment; the reader is sequential again, so the
        // segment after it (as much as a read of 100 bytes touches) is read ahead.
        assert.equal(await file.read(small, 9 * BATCH + 105), 100);
        assert.ok(small.equals(bytes.subarray(9 * BATCH + 105, 9 * BATCH + 205)));
        assert.deepEqual(opened, [...batches(9), batches(9)[0]! + 1]);
      } finally {
        await file.close();
      }
    });

    it(`bounds the batches all readers open ahead together, on the ${engine} engine`, async () => {
      const { driver, bytes, digest, access, opening } = await storedBlob(engine, 10 * BATCH);
      let opened = 0;
      const blobs = watchedStore(driver, (position) => {
        if (position >= HEADER) opened++;
      });
      const readers = 10;
      const files = await Promise.all(
        Array.from({ length: readers }, async () => (await blobs.openRandomAccess(digest, access, opening))!),
      );
      try {
        const out = Buffer.alloc(BATCH);
        for (let n = 0; n < 4; n++) {
          for (const file of files) {
            assert.equal(await file.read(out, n * BATCH), BATCH);
            assert.ok(out.equals(bytes.subarray(n * BATCH, (n + 1) * BATCH)));
          }
        }
        // Alone, each reader would have read 7 batches: the 4 it read and 3 ahead. Together they
        // hold at most 16 ahead at once past the first ahead of each, so of the 6th and 7th
        // batches, which only the last round opens ahead, at most 16 are read.
        assert.ok(opened <= readers * 5 + 16, `${opened} batches read`);
        assert.ok(opened >= readers * 5, `${opened} batches read: each reader still has one ahead`);
      } finally {
        await Promise.all(files.map((file) => file.close()));
      }
    });

    it(`lends views of its plaintext that stay intact until given back, on the ${engine} engine`, async () => {
      const { bytes, digest, access, blobs, opening } = await storedBlob(engine, 8 * BATCH + 77);
      const file = (await blobs.openRandomAccess(digest, access, opening))!;
      try {
        const held: { bytes: Uint8Array; done(): void; at: number }[] = [];
        // Lend the whole blob a batch at a time, giving back nothing: every view must stay intact
        // while later batches are opened (none may reuse a batch still lent).
        for (let at = 0; at < bytes.length; ) {
          const lent = await file.lend!(at, BATCH);
          assert.ok(lent.bytes.length > 0 && lent.bytes.length <= BATCH);
          held.push({ ...lent, at });
          at += lent.bytes.length;
        }
        for (const view of held)
          assert.ok(
            Buffer.from(view.bytes).equals(bytes.subarray(view.at, view.at + view.bytes.length)),
            `view at ${view.at}`,
          );
        for (const view of held) view.done();
        held[0]!.done(); // a second done changes nothing
        // Given back, batches are reused, and what is lent now is still right. A jump opens what
        // the lend asks for (the 17 segments under BATCH bytes from inside one); a lend goes only
        // as far as the batch it starts in.
        const mid = await file.lend!(BATCH + 100, BATCH);
        assert.ok(Buffer.from(mid.bytes).equals(bytes.subarray(BATCH + 100, 2 * BATCH + 100)));
        mid.done();
        const rest = await file.lend!(2 * BATCH + 100, BATCH);
        assert.ok(
          Buffer.from(rest.bytes).equals(bytes.subarray(2 * BATCH + 100, 2 * BATCH + SEGMENT)),
          'the rest of the 17th segment',
        );
        const next = await file.lend!(2 * BATCH + SEGMENT, BATCH);
        assert.ok(Buffer.from(next.bytes).equals(bytes.subarray(2 * BATCH + SEGMENT, 3 * BATCH + SEGMENT)));
        rest.done();
        next.done();
        assert.equal((await file.lend!(bytes.length, BATCH)).bytes.length, 0, 'nothing past the end');
      } finally {
        await file.close();
      }
    });

    it(`streams a blob (as from a store without positioned reads) a batch at a time on the ${engine} engine`, async () => {
      const { driver, blobs, bytes, digest, access, opening } = await storedBlob(engine, 4 * BATCH + 4321);
      for (const [start, length] of [
        [0, bytes.length],
        [BATCH - 3, BATCH + 10],
        [SEGMENT + 1, 3 * BATCH],
        [4 * BATCH, 4321],
        [bytes.length - 1, 1],
      ] as const) {
        const parts: Buffer[] = [];
        for await (const part of await blobs.open(digest, access, start, length, opening)) parts.push(part as Buffer);
        assert.ok(Buffer.concat(parts).equals(bytes.subarray(start, start + length)), `${start}+${length}`);
      }
      // A reader that stops after the first part leaves nothing behind to fail later.
      const stopped = await blobs.open(digest, access, 0, undefined, opening);
      for await (const part of stopped) {
        assert.ok((part as Buffer).equals(bytes.subarray(0, (part as Buffer).length)));
        break;
      }
      const stored = await driver.getContent(blobPath(digest));
      stored[HEADER + SEALED_SEGMENT * ((2 * BATCH) / SEGMENT + 1) + 9]! ^= 1;
      await driver.putContent(blobPath(digest), stored);
      const parts: Buffer[] = [];
      await assert.rejects(
        async () => {
          for await (const part of await blobs.open(digest, access, 0, undefined, opening)) parts.push(part as Buffer);
        },
        { name: 'IntegrityError', message: new RegExp(`segment ${(2 * BATCH) / SEGMENT + 1} failed authentication`) },
      );
      assert.ok(
        Buffer.concat(parts).equals(bytes.subarray(0, Buffer.concat(parts).length)) &&
          Buffer.concat(parts).length <= 2 * BATCH,
        'only bytes before the damage came out',
      );
    });
  }
});

/** A blob store over `driver` whose positioned reads are shown to `onRead` (their position) first. */
function watchedStore(driver: FsDriver, onRead: (position: number) => void): BlobStore {
  const watched = Object.create(driver) as FsDriver;
  watched.openRandomAccess = async (path) => {
    const file = await driver.openRandomAccess(path);
    return {
      size: file.size,
      read: (buffer, position) => {
        onRead(position);
        return file.read(buffer, position);
      },
      close: () => file.close(),
    };
  };
  return new BlobStore(watched);
}

async function* chunks(parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts;
}
