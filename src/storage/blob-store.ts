// The content-addressed blob store over a storage driver: verified blobs by digest, and the
// byte files of uploads in progress, all encrypted at rest. A blob is stored in one or both of two
// forms (layout.ts): sealed by Berth (encryption/segments.ts) with data keys the caller supplies,
// or, in redirect deployments, store-encrypted: plain bytes the object store encrypts (SSE), which
// a reader that accepts the store's encryption gets as a pre-signed URL. Which key wraps which
// blob, and which repository accepts which form, is the registry's business.
import { untouchedUploads } from './upload-scan.js';
import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Digest } from '../domain/digest.js';
import {
  PathNotFoundError,
  type FileWriter,
  type RandomAccessFile,
  type StorageClass,
  type StorageDriver,
} from './driver.js';
import { checkKey, DecryptingFile, openSegments, toReadable, type DataKey } from './encryption/readers.js';
import { InlineOpenEngine, type OpenEngine } from './encryption/engines.js';
import {
  HEADER,
  newHeader,
  openAll,
  parseHeader,
  plainSize,
  sealAll,
  SEALED_SEGMENT,
  SEGMENT,
  segmentCount,
  type Header,
} from './encryption/segments.js';
import {
  createUploadFile,
  EncryptedUploadWriter,
  layoutSize,
  readUpload,
  uploadLayout,
  type UploadPaths,
} from './encryption/upload-file.js';
import { blobPath, storeEncryptedBlobPath, uploadDataPath, uploadDir, uploadStoreEncryptedPath } from './layout.js';

export type { DataKey } from './encryption/readers.js';
export type { Header } from './encryption/segments.js';
export { IntegrityError } from './encryption/segments.js';

/** Makes the engine that opens a file's segments, given its key and header. */
export type OpenEngineFactory = (key: DataKey, header: Header) => OpenEngine;

const inlineOpening: OpenEngineFactory = (key, header) => new InlineOpenEngine(key.key, header);

/** Finds the data key of a stored file from the key id in its header. */
export type KeyResolver = (dataKeyId: string) => Promise<DataKey>;

/** Appends plaintext to an upload (sealing it, for a sealed upload); blob-writer.ts hashes and verifies what it writes. */
export type UploadWriter = FileWriter;

export type StoredForm = 'sealed' | 'store-encrypted';

/**
 * How one reader (a repository) may read blobs: the keys of the sealed form, and whether the
 * object store's encryption is protection enough for it (then it may read the store-encrypted form).
 */
export interface BlobAccess {
  resolve: KeyResolver;
  storeEncrypted: boolean;
}

export interface BlobStoreOptions {
  /**
   * Redirect deployments: new blobs of readers that accept it are written store-encrypted, and
   * those readers get pre-signed URLs valid this many seconds. Needs a driver that pre-signs
   * and whose store encrypts at rest.
   */
  redirectSeconds?: number;
  /**
   * Storage-managed encryption without redirects (a file system on an encrypted volume): new
   * blobs of readers that accept it are written store-encrypted and streamed through Berth as
   * plain bytes, with no per-byte work. Needs a driver whose store encrypts at rest.
   */
  storeEncrypted?: boolean;
}

