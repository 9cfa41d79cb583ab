// Reading encrypted blobs: positioned reads that decrypt only the segments a read touches (a
// batch of them at a time, by an OpenEngine, into the caller's buffer), and a decrypting stream
// for drivers without positioned reads (batches on an OpenEngine too). Both fail with
// IntegrityError rather than return bad bytes.
import { Readable } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import type { LentBytes, RandomAccessFile } from '../driver.js';
import { copyBytes } from '../../runtime/buffers.js';
import { BATCH_SEGMENTS, batchOf, OPEN_BATCH, OPEN_BATCH_SEGMENTS, type OpenEngine } from './engines.js';
import { HEADER, IntegrityError, SEALED_SEGMENT, SEGMENT, segmentCount, type Header } from './segments.js';

export interface DataKey {
  /** The id in the file header (hex). */
  id: string;
  key: KeyObject;
}

/** The data key must be the one the file names; anything else is the wrong file or a swapped key. */
export function checkKey(header: Header, key: DataKey): void {
  if (header.dataKeyId !== key.id)
    throw new IntegrityError(`the file is sealed with data key ${header.dataKeyId}, not ${key.id}`);
}

/** Segments `first`..`first + count - 1` opened (or opening): their plaintext, at the start of a batch of the engine's. */
interface Batch {
  first: number;
  count: number;
  plain: Promise<Uint8Array>;
}

/** Batches opened ahead of a sequential reader, at most: each a transfer to the engine under way while the caller sends the last. */
export const READ_AHEAD = 3;
/**
 * Batches opened ahead by all readers in the process together: with many downloads at once the
 * engine is busy anyway, and read-ahead for each would only hold memory (150 downloads held
 * 5 MiB each). Likewise the spare batches readers keep for their next open.
 */
const SHARED_AHEAD = 16;
let sharedAhead = 0;
const SHARED_SPARES = 16;
let spares = 0;

/**
 * Bytes of batches that decrypting files hold now (taken from their engines and not given back),
 * but for batches lent out: those count as the borrower's (a download's chunks in flight).
 */
let batchBytesHeld = 0;

export function decryptingBytesHeld(): number {
  return batchBytesHeld;
}

/**
 * Batches being read and opened at once by all readers together. A reader waiting for its turn
 * holds no batch: with many downloads queued on the engine, each held one while it waited.
 */
const OPENING_AT_ONCE = 16;
let opening = 0;
const waitingToOpen: (() => void)[] = [];

/** Resolves when an open may start, with the function that ends it. */
async function openingSlot(): Promise<() => void> {
  if (opening < OPENING_AT_ONCE) opening++;
  else await new Promise<void>((resolve) => waitingToOpen.push(resolve));
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = waitingToOpen.shift();
    if (next) next();
    else opening--;
  };
}

/** An opened batch a reader holds: the one the last read ended in, or one lent out still. */
interface Held {
  first: number;
  count: number;
  plain: Uint8Array;
  /** Views of it lent out and not yet given back; it is reused only once none are. */
  lent: number;
  /** No longer the current batch: reused as soon as nothing of it is lent. */
  retired: boolean;
}

/**
 * Positioned plaintext reads over a stored encrypted blob of `size` plaintext bytes, or views of
 * the plaintext lent to a caller who sends them on as they are. The batch a read ended in is
 * kept for the next read. Reads that follow one another (a download) have the next batches read
 * and opened while the caller sends: one batch ahead after the second sequential read, up to
 * READ_AHEAD as the run goes on, so that storage, the engine and the socket all work at once,
 * while a reader of one range does not pay for batches it never reads.
 */
export class DecryptingFile implements RandomAccessFile {
  private spare: Uint8Array | undefined;
  /** The batch the last read ended in. */
  private current: Held | undefined;
  /** Batches opening ahead, each following the one before (the first follows `current`). */
  private readonly ahead: Batch[] = [];
  /** Where the last read ended (a read starting there is sequential), and how many sequential reads in a row led there. */
  private next = -1;
  private run = 0;
  private closed = false;
  private readonly last: number;

  constructor(
    private readonly file: RandomAccessFile,
    private readonly engine: OpenEngine,
    readonly size: number,
  ) {
    this.last = segmentCount(size) - 1;
  }

  async read(buffer: Buffer, position: number): Promise<number> {
    if (position >= this.size || buffer.length === 0) return 0;
    const end = Math.min(this.size, position + buffer.length);
    this.run = position === this.next ? this.run + 1 : 0;
    let written = 0;
    while (position + written < end) {
      const { bytes } = await this.viewAt(position + written, end);
      copyBytes(buffer, written, bytes);
      written += bytes.length;
    }
    this.ended(end, buffer.length);
    return written;
  }

