// An upload in progress, encrypted: its data file holds only whole segments sealed as not last,
// in the blob format, and the plaintext after the last whole segment (up to one segment) is the
// "tail", kept sealed in a small file of its own. A chunk never re-seals a segment (GCM must not
// reuse a nonce), so a segment is written once the bytes after it arrive; completion seals the
// tail as the final segment, and the data file is then a blob to move into place.
//
// tail file: segments in the data file (8, BE) | nonce (12) | ciphertext | tag (16), under a
// key derived from the data key, with the segment count as AAD. It counts only when its
// segment count equals the data file's: a crash between the two writes leaves the whole
// segments, and the client resends from there (as with an unencrypted partial chunk).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { FileWriter, StorageDriver } from '../driver.js';
import { PathNotFoundError } from '../driver.js';
import { openSegments, type DataKey } from './readers.js';
import { copyBytes } from '../../runtime/buffers.js';
import { BATCH, BATCH_SEGMENTS, InlineOpenEngine, InlineSealEngine, type SealEngine } from './engines.js';
import { keepHeader, keptHeader, tailKey } from './upload-memo.js';
import {
  HEADER,
  IntegrityError,
  openSegment,
  parseHeader,
  SEALED_SEGMENT,
  SEGMENT,
  sealSegment,
  TAG,
  type Header,
} from './segments.js';

/** Batches at the seal engine before the writer waits for the first back (bounds memory per upload). */
const IN_FLIGHT = 4;

/** A promise that says whether it has settled. */
interface Settling<T> {
  promise: Promise<T>;
  done: boolean;
}

function settled<T>(promise: Promise<T>): Settling<T> {
  const entry: Settling<T> = { promise, done: false };
  promise.then(
    () => (entry.done = true),
    () => (entry.done = true),
  );
  return entry;
}

const TAIL_PREFIX = 8 + 12;

async function* just(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

export interface UploadPaths {
  data: string;
  tail: string;
  /** Where a damaged data file is rebuilt before it replaces the original. */
  repair: string;
}

/** What is stored of an upload: whole segments, and whether the data file has bytes after them. */
export interface UploadLayout {
  header: Header | undefined;
  segments: number;
  /** Bytes after the last whole segment (a write cut short), or a header cut short. */
  damaged: boolean;
  /** Plaintext bytes in the tail file, when it belongs to these segments. */
  tailBytes: number;
  /** Whether a tail file belongs to these segments (its segment count is theirs). */
  tailBelongs: boolean;
}

function countBytes(segments: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(segments));
  return b;
}

async function optional<T>(op: Promise<T>): Promise<T | undefined> {
  try {
    return await op;
  } catch (err) {
    if (err instanceof PathNotFoundError) return undefined;
    throw err;
  }
}

async function readHeader(driver: StorageDriver, path: string): Promise<Header> {
  const kept = keptHeader(driver, path);
  if (kept) return kept;
  const chunks: Buffer[] = [];
  for await (const chunk of await driver.reader(path, 0, HEADER)) chunks.push(chunk as Buffer);
  const header = parseHeader(Buffer.concat(chunks));
  keepHeader(driver, path, header);
  return header;
}

export async function uploadLayout(driver: StorageDriver, paths: UploadPaths): Promise<UploadLayout> {
  const info = await optional(driver.stat(paths.data));
  if (!info) return { header: undefined, segments: 0, damaged: false, tailBytes: 0, tailBelongs: false };
  if (info.size < HEADER) return { header: undefined, segments: 0, damaged: true, tailBytes: 0, tailBelongs: false };
  const segments = Math.floor((info.size - HEADER) / SEALED_SEGMENT);
  const header = await readHeader(driver, paths.data);
  const tail = await optional(driver.getContent(paths.tail));
  const tailBelongs =
    tail !== undefined && tail.length >= TAIL_PREFIX + TAG && Number(tail.readBigUInt64BE(0)) === segments;
  return {
    header,
    segments,
    damaged: (info.size - HEADER) % SEALED_SEGMENT !== 0,
    tailBytes: tailBelongs ? tail.length - TAIL_PREFIX - TAG : 0,
    tailBelongs,
  };
}