/** How a reader gets a blob's bytes: from a pre-signed URL of the store, or through Berth. */
export type Delivery = { kind: 'redirect'; url: string; expiresAt: number } | { kind: 'stream' };

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
  constructor(
    readonly driver: StorageDriver,
    private readonly options: BlobStoreOptions = {},
  ) {
    if (options.redirectSeconds !== undefined && !(driver.presignedGet && driver.encryptsAtRest)) {
      throw new Error(
        `pre-signed redirects need a storage driver that pre-signs URLs and encrypts at rest; ${driver.name} does not`,
      );
    }
    if (options.storeEncrypted && !driver.encryptsAtRest)
      throw new Error(
        `storage-managed encryption needs a storage driver that encrypts at rest; ${driver.name} does not`,
      );
  }

  /** Whether blobs are written store-encrypted for readers that accept it (a redirect deployment, or an encrypted volume). */
  get writesStoreEncrypted(): boolean {
    return this.options.redirectSeconds !== undefined || this.options.storeEncrypted === true;
  }

  /** The form new blobs of a reader with `access` are written in. */
  writeForm(access: Pick<BlobAccess, 'storeEncrypted'>): StoredForm {
    return this.writesStoreEncrypted && access.storeEncrypted ? 'store-encrypted' : 'sealed';
  }

  /**
   * Forms a reader may read through Berth, in the order tried. Sealed first: manifests are only
   * ever sealed, and a store-encrypted blob is read through Berth only when it is not redirected.
   */
  private forms(access: BlobAccess): StoredForm[] {
    return access.storeEncrypted ? ['sealed', 'store-encrypted'] : ['sealed'];
  }

  /** The first of `forms` that is stored, as `attempt` opens it (a missing file fails with PathNotFoundError). */
  private async first<T>(digest: Digest, forms: StoredForm[], attempt: (form: StoredForm) => Promise<T>): Promise<T> {
    let missing: unknown = new PathNotFoundError(blobPath(digest));
    for (const form of forms) {
      try {
        return await attempt(form);
      } catch (err) {
        if (!(err instanceof PathNotFoundError)) throw err;
        missing = err;
      }
    }
    throw missing;
  }

  /** Plaintext size of a stored blob (either form), or undefined when it is not stored. */
  async size(digest: Digest): Promise<number | undefined> {
    try {
      return await this.first(digest, ['sealed', 'store-encrypted'], async (form) => {
        const stored = (await this.driver.stat(form === 'sealed' ? blobPath(digest) : storeEncryptedBlobPath(digest)))
          .size;
        return form === 'sealed' ? plainSize(stored) : stored;
      });
    } catch (err) {
      if (err instanceof PathNotFoundError) return undefined;
      throw err;
    }
  }

  /** Whether the blob is stored in `form`. */
  async has(digest: Digest, form: StoredForm): Promise<boolean> {
    try {
      await this.driver.stat(form === 'sealed' ? blobPath(digest) : storeEncryptedBlobPath(digest));
      return true;
    } catch (err) {
      if (err instanceof PathNotFoundError) return false;
      throw err;
    }
  }

  /** The id of the data key the sealed form is sealed with, or undefined when there is no sealed form. */
  async dataKeyId(digest: Digest): Promise<string | undefined> {
    try {
      return (await readHeaderOf(this.driver, blobPath(digest))).dataKeyId;
    } catch (err) {
      if (err instanceof PathNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * The one question a download asks: a pre-signed URL of the store-encrypted form (a redirect
   * deployment, a reader that accepts it, the form stored), or stream the bytes through Berth.
   */
  async delivery(digest: Digest, access: BlobAccess, now = Date.now()): Promise<Delivery> {
    const seconds = this.options.redirectSeconds;
    if (seconds === undefined || !access.storeEncrypted || !(await this.has(digest, 'store-encrypted')))
      return { kind: 'stream' };
    return {
      kind: 'redirect',
      url: await this.driver.presignedGet!(storeEncryptedBlobPath(digest), seconds),
      expiresAt: now + seconds * 1000,
    };
  }

  /**
   * Streams plaintext `length` bytes (all, when omitted) from `offset`, of the first form `access`
   * may read. `engine` says where sealed segments are opened (this thread by default).
   */
  open(
    digest: Digest,
    access: BlobAccess,
    offset = 0,
    length?: number,
    engine: OpenEngineFactory = inlineOpening,
  ): Promise<Readable> {
    return this.first(digest, this.forms(access), (form) =>
      form === 'sealed'
        ? this.openSealed(digest, access.resolve, offset, length, engine)
        : this.driver.reader(storeEncryptedBlobPath(digest), offset, length),
    );
  }

  /** Decrypts only the segments needed. */
  private async openSealed(
    digest: Digest,
    resolve: KeyResolver,
    offset: number,
    length: number | undefined,
    engine: OpenEngineFactory,
  ): Promise<Readable> {
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
    return toReadable(
      openSegments(source, engine(key, header), first, offset - first * SEGMENT, end - offset, count - 1),
    );
  }

  /**
   * Positioned plaintext reads of a blob, when the driver offers positioned reads; undefined
   * otherwise (use `open`). `engine` says where sealed segments are opened (this thread by default).
   */
  async openRandomAccess(
    digest: Digest,
    access: BlobAccess,
    engine: OpenEngineFactory = inlineOpening,
  ): Promise<RandomAccessFile | undefined> {
    const driver = this.driver;
    if (!driver.openRandomAccess) return undefined;
    return this.first(digest, this.forms(access), async (form) => {
      if (form === 'store-encrypted') return driver.openRandomAccess!(storeEncryptedBlobPath(digest));
      const file = await driver.openRandomAccess!(blobPath(digest));
      try {
        const size = plainSize(file.size);
        const head = Buffer.alloc(HEADER);
        if ((await file.read(head, 0)) < HEADER) parseHeader(Buffer.alloc(0));
        const header = parseHeader(head);
        const key = await access.resolve(header.dataKeyId);
        checkKey(header, key);
        return new DecryptingFile(file, engine(key, header), size);
      } catch (err) {
        await file.close();
        throw err;
      }
    });
  }

  /** A whole (small) blob, of the first form `access` may read. */
  read(digest: Digest, access: BlobAccess): Promise<Buffer> {
    return this.first(digest, this.forms(access), async (form) => {
      if (form === 'store-encrypted') return this.driver.getContent(storeEncryptedBlobPath(digest));
      const stored = await this.driver.getContent(blobPath(digest));
      const key = await access.resolve(parseHeader(stored).dataKeyId);
      checkKey(parseHeader(stored), key);
      return openAll(key.key, stored);
    });
  }

  /**
   * Moves the stored forms of a blob (whichever are stored) into a storage class; reads work in
   * either class. False when no form is stored.
   */
  async setStorageClass(digest: Digest, storageClass: StorageClass): Promise<boolean> {
    let found = false;
    for (const path of [blobPath(digest), storeEncryptedBlobPath(digest)]) {
      try {
        await this.driver.setStorageClass(path, storageClass);
        found = true;
      } catch (err) {
        if (!(err instanceof PathNotFoundError)) throw err;
      }
    }
    return found;
  }

  /** The storage class of a blob's first stored form, or undefined when it is not stored. */
  async storageClass(digest: Digest): Promise<StorageClass | undefined> {
    for (const path of [blobPath(digest), storeEncryptedBlobPath(digest)]) {
      try {
        return (await this.driver.stat(path)).storageClass ?? 'STANDARD';
      } catch (err) {
        if (!(err instanceof PathNotFoundError)) throw err;
      }
    }
    return undefined;
  }

  /** Stores bytes the caller has already verified against `digest`, sealed with `key`. */
  put(digest: Digest, bytes: Uint8Array, key: DataKey, header: Header): Promise<void> {
    checkKey(header, key);
    return this.driver.putContent(blobPath(digest), sealAll(key.key, header, bytes));
  }

  /**
   * Makes the sealed form of a blob stored only store-encrypted: its bytes streamed through a
   * sealing upload file (never whole in memory), then moved into place.
   */
  async sealCopy(digest: Digest, key: DataKey, header: Header): Promise<void> {
    checkKey(header, key);
    const id = randomUUID();
    try {
      await this.createUpload(id, header);
      const writer = await this.uploadWriter(id, key);
      try {
        await writer.write(await this.driver.reader(storeEncryptedBlobPath(digest)));
        await writer.commit();
      } catch (err) {
        await writer.close();
        throw err;
      }
      await this.driver.move(uploadDataPath(id), blobPath(digest));
    } finally {
      await this.deleteUpload(id);
    }
  }

  /** Starts an upload's byte file: sealed (with `header`), or store-encrypted plain bytes (without). */
  async createUpload(id: string, header: Header | undefined): Promise<void> {
    if (header) return createUploadFile(this.driver, uploadPaths(id), header);
    if (!this.writesStoreEncrypted)
      throw new Error('store-encrypted uploads are only written in redirect deployments or on an encrypted volume');
    const writer = await this.driver.writer(uploadStoreEncryptedPath(id), false);
    await writer.close();
  }

  /** A writer appending plaintext to an upload: sealed with `key`, or store-encrypted (no key). */
  uploadWriter(id: string, key: DataKey): Promise<EncryptedUploadWriter>;
  uploadWriter(id: string, key: DataKey | undefined): Promise<UploadWriter>;
  uploadWriter(id: string, key: DataKey | undefined): Promise<UploadWriter> {
    return key
      ? EncryptedUploadWriter.open(this.driver, uploadPaths(id), key)
      : this.driver.writer(uploadStoreEncryptedPath(id), true);
  }

  /** Plaintext bytes of an upload so far (0 when nothing was written yet). */
  async uploadSize(id: string, storeEncrypted = false): Promise<number> {
    if (!storeEncrypted) return layoutSize(await uploadLayout(this.driver, uploadPaths(id)));
    try {
      return (await this.driver.stat(uploadStoreEncryptedPath(id))).size;
    } catch (err) {
      if (err instanceof PathNotFoundError) return 0;
      throw err;
    }
  }

  /** The first `length` plaintext bytes of an upload: sealed with `key`, or store-encrypted (no key). */
  async *uploadReader(id: string, key: DataKey | undefined, length: number): AsyncIterable<Buffer> {
    if (key) yield* readUpload(this.driver, uploadPaths(id), key, length);
    else yield* (await this.driver.reader(uploadStoreEncryptedPath(id), 0, length)) as AsyncIterable<Buffer>;
  }

  /** Makes a verified upload the blob `digest` in the upload's form: one atomic move, then the upload is gone. */
  async promoteUpload(id: string, digest: Digest, storeEncrypted = false): Promise<void> {
    if (storeEncrypted) await this.driver.move(uploadStoreEncryptedPath(id), storeEncryptedBlobPath(digest));
    else await this.driver.move(uploadDataPath(id), blobPath(digest));
    await this.deleteUpload(id);
  }

  /** Ids of uploads with bytes stored, none of whose files was written since `before`. */
  async uploadsUntouchedSince(before: number): Promise<string[]> {
    return (await this.untouchedUploads(before)).map((u) => u.id);
  }

  /** Uploads with bytes stored, none of whose files was written since `before`, with the bytes they take. */
  untouchedUploads(before: number): Promise<{ id: string; bytes: number }[]> {
    return untouchedUploads(this.driver, before);
  }

  async deleteUpload(id: string): Promise<void> {
    try {
      await this.driver.delete(uploadDir(id));
    } catch (err) {
      if (!(err instanceof PathNotFoundError)) throw err;
    }
  }
}
