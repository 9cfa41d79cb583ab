// The content-addressed blob store over a storage driver: verified blobs by digest, and the
// byte files of uploads in progress, all encrypted at rest (encryption/segments.ts) with data
// keys the caller supplies; which key wraps which blob is the registry's business (metadata).
// Linking blobs into repositories is metadata's job.
import { createSecretKey, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Digest } from '../domain/digest.js';
import { PathNotFoundError, type RandomAccessFile, type StorageDriver } from './driver.js';
import { checkKey, DecryptingFile, decryptSegments, toReadable, type DataKey } from './encryption/readers.js';
import { InlineOpenEngine, type OpenEngine } from './encryption/engines.js';
import { HEADER, newHeader, openAll, parseHeader, plainSize, sealAll, SEALED_SEGMENT, SEGMENT, segmentCount, type Header } from './encryption/segments.js';
import { createUploadFile, EncryptedUploadWriter, layoutSize, readUpload, uploadLayout, type UploadPaths } from './encryption/upload-file.js';
import { blobPath, uploadDataPath, uploadDir } from './layout.js';

export type { DataKey } from './encryption/readers.js';
export type { Header } from './encryption/segments.js';
export { IntegrityError } from './encryption/segments.js';

/** Makes the engine that opens a file's segments, given its key and header. */
export type OpenEngineFactory = (key: DataKey, header: Header) => OpenEngine;

const inlineOpening: OpenEngineFactory = (key, header) => new InlineOpenEngine(key.key, header);

/** Finds the data key of a stored file from the key id in its header. */
export type KeyResolver = (dataKeyId: string) => Promise<DataKey>;

export type UploadWriter = EncryptedUploadWriter;

/** A new random data key: the key, the header of files sealed with it, and its raw bytes (to wrap). */
export function generateDataKey(): { key: DataKey; header: Header; raw: Buffer } {
  const raw = randomBytes(32);
  const id = randomBytes(16);
  return { key: { id: id.toString('hex'), key: createSecretKey(raw) }, header: newHeader(id), raw };
}

async function readHeaderOf(driver: StorageDriver, path: string): Promise<Header> {
  const chunks: Buffer[] = [];
  for await (const chunk of await driver.reader(path, 0, HEADER)) chunks.push(chunk as Buffer);
  return parseHeader(Buffer.concat(chunks));
}

function uploadPaths(id: string): UploadPaths {
  return { data: uploadDataPath(id), tail: `${uploadDir(id)}/tail`, repair: `${uploadDir(id)}/repair` };
}

export class BlobStore {
  constructor(readonly driver: StorageDriver) {}

  /** Plaintext size of a stored blob, or undefined when it is not stored. */
  async size(digest: Digest): Promise<number | undefined> {
    try {
      return plainSize((await this.driver.stat(blobPath(digest))).size);
    } catch (err) {
      if (err instanceof PathNotFoundError) return undefined;
      throw err;
    }
  }

  /** The id of the data key a stored blob is sealed with, or undefined when it is not stored. */
  async dataKeyId(digest: Digest): Promise<string | undefined> {
    try {
      return (await readHeaderOf(this.driver, blobPath(digest))).dataKeyId;
    } catch (err) {
      if (err instanceof PathNotFoundError) return undefined;
      throw err;
    }
  }

  /** Streams plaintext `length` bytes (all, when omitted) from `offset`, decrypting only the segments needed. */
  async open(digest: Digest, resolve: KeyResolver, offset = 0, length?: number): Promise<Readable> {
    const path = blobPath(digest);
    const stored = (await this.driver.stat(path)).size;
    const size = plainSize(stored);
    const header = await readHeaderOf(this.driver, path);
    const key = await resolve(header.dataKeyId);
    checkKey(header, key);
    const end = Math.min(size, offset + (length ?? size));
    if (end <= offset) return toReadable((async function* () {})());
    const first = Math.floor(offset / SEGMENT);
    const last = Math.floor((end - 1) / SEGMENT);
    const from = HEADER + first * SEALED_SEGMENT;
    const source = await this.driver.reader(path, from, Math.min(stored - from, (last - first + 1) * SEALED_SEGMENT));
    const count = segmentCount(size);
    return toReadable(decryptSegments(source, header, key.key, first, offset - first * SEGMENT, end - offset, (i) => i === count - 1));
  }

  /**
   * Positioned plaintext reads of a blob, when the driver offers positioned reads; undefined
   * otherwise (use `open`). `engine` says where segments are opened (this thread by default).
   */
  async openRandomAccess(digest: Digest, resolve: KeyResolver, engine: OpenEngineFactory = inlineOpening): Promise<RandomAccessFile | undefined> {
    if (!this.driver.openRandomAccess) return undefined;
    const file = await this.driver.openRandomAccess(blobPath(digest));
    try {
      const size = plainSize(file.size);
      const head = Buffer.alloc(HEADER);
      if ((await file.read(head, 0)) < HEADER) parseHeader(Buffer.alloc(0));
      const header = parseHeader(head);
      const key = await resolve(header.dataKeyId);
      checkKey(header, key);
      return new DecryptingFile(file, engine(key, header), size);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  async read(digest: Digest, resolve: KeyResolver): Promise<Buffer> {
    const stored = await this.driver.getContent(blobPath(digest));
    const key = await resolve(parseHeader(stored).dataKeyId);
    checkKey(parseHeader(stored), key);
    return openAll(key.key, stored);
  }

  /** Stores bytes the caller has already verified against `digest`, sealed with `key`. */
  put(digest: Digest, bytes: Uint8Array, key: DataKey, header: Header): Promise<void> {
    checkKey(header, key);
    return this.driver.putContent(blobPath(digest), sealAll(key.key, header, bytes));
  }

  /** Starts an upload's (encrypted, empty) byte file. */
  createUpload(id: string, header: Header): Promise<void> {
    return createUploadFile(this.driver, uploadPaths(id), header);
  }

  /** A writer appending plaintext to an upload (sealed with `key`). */
  uploadWriter(id: string, key: DataKey): Promise<UploadWriter> {
    return EncryptedUploadWriter.open(this.driver, uploadPaths(id), key);
  }

  /** Plaintext bytes of an upload so far (0 when nothing was written yet). */
  async uploadSize(id: string): Promise<number> {
    return layoutSize(await uploadLayout(this.driver, uploadPaths(id)));
  }

  /** The first `length` plaintext bytes of an upload. */
  uploadReader(id: string, key: DataKey, length: number): AsyncIterable<Buffer> {
    return readUpload(this.driver, uploadPaths(id), key, length);
  }

  /** Makes a verified, sealed upload the blob `digest`: one atomic move, then the upload is gone. */
  async promoteUpload(id: string, digest: Digest): Promise<void> {
    await this.driver.move(uploadDataPath(id), blobPath(digest));
    await this.deleteUpload(id);
  }

  async deleteUpload(id: string): Promise<void> {
    try {
      await this.driver.delete(uploadDir(id));
    } catch (err) {
      if (!(err instanceof PathNotFoundError)) throw err;
    }
  }
}