  /** Up to `max` bytes at `position`, as far as the batch holding `position` goes: a view of its plaintext. */
  async lend(position: number, max: number): Promise<LentBytes> {
    if (position >= this.size || max <= 0) return { bytes: new Uint8Array(0), done: () => undefined };
    const end = Math.min(this.size, position + max);
    this.run = position === this.next ? this.run + 1 : 0;
    const { batch, bytes } = await this.viewAt(position, end);
    if (batch.lent++ === 0) batchBytesHeld -= OPEN_BATCH;
    let given = false;
    const done = () => {
      if (given) return;
      given = true;
      if (--batch.lent > 0) return;
      batchBytesHeld += OPEN_BATCH;
      if (batch.retired) this.keep(batch.plain);
    };
    this.ended(position + bytes.length, max);
    return { bytes, done };
  }

  /** The plaintext from `at` up to `end`, as far as the batch holding `at` goes, and that batch. */
  private async viewAt(at: number, end: number): Promise<{ batch: Held; bytes: Uint8Array }> {
    const batch = await this.batchAt(Math.floor(at / SEGMENT), Math.floor((end - 1) / SEGMENT));
    const offset = at - batch.first * SEGMENT;
    return { batch, bytes: batch.plain.subarray(offset, Math.min(batch.plain.length, offset + end - at)) };
  }

  /** A read (or lend) of up to `length` bytes ended at `end`: what follows is read ahead if the reader is sequential. */
  private ended(end: number, length: number): void {
    this.next = end;
    if (this.run > 0) this.readAhead(Math.min(READ_AHEAD, this.run), Math.ceil(length / SEGMENT));
  }

  /** The batch holding segment `index`: the current one, the next opened ahead, or one opened now (through `want` if it fits). */
  private async batchAt(index: number, want: number): Promise<Held> {
    const current = this.current;
    if (current && index >= current.first && index < current.first + current.count) return current;
    this.current = undefined;
    if (current) this.retire(current);
    let batch = this.ahead[0]?.first === index ? this.takeAhead() : undefined;
    if (!batch) {
      await this.dropAhead();
      const count = Math.min(want, index + OPEN_BATCH_SEGMENTS - 1) - index + 1;
      batch = { first: index, count, plain: this.open(index, count) };
    }
    this.current = { first: batch.first, count: batch.count, plain: await batch.plain, lent: 0, retired: false };
    return this.current;
  }

  /** The batch is no longer current: reused now, or when the last view of it lent out comes back. */
  private retire(batch: Held): void {
    batch.retired = true;
    if (batch.lent === 0) this.keep(batch.plain);
  }

  /** Keeps `depth` batches of `span` segments opening past the current one (or fewer, at the end of the blob). */
  private readAhead(depth: number, span: number): void {
    const count = Math.max(1, Math.min(BATCH_SEGMENTS, span));
    const tail = this.ahead.at(-1) ?? this.current;
    let first = tail ? tail.first + tail.count : Math.floor(this.next / SEGMENT);
    while (this.ahead.length < depth && first <= this.last && sharedAhead < SHARED_AHEAD) {
      const segments = Math.min(count, this.last - first + 1);
      const batch = { first, count: segments, plain: this.open(first, segments) };
      batch.plain.catch(() => undefined); // reported to whoever reads these segments
      sharedAhead++;
      this.ahead.push(batch);
      first += batch.count;
    }
  }

  /** The first batch ahead, out of the queue (the one after it becomes the first, which the shared count leaves out). */
  private takeAhead(): Batch {
    sharedAhead--;
    return this.ahead.shift()!;
  }

  private async open(first: number, count: number): Promise<Uint8Array> {
    const release = await openingSlot();
    try {
      return await this.openNow(first, count);
    } finally {
      release();
    }
  }

  private async openNow(first: number, count: number): Promise<Uint8Array> {
    const from = HEADER + first * SEALED_SEGMENT;
    const length = Math.min(count * SEALED_SEGMENT, this.file.size - from);
    const batch = this.takeSpare() ?? this.takeBatch();
    let got: number;
    try {
      got = await readFully(this.file, Buffer.from(batch.buffer, batch.byteOffset, length), from);
    } catch (err) {
      this.giveBatch(batch);
      throw err;
    }
    if (got < length) {
      this.giveBatch(batch);
      throw new IntegrityError(`stored blob ends at ${from + got}, before ${from + length}`);
    }
    // The batch is the engine's until it resolves; the plaintext comes back in a batch to keep.
    return this.engine.open(batch, length, first, this.last);
  }

  /** Keeps the batch under `plain` for the next open (one spare), or gives it back (after the close, always). */
  private keep(plain: Uint8Array): void {
    const batch = batchOf(plain, OPEN_BATCH);
    if (this.spare || this.closed || spares >= SHARED_SPARES) {
      this.giveBatch(batch);
      return;
    }
    this.spare = batch;
    spares++;
  }

