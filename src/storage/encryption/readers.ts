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

/** Positioned plaintext reads over a stored encrypted blob of `size` plaintext bytes. */
export class DecryptingFile implements RandomAccessFile {
  private batch: Uint8Array | undefined;
  private readonly last: number;

  constructor(private readonly file: RandomAccessFile, private readonly engine: OpenEngine, readonly size: number) {
    this.last = segmentCount(size) - 1;
  }

  async read(buffer: Buffer, position: number): Promise<number> {
    if (position >= this.size || buffer.length === 0) return 0;
    const end = Math.min(this.size, position + buffer.length);
    let written = 0;
    let index = Math.floor(position / SEGMENT);
    while (position + written < end) {
      // As many whole segments as a batch holds, in one read from storage, opened in one go.
      const last = Math.min(Math.floor((end - 1) / SEGMENT), index + OPEN_BATCH_SEGMENTS - 1);
      const from = HEADER + index * SEALED_SEGMENT;
      const length = Math.min((last - index + 1) * SEALED_SEGMENT, this.file.size - from);
      const batch = this.batch ?? this.engine.batch();
      this.batch = undefined;
      const got = await readFully(this.file, Buffer.from(batch.buffer, batch.byteOffset, length), from);
      if (got < length) {
        this.engine.release(batch);
        throw new IntegrityError(`stored blob ends at ${from + got}, before ${from + length}`);
      }
      // The batch is the engine's until it resolves; the plaintext comes back in a batch to keep.
      const plain = await this.engine.open(batch, length, index, this.last);
      this.batch = new Uint8Array(plain.buffer, plain.byteOffset, OPEN_BATCH);
      const at = position + written - index * SEGMENT;
      const take = Math.min(plain.length - at, end - position - written);
      buffer.set(plain.subarray(at, at + take), written);
      written += take;
      index = last + 1;
    }
    return written;
  }

  async close(): Promise<void> {
    if (this.batch) this.engine.release(this.batch);
    this.batch = undefined;
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
