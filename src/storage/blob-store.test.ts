// The blob store over a real file-system driver: where it puts things (layout.ts), and which
// driver operations it uses (promotion must be one move, never a copy through memory).
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { parseDigest, type Digest } from '../domain/digest.js';
import { tempDir } from '../testing/server.js';
import { BlobStore } from './blob-store.js';
import { PathNotFoundError, type StorageDriver } from './driver.js';
import { FsDriver } from './fs-driver.js';
import { blobPath, BLOBS_ROOT, uploadDataPath, uploadDir, UPLOADS_ROOT } from './layout.js';

function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): Digest {
  return parseDigest(`${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`);
}

async function readAll(stream: Readable): Promise<Buffer> {
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
    assert.equal(uploadDataPath('3f1c2b7e-0000-4000-8000-000000000000'), '/uploads/3f1c2b7e-0000-4000-8000-000000000000/data');
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

  it('puts a blob at its layout path and reads it back whole and by range', async () => {
    const blobs = new BlobStore(driver);
    const bytes = randomBytes(10_000);
    const digest = digestOf(bytes);
    assert.equal(await blobs.size(digest), undefined);
    await assert.rejects(blobs.read(digest), isNotFound);
    await assert.rejects(blobs.open(digest), isNotFound);
    await blobs.put(digest, bytes);
    assert.deepEqual(await driver.getContent(blobPath(digest)), bytes);
    assert.equal(await blobs.size(digest), bytes.length);
    assert.deepEqual(await blobs.read(digest), bytes);
    assert.deepEqual(await readAll(await blobs.open(digest)), bytes);
    assert.deepEqual(await readAll(await blobs.open(digest, 100, 50)), bytes.subarray(100, 150));
    assert.deepEqual(await readAll(await blobs.open(digest, 9_990)), bytes.subarray(9_990));
  });

  it('keeps sha512 blobs under their own algorithm', async () => {
    const blobs = new BlobStore(driver);
    const bytes = Buffer.from('sha512 content');
    const digest = digestOf(bytes, 'sha512');
    await blobs.put(digest, bytes);
    assert.deepEqual(await driver.getContent(`/blobs/sha512/${digest.hex.slice(0, 2)}/${digest.hex}/data`), bytes);
    assert.equal(await blobs.size(digest), bytes.length);
  });

  it('writes uploads under their id, appending across writers, and reads a prefix', async () => {
    const blobs = new BlobStore(driver);
    const id = randomUUID();
    assert.equal(await blobs.uploadSize(id), 0, 'an upload with no bytes yet has size 0');
    const first = await blobs.uploadWriter(id, false);
    await first.write(chunks(Buffer.from('hello ')));
    await first.close();
    assert.equal(await blobs.uploadSize(id), 6);
    const second = await blobs.uploadWriter(id, true);
    assert.equal(second.size, 6);
    await second.write(chunks(Buffer.from('world')));
    await second.close();
    assert.equal(await blobs.uploadSize(id), 11);
    assert.equal((await driver.getContent(uploadDataPath(id))).toString(), 'hello world');
    assert.equal((await readAll(await blobs.uploadReader(id))).toString(), 'hello world');
    assert.equal((await readAll(await blobs.uploadReader(id, 5))).toString(), 'hello');
    assert.equal((await readAll(await blobs.uploadReader(id, 0))).toString(), '');
    await blobs.deleteUpload(id);
    await assert.rejects(driver.stat(uploadDir(id)), isNotFound);
  });

  it('promotes an upload with one move and removes the upload', async () => {
    const { driver: recorded, calls } = recording(driver);
    const blobs = new BlobStore(recorded);
    const id = randomUUID();
    const bytes = randomBytes(3 * 1024 * 1024);
    const digest = digestOf(bytes);
    const writer = await blobs.uploadWriter(id, false);
    await writer.write(chunks(bytes));
    await writer.commit();
    calls.length = 0;
    await blobs.promoteUpload(id, digest);
    assert.deepEqual(calls, [`move ${uploadDataPath(id)} ${blobPath(digest)}`, `delete ${uploadDir(id)}`]);
    assert.deepEqual(await driver.getContent(blobPath(digest)), bytes);
    await assert.rejects(driver.stat(uploadDir(id)), isNotFound);
    assert.equal(await blobs.uploadSize(id), 0);
  });

  it('fails to promote a missing upload without creating the blob', async () => {
    const blobs = new BlobStore(driver);
    const digest = digestOf(Buffer.from('never uploaded'));
    await assert.rejects(blobs.promoteUpload(randomUUID(), digest), isNotFound);
    assert.equal(await blobs.size(digest), undefined);
  });

  it('deletes an upload, and deleting a missing one is fine', async () => {
    const blobs = new BlobStore(driver);
    const id = randomUUID();
    const writer = await blobs.uploadWriter(id, false);
    await writer.write(chunks(Buffer.from('abandoned')));
    await writer.close();
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
});