  /** Waits out the batches opening ahead (the file must stay open under them) and keeps their buffers. */
  private async dropAhead(): Promise<void> {
    while (this.ahead.length > 0) {
      const batch = this.takeAhead();
      const plain = await batch.plain.catch(() => undefined);
      if (plain) this.keep(plain);
    }
  }

  /** The client paused: batches opening ahead, the current one (unless lent out) and the spare go back to the engine. */
  async idle(): Promise<void> {
    if (this.closed) return;
    await this.dropAhead();
    if (this.current && this.current.lent === 0) {
      const current = this.current;
      this.current = undefined;
      this.retire(current);
    }
    const spare = this.takeSpare();
    if (spare) this.giveBatch(spare);
    // The next read starts a new run: no batches opened ahead for a client that is not taking them.
    this.next = -1;
    this.run = 0;
  }

  private takeSpare(): Uint8Array | undefined {
    const spare = this.spare;
    if (spare) spares--;
    this.spare = undefined;
    return spare;
  }

  private takeBatch(): Uint8Array {
    batchBytesHeld += OPEN_BATCH;
    return this.engine.batch();
  }

  private giveBatch(batch: Uint8Array): void {
    batchBytesHeld -= OPEN_BATCH;
    this.engine.release(batch);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.dropAhead();
    if (this.current) this.retire(this.current);
    this.current = undefined;
    const spare = this.takeSpare();
    if (spare) this.giveBatch(spare);
    this.engine.close();
    await this.file.close();
  }
}

async function readFully(file: RandomAccessFile, buffer: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const count = await file.read(buffer.subarray(done), position + done);
    if (count === 0) break;
    done += count;
  }
  return done;
}

/** Sealed segments a streamed batch holds: the plaintext of a whole batch. */
const STREAM_BATCH = BATCH_SEGMENTS * SEALED_SEGMENT;

/**
 * Opens a stream of sealed segments starting at segment `first` into plaintext, a batch at a time
 * on `engine`, skipping `skip` bytes of the first segment and stopping after `length` bytes.
 * `last` is the blob's last segment (sealed as such; -1 when the stream has none, as an upload's
 * data file). One batch opens while the next fills. Fails with IntegrityError rather than
 * yielding bad bytes.
 */
export async function* openSegments(
  source: AsyncIterable<Uint8Array>,
  engine: OpenEngine,
  first: number,
  skip: number,
  length: number,
  last: number,
): AsyncGenerator<Buffer> {
  let batch: Uint8Array | undefined = engine.batch();
  let filled = 0;
  let index = first;
  let remaining = length;
  const opening: Promise<Uint8Array>[] = [];
  /** The wanted part of a batch's plaintext, copied out so that the batch goes back to the engine. */
  const take = (plain: Uint8Array): Buffer | undefined => {
    const from = Math.min(skip, plain.length);
    skip -= from;
    const count = Math.min(plain.length - from, remaining);
    remaining -= count;
    const out = count > 0 ? Buffer.from(plain.subarray(from, from + count)) : undefined;
    engine.release(batchOf(plain, OPEN_BATCH));
    return out;
  };
  const send = () => {
    const opened = engine.open(batch!, filled, index, last);
    opened.catch(() => undefined); // reported when awaited below, which may be after it fails
    opening.push(opened);
    index += Math.ceil(filled / SEALED_SEGMENT);
    batch = undefined;
    filled = 0;
  };
  try {
    for await (const chunk of source) {
      for (let offset = 0; offset < chunk.length && remaining > 0; ) {
        batch ??= engine.batch();
        const count = Math.min(STREAM_BATCH - filled, chunk.length - offset);
        copyBytes(batch, filled, chunk.subarray(offset, offset + count));
        filled += count;
        offset += count;
        if (filled === STREAM_BATCH) send();
        if (opening.length === 2) {
          const plain = take(await opening.shift()!);
          if (plain) yield plain;
        }
      }
      if (remaining === 0) return;
    }
    if (filled > 0) send();
    while (opening.length > 0 && remaining > 0) {
      const plain = take(await opening.shift()!);
      if (plain) yield plain;
    }
    if (remaining > 0) throw new IntegrityError(`stored blob ended ${remaining} bytes early`);
  } finally {
    // Stopped early (the reader went away, or a failure): batches still opening go back once done.
    for (const open of opening)
      open.then(
        (plain) => engine.release(batchOf(plain, OPEN_BATCH)),
        () => undefined,
      );
    if (batch) engine.release(batch);
    engine.close();
  }
}

export function toReadable(source: AsyncIterable<Buffer>): Readable {
  return Readable.from(source, { objectMode: false });
}