export function layoutSize(layout: UploadLayout): number {
  return layout.segments * SEGMENT + layout.tailBytes;
}

async function readTail(
  driver: StorageDriver,
  paths: UploadPaths,
  key: DataKey,
  layout: UploadLayout,
): Promise<Buffer> {
  if (layout.tailBytes === 0) return Buffer.alloc(0);
  const stored = await driver.getContent(paths.tail);
  const decipher = createDecipheriv('aes-256-gcm', tailKey(key.key), stored.subarray(8, TAIL_PREFIX), {
    authTagLength: TAG,
  });
  decipher.setAAD(stored.subarray(0, 8));
  decipher.setAuthTag(stored.subarray(stored.length - TAG));
  const plain = decipher.update(stored.subarray(TAIL_PREFIX, stored.length - TAG));
  try {
    decipher.final();
  } catch {
    throw new IntegrityError('the upload tail failed authentication: the stored bytes were changed');
  }
  return plain;
}

async function writeTail(
  driver: StorageDriver,
  paths: UploadPaths,
  key: DataKey,
  segments: number,
  plain: Uint8Array,
): Promise<void> {
  const count = countBytes(segments);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', tailKey(key.key), nonce, { authTagLength: TAG });
  cipher.setAAD(count);
  // Not flushed to disk: neither are the segments it follows until the upload completes (an fsync
  // here, on ext4, also wrote out the whole chunk before the 202, a third of a 16 MiB PATCH's time).
  // After a power cut, a tail that is missing or older than the segments is not counted and the
  // client resends from the last whole segment, as after a write cut short.
  await driver.putContent(
    paths.tail,
    Buffer.concat([count, nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]),
    { durable: false },
  );
}

/** Starts an upload's data file: the header alone. */
export async function createUploadFile(driver: StorageDriver, paths: UploadPaths, header: Header): Promise<void> {
  const writer = await driver.writer(paths.data, false);
  try {
    await writer.write(just(header.bytes));
    await writer.close();
    keepHeader(driver, paths.data, header);
  } catch (err) {
    await writer.cancel();
    throw err;
  }
}

/** Rewrites the data file with only its first `layout.segments` whole segments (after a write was cut short). */
async function repair(driver: StorageDriver, paths: UploadPaths, layout: UploadLayout): Promise<void> {
  const writer = await driver.writer(paths.repair, false);
  try {
    if (!layout.header) throw new IntegrityError('the upload lost its header');
    await writer.write(await driver.reader(paths.data, 0, HEADER + layout.segments * SEALED_SEGMENT));
    await writer.commit();
  } catch (err) {
    await writer.cancel();
    throw err;
  }
  // A tail file of the same segment count is still the upload's last bytes (the cut write
  // never got to replace it); any other tail is stale and is replaced at the next write.
  await driver.move(paths.repair, paths.data);
}

/**
 * A completion that died after sealing the tail as the final segment, before the file moved into
 * place, left the final segment in the data file and a tail file of one segment fewer. When the
 * final segment is short the file is `damaged` and repair drops it (the tail still counts); when
 * it is whole (a 64 KiB-aligned upload) nothing else tells it from a segment sealed as not last,
 * so the last segment is tried as final. If it is one, its plaintext becomes the tail again (the
 * tail file first, then the data file cut: a crash between leaves this same state) and the upload
 * is as it was before the completion, with all its bytes.
 */
