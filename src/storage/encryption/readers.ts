// Reading encrypted blobs: positioned reads that decrypt only the segments a read touches (a
// batch of them at a time, by an OpenEngine, into the caller's buffer), and a decrypting stream
// for drivers without positioned reads. Both fail with IntegrityError rather than return bad bytes.
import { Readable } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import type { RandomAccessFile } from '../driver.js';
import { OPEN_BATCH, OPEN_BATCH_SEGMENTS, type OpenEngine } from './engines.js';
import { HEADER, IntegrityError, openSegment, SEALED_SEGMENT, SEGMENT, segmentCount, type Header } from './segments.js';

export interface DataKey {
  /** The id in the file header (hex). */
  id: string;
  key: KeyObject;
}

/** The data key must be the one the file names; anything else is the wrong file or a swapped key. */
export function checkKey(header: Header, key: DataKey): void {
  if (header.dataKeyId !== key.id) throw new IntegrityError(`the file is sealed with data key ${header.dataKeyId}, not ${key.id}`);
}

/** Segments `first`..`last` opened: their plaintext, at the start of a batch of the engine's. */
interface Opened {
  first: number;
  last: number;
  plain: Uint8Array;
}

/** An open under way, its failure kept until someone reads what it was opening. */
interface Ahead {
  first: number;
  opened: Promise<Opened>;
}

/**
 * Positioned plaintext reads over a stored encrypted blob of `size` plaintext bytes. Reads that
 * follow one another (a download) have the next batch read and opened while the caller sends the
 * last: the worker decrypts while the socket drains.
 */
export class DecryptingFile implements RandomAccessFile {
  private spare: Uint8Array | undefined;
  private ahead: Ahead | undefined;
  /** Where the last read ended: a read starting there is sequential. */
  private next = 0;
  private readonly last: number;

  constructor(private readonly file: RandomAccessFile, private readonly engine: OpenEngine, readonly size: number) {
    this.last = segmentCount(size) - 1;
  }

  async read(buffer: Buffer, position: number): Promise<number> {
    if (position >= this.size || buffer.length === 0) return 0;
    const end = Math.min(this.size, position + buffer.length);
    const sequential = position === this.next;
    let written = 0;
    while (position + written < end) {
      const at = position + written;
      const index = Math.floor(at / SEGMENT);
      // As many whole segments as a batch holds, in one read from storage, opened in one go.
      const opened = await this.take(index, Math.min(Math.floor((end - 1) / SEGMENT), index + OPEN_BATCH_SEGMENTS - 1));
      const offset = at - index * SEGMENT;
      const take = Math.min(opened.plain.length - offset, end - at);
      buffer.set(opened.plain.subarray(offset, offset + take), written);
      written += take;
      this.keep(opened.plain);
    }
    this.next = end;
    if (sequential && end < this.size) {
      // The next read most likely starts here and is as long as this one.
      const first = Math.floor(end / SEGMENT);
      const last = Math.min(Math.floor((Math.min(this.size, end + buffer.length) - 1) / SEGMENT), first + OPEN_BATCH_SEGMENTS - 1);
      const opened = this.open(first, last);
      opened.catch(() => undefined); // reported to whoever reads these segments
      this.ahead = { first, opened };
    }
    return written;
  }

  /** Segments from `first` (through `last`, or fewer when read ahead): opened ahead when they were. */
  private async take(first: number, last: number): Promise<Opened> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead?.first === first) return ahead.opened;
    if (ahead) await this.drop(ahead);
    return this.open(first, last);
  }

  private async open(first: number, last: number): Promise<Opened> {
    const from = HEADER + first * SEALED_SEGMENT;
    const length = Math.min((last - first + 1) * SEALED_SEGMENT, this.file.size - from);
    const batch = this.spare ?? this.engine.batch();
    this.spare = undefined;
    let got: number;
    try {
      got = await readFully(this.file, Buffer.from(batch.buffer, batch.byteOffset, length), from);
    } catch (err) {
      this.engine.release(batch);
      throw err;
    }
    if (got < length) {
      this.engine.release(batch);
      throw new IntegrityError(`stored blob ends at ${from + got}, before ${from + length}`);
    }
    // The batch is the engine's until it resolves; the plaintext comes back in a batch to keep.
    return { first, last, plain: await this.engine.open(batch, length, first, this.last) };
  }

  /** Keeps the batch under `plain` for the next open (one spare), or gives it back. */
  private keep(plain: Uint8Array): void {
    const batch = new Uint8Array(plain.buffer, plain.byteOffset, OPEN_BATCH);
    if (this.spare) this.engine.release(batch);
    else this.spare = batch;
  }

  private async drop(ahead: Ahead): Promise<void> {
    const opened = await ahead.opened.catch(() => undefined);
    if (opened) this.keep(opened.plain);
  }

  async close(): Promise<void> {
    // An open still reading must end before the file closes under it.
    if (this.ahead) await this.drop(this.ahead);
    this.ahead = undefined;
    if (this.spare) this.engine.release(this.spare);
    this.spare = undefined;
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

/**
 * Decrypts a stream of sealed segments starting at segment `first` into plaintext, skipping
 * `skip` bytes of the first and stopping after `length` bytes. `isFinal(i)` says which segment
 * is sealed as the last one.
 */
export async function* decryptSegments(
  source: AsyncIterable<Uint8Array>, header: Header, key: KeyObject, first: number, skip: number, length: number, isFinal: (index: number) => boolean,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = first;
  let remaining = length;
  const emit = (sealed: Buffer): Buffer | undefined => {
    let plain = openSegment(key, header, index, sealed, isFinal(index));
    index++;
    if (skip > 0) {
      plain = plain.subarray(skip);
      skip = 0;
    }
    if (plain.length > remaining) plain = plain.subarray(0, remaining);
    remaining -= plain.length;
    return plain.length > 0 ? plain : undefined;
  };
  for await (const chunk of source) {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (data.length > 0 && remaining > 0) {
      const take = Math.min(SEALED_SEGMENT - pendingBytes, data.length);
      pending.push(data.subarray(0, take));
      pendingBytes += take;
      data = data.subarray(take);
      if (pendingBytes === SEALED_SEGMENT) {
        const plain = emit(pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes));
        pending = [];
        pendingBytes = 0;
        if (plain) yield plain;
      }
    }
    if (remaining === 0) return;
  }
  if (pendingBytes > 0 && remaining > 0) {
    const plain = emit(Buffer.concat(pending, pendingBytes));
    if (plain) yield plain;
  }
  if (remaining > 0) throw new IntegrityError(`stored blob ended ${remaining} bytes early`);
}

export function toReadable(source: AsyncIterable<Buffer>): Readable {
  return Readable.from(source, { objectMode: false });
}
