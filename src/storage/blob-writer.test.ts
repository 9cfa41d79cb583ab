// The blob writer of an upload, sealed or plain alike: chunks written by successive writers (as
// successive requests) hash to the blob's digest, whether the running hash was kept between them
// or rebuilt from the stored bytes; a digest of another algorithm is computed from storage; a
// wrong digest is refused with the actual one; a sealed upload commits to a readable blob; and a
// sealed upload's later requests redo none of the first one's setup (header, sealer).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { parseDigest, type Digest } from '../domain/digest.js';
import { scratchDirs } from '../testing/server.js';
import { BlobStore, generateDataKey, type DataKey } from './blob-store.js';
import { BlobWriters } from './blob-writer.js';
import { HEADER } from './encryption/segments.js';
import { FsDriver } from './fs-driver.js';
import { uploadStoreEncryptedPath } from './layout.js';
import { segmentWorker } from './worker-engines.js';

function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): Digest {
  return parseDigest(`${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`);
}

async function* chunks(bytes: Uint8Array, size = 100_003): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('blob writer', () => {
  const dirs = scratchDirs();
  after(() => dirs.remove());

  /** A new upload, sealed (with a data key) or plain (store-encrypted bytes, made directly here). */
  async function upload(form: 'sealed' | 'plain') {
    const driver = new FsDriver(dirs.make('writer-'));
    const blobs = new BlobStore(driver);
    const id = randomUUID();
    let key: DataKey | undefined;
    if (form === 'sealed') {
      const fresh = generateDataKey();
      key = fresh.key;
      await blobs.createUpload(id, fresh.header);
    } else await driver.putContent(uploadStoreEncryptedPath(id), Buffer.alloc(0));
    return { blobs, id, key };
  }

  for (const form of ['sealed', 'plain'] as const) {
    for (const kept of [true, false]) {
      it(`${form}: two requests' chunks verify (running hash ${kept ? 'kept' : 'rebuilt'})`, async () => {
        const { blobs, id, key } = await upload(form);
        const writers = new BlobWriters(blobs);
        const bytes = randomBytes(3 * 1024 * 1024 + 17);
        const first = await writers.open(id, key);
        await first.write(chunks(bytes.subarray(0, 1_500_000)));
        await first.close();
        if (!kept) writers.forget(id);
        const second = await writers.open(id, key);
        assert.equal(second.size, 1_500_000);
        try {
          await second.write(chunks(bytes.subarray(1_500_000)));
          assert.deepEqual(await second.commit(digestOf(bytes)), { verified: true, size: bytes.length });
        } finally {
          await second.close();
        }
        if (form === 'sealed') {
          assert.equal(await blobs.uploadSize(id), bytes.length);
          await blobs.promoteUpload(id, digestOf(bytes));
          const stored = await blobs.read(digestOf(bytes), { storeEncrypted: false, resolve: async () => key! });
          assert.ok(stored.equals(bytes));
        }
      });
    }

    it(`${form}: another algorithm is hashed from storage; a wrong digest is refused with the actual one`, async () => {
      const { blobs, id, key } = await upload(form);
      const writers = new BlobWriters(blobs);
      const bytes = randomBytes(200_000);
      const writer = await writers.open(id, key);
      await writer.write(chunks(bytes));
      assert.deepEqual(await writer.commit(digestOf(bytes, 'sha512')), { verified: true, size: bytes.length });
      await writer.close();

      const other = await upload(form);
      const wrong = await new BlobWriters(other.blobs).open(other.id, other.key);
      await wrong.write(chunks(bytes));
      const claimed = digestOf(randomBytes(10));
      assert.deepEqual(await wrong.commit(claimed), { verified: false, actual: digestOf(bytes).value });
      await wrong.close();
    });
  }

  it('plain: small chunks reach the file in whole 1 MiB batches, hashed from the same memory', async () => {
    const driver = new FsDriver(dirs.make('writer-'));
    const writes: number[] = [];
    const writer = driver.writer.bind(driver);
    driver.writer = async (path, append) => {
      const file = await writer(path, append);
      const write = file.write.bind(file);
      file.write = (source, release) =>
        write(
          (async function* () {
            for await (const chunk of source) {
              writes.push(chunk.length);
              yield chunk;
            }
          })(),
          release,
        );
      return file;
    };
    const blobs = new BlobStore(driver);
    const id = randomUUID();
    await driver.putContent(uploadStoreEncryptedPath(id), Buffer.alloc(0));
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const upload = await new BlobWriters(blobs).open(id, undefined);
    await upload.write(chunks(bytes, 4096));
    assert.deepEqual(writes, [1 << 20, 1 << 20, 1 << 20, 17]);
    assert.deepEqual(await upload.commit(digestOf(bytes)), { verified: true, size: bytes.length });
    await upload.close();
    assert.ok((await driver.getContent(uploadStoreEncryptedPath(id))).equals(bytes));
  });

  it('sealed: a request after the first reads no header back and sends the worker no new sealer', async () => {
    const driver = new FsDriver(dirs.make('writer-'));
    const headerReads: string[] = [];
    const reader = driver.reader.bind(driver);
    driver.reader = (path, offset, length) => {
      if (offset === 0 && length === HEADER) headerReads.push(path);
      return reader(path, offset, length);
    };
    const worker = segmentWorker();
    const sealers: number[] = [];
    const sealWith = worker.sealWith.bind(worker);
    worker.sealWith = (id, params) => {
      sealers.push(id);
      sealWith(id, params);
    };
    const blobs = new BlobStore(driver);
    const id = randomUUID();
    const { key, header } = generateDataKey();
    await blobs.createUpload(id, header);
    const writers = new BlobWriters(blobs, worker);
    const bytes = randomBytes(5 * 1024 * 1024 + 5);
    for (let at = 0; at < bytes.length; at += 1024 * 1024) {
      const request = await writers.open(id, key);
      await request.write(chunks(bytes.subarray(at, at + 1024 * 1024)));
      await request.close();
    }
    assert.deepEqual(headerReads, [], 'the header written at the start is the one every request seals under');
    assert.equal(sealers.length, 1, 'the running hash kept between requests keeps its sealer at the worker');
    const last = await writers.open(id, key);
    assert.deepEqual(await last.commit(digestOf(bytes)), { verified: true, size: bytes.length });
    await last.close();
    await blobs.promoteUpload(id, digestOf(bytes));
    const stored = await blobs.read(digestOf(bytes), { storeEncrypted: false, resolve: async () => key });
    assert.ok(stored.equals(bytes));
  });

  for (const form of ['sealed', 'plain'] as const)
    it(`${form}: a failed write drops the running hash: the next writer rebuilds it from what was stored`, async () => {
      const { blobs, id, key } = await upload(form);
      const writers = new BlobWriters(blobs);
      const bytes = randomBytes(700_000);
      const failing = await writers.open(id, key);
      await assert.rejects(
        failing.write(
          (async function* () {
            yield bytes.subarray(0, 300_000);
            throw new Error('the client went away');
          })(),
        ),
        /went away/,
      );
      await failing.close();
      const next = await writers.open(id, key);
      const stored = next.size;
      // What the failed source delivered is kept (a sealed upload's tail included).
      assert.equal(stored, 300_000);
      await next.write(chunks(bytes.subarray(stored)));
      assert.deepEqual(await next.commit(digestOf(bytes)), { verified: true, size: bytes.length });
      await next.close();
    });
});