async function unsealFinal(
  driver: StorageDriver,
  paths: UploadPaths,
  key: DataKey,
  layout: UploadLayout,
): Promise<UploadLayout> {
  if (!layout.header || layout.damaged || layout.tailBelongs || layout.segments === 0) return layout;
  const index = layout.segments - 1;
  const chunks: Buffer[] = [];
  for await (const chunk of await driver.reader(paths.data, HEADER + index * SEALED_SEGMENT, SEALED_SEGMENT))
    chunks.push(chunk as Buffer);
  let plain: Buffer;
  try {
    plain = openSegment(key.key, layout.header, index, Buffer.concat(chunks), true);
  } catch (err) {
    if (err instanceof IntegrityError) return layout; // sealed as not last: a PATCH's segment whose tail write was cut
    throw err;
  }
  await writeTail(driver, paths, key, index, plain);
  const settled = { ...layout, segments: index, tailBytes: plain.length, tailBelongs: true };
  await repair(driver, paths, settled);
  return settled;
}

/** A writer over an encrypted upload; `size` and `write` speak plaintext. */
export class EncryptedUploadWriter {
  private readonly tail = Buffer.allocUnsafe(SEGMENT);
  private tailLength: number;
  private sealed = false;
  /** Set while a write is under way: segments and tail count bytes not all in the file yet. */
  private unsettled = false;

  private constructor(
    private readonly driver: StorageDriver,
    private readonly paths: UploadPaths,
    readonly key: DataKey,
    /** The header the upload's segments are sealed under (a seal engine needs it). */
    readonly header: Header,
    private readonly writer: FileWriter,
    private segments: number,
    tail: Buffer,
  ) {
    tail.copy(this.tail);
    this.tailLength = tail.length;
  }

  static async open(driver: StorageDriver, paths: UploadPaths, key: DataKey): Promise<EncryptedUploadWriter> {
    let layout = await uploadLayout(driver, paths);
    const header = layout.header;
    if (!header) throw new IntegrityError('the upload has no data file header');
    if (header.dataKeyId !== key.id)
      throw new IntegrityError(`the upload is sealed with data key ${header.dataKeyId}, not ${key.id}`);
    if (layout.damaged) {
      await repair(driver, paths, layout);
      layout = { ...layout, damaged: false };
    }
    layout = await unsealFinal(driver, paths, key, layout);
    const tail = await readTail(driver, paths, key, layout);
    const writer = await driver.writer(paths.data, true);
    return new EncryptedUploadWriter(driver, paths, key, header, writer, layout.segments, tail);
  }

  get size(): number {
    return this.segments * SEGMENT + this.tailLength;
  }

  /** Streams plaintext in, sealing it on this thread; resolves with the plaintext bytes taken. */
  write(source: AsyncIterable<Uint8Array>): Promise<number> {
    return this.writeWith(source, new InlineSealEngine(this.key.key, this.header));
  }

  /**
   * Streams plaintext in, sealing each segment once bytes after it arrive (through `engine`, which
   * also sees every new byte once); resolves with the plaintext bytes taken.
   */
  async writeWith(source: AsyncIterable<Uint8Array>, engine: SealEngine): Promise<number> {
    if (this.sealed) throw new Error('upload already sealed');
    if (this.unsettled) throw new Error('an earlier write failed midway: open the upload again');
    const before = this.size;
    try {
      // Sealed batches go back to the engine once in the file, to be sealed into again.
      await this.writer.write(this.seal(source, engine), (sealed) => engine.release(sealed));
    } finally {
      // Also after a failed source: the segments it got to are in the file, and so is the tail.
      // After a failed file write the tail stays as it was: with a segment count the file no
      // longer has, or with the bytes that still follow the file's segments.
      if (!this.unsettled && this.size !== before)
        await writeTail(this.driver, this.paths, this.key, this.segments, this.tail.subarray(0, this.tailLength));
    }
    return this.size - before;
  }

  /**
   * Fills batches (the tail first, then the chunks) and hands each to the engine: a full batch
   * when bytes after it arrive, and at the end the batch's whole segments with bytes after them,
   * its rest becoming the tail. Up to IN_FLIGHT batches are at the engine while sealed ones are
   * written in order. A failed source still seals and writes what it delivered.
   */
  private async *seal(source: AsyncIterable<Uint8Array>, engine: SealEngine): AsyncGenerator<Uint8Array> {
    const pending: Settling<Uint8Array>[] = [];
    let batch = engine.batch();
    copyBytes(batch, 0, this.tail.subarray(0, this.tailLength));
    let filled = this.tailLength;
    let fresh = filled; // the tail's bytes were passed on when they arrived
    let failure: unknown;
    this.unsettled = true;
    try {
      for await (const chunk of source) {
        let offset = 0;
        while (offset < chunk.length) {
          if (filled === BATCH) {
            pending.push(settled(engine.seal(batch, BATCH, fresh, this.segments, BATCH_SEGMENTS)));
            this.segments += BATCH_SEGMENTS;
            this.tailLength = 0;
            batch = engine.batch();
            filled = 0;
            fresh = 0;
            while (pending.length >= IN_FLIGHT) yield await pending.shift()!.promise;
          }
          // Sealed batches go to the file as soon as they are back, not only when many wait.
          while (pending[0]?.done) yield await pending.shift()!.promise;
          const take = Math.min(BATCH - filled, chunk.length - offset);
          copyBytes(batch, filled, chunk.subarray(offset, offset + take));
          filled += take;
          offset += take;
          this.tailLength = filled; // provisional: `size` counts the bytes taken
        }
      }
    } catch (err) {
      failure = err;
    }
    // Whole segments with bytes after them are sealed; the rest (up to one segment) is the tail.
    const whole = filled === 0 ? 0 : Math.floor((filled - 1) / SEGMENT);
    copyBytes(this.tail, 0, batch.subarray(whole * SEGMENT, filled));
    this.tailLength = filled - whole * SEGMENT;
    if (whole > 0 || fresh < filled) pending.push(settled(engine.seal(batch, filled, fresh, this.segments, whole)));
    this.segments += whole;
    while (pending.length > 0) {
      const sealed = await pending.shift()!.promise;
      if (sealed.length > 0) yield sealed;
    }
    this.unsettled = false;
    if (failure !== undefined) throw failure;
  }

  /** Seals the tail as the last segment and makes the file durable: it is a whole blob now. */
  async commit(): Promise<void> {
    if (!this.sealed) {
      this.sealed = true;
      await this.writer.write(
        just(sealSegment(this.key.key, this.header, this.segments, this.tail.subarray(0, this.tailLength), true)),
      );
    }
    await this.writer.commit();
  }

  close(): Promise<void> {
    return this.writer.close();
  }

  cancel(): Promise<void> {
    return this.writer.cancel();
  }
}

/** The first `length` plaintext bytes of an upload, decrypted as they stream. */
export async function* readUpload(
  driver: StorageDriver,
  paths: UploadPaths,
  key: DataKey,
  length: number,
): AsyncGenerator<Buffer> {
  const layout = await uploadLayout(driver, paths);
  if (!layout.header) throw new IntegrityError('the upload has no data file header');
  if (layout.header.dataKeyId !== key.id)
    throw new IntegrityError(`the upload is sealed with data key ${layout.header.dataKeyId}, not ${key.id}`);
  const fromSegments = Math.min(length, layout.segments * SEGMENT);
  if (fromSegments > 0) {
    const stream = await driver.reader(paths.data, HEADER, Math.ceil(fromSegments / SEGMENT) * SEALED_SEGMENT);
    // An upload's data file has no last segment yet.
    yield* openSegments(stream, new InlineOpenEngine(key.key, layout.header), 0, 0, fromSegments, -1);
  }
  if (length > fromSegments) {
    const tail = await readTail(driver, paths, key, layout);
    if (tail.length < length - fromSegments)
      throw new IntegrityError(`the upload has ${layoutSize(layout)} bytes, not ${length}`);
    yield tail.subarray(0, length - fromSegments);
  }
}
