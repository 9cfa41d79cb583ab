// Where segments are sealed and opened, a batch at a time. The upload writer (upload-file.ts)
// fills batches of plaintext and hands each to a SealEngine, which seals the batch's whole
// segments and sees the batch's new bytes once (the blob writer hashes them there); a decrypting
// file (readers.ts) reads sealed segments into a batch and hands it to an OpenEngine. The
// worker engines work on a worker thread, one transfer per batch (../worker-engines.ts over
// runtime/hash-worker.ts); the inline engines here work on the calling thread.
import type { KeyObject } from 'node:crypto';
import { BufferPool, copyBytes, localBuffer } from '../../runtime/buffers.js';
import { openSegment, SEALED_SEGMENT, SEGMENT, sealSegmentParts, type Header } from './segments.js';

/** Segments per batch: one transfer to a worker carries this many. */
export const BATCH_SEGMENTS = 16;
export const BATCH = BATCH_SEGMENTS * SEGMENT;
/** The sealed form of a full batch. */
export const SEALED_BATCH = BATCH_SEGMENTS * SEALED_SEGMENT;

export interface SealEngine {
  /** An empty batch of BATCH bytes to fill with plaintext. */
  batch(): Uint8Array;
  /**
   * Seals the first `count` whole segments of `batch[0, length)` (numbered from `first`; none is
   * the last segment of the blob), and passes bytes `[fresh, length)` on as new bytes of the
   * upload. The batch belongs to the engine from here on. Resolves with the sealed segments,
   * each ciphertext then tag, in order.
   */
  seal(batch: Uint8Array, length: number, fresh: number, first: number, count: number): Promise<Uint8Array>;
  /** Takes back sealed bytes `seal` resolved with once they are written, to seal into again. */
  release(sealed: Uint8Array): void;
}

/**
 * Seals whole segments `first`.. from the start of `plain` (ciphertext then tag each) into `out`
 * (at least `count` sealed segments long); returns the view of what was sealed.
 */
export function sealBatch(
  key: KeyObject,
  header: Header,
  plain: Uint8Array,
  first: number,
  count: number,
  out: Uint8Array,
): Uint8Array {
  if (out.length < count * SEALED_SEGMENT) throw new Error('the output is shorter than the sealed segments');
  for (let i = 0; i < count; i++) {
    const [body, tag] = sealSegmentParts(key, header, first + i, plain.subarray(i * SEGMENT, (i + 1) * SEGMENT), false);
    copyBytes(out, i * SEALED_SEGMENT, body);
    copyBytes(out, i * SEALED_SEGMENT + SEGMENT, tag);
  }
  return out.subarray(0, count * SEALED_SEGMENT);
}

/** The whole batch a view of a batch's bytes (an engine's result) lies in. */
export function batchOf(view: Uint8Array, size: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, size);
}

/** Seals on this thread; `onBytes` sees each new byte once. */
export class InlineSealEngine implements SealEngine {
  private readonly outputs = new BufferPool(SEALED_BATCH, 8, localBuffer);

  constructor(
    private readonly key: KeyObject,
    private readonly header: Header,
    private readonly onBytes?: (bytes: Uint8Array) => void,
  ) {}

  batch(): Uint8Array {
    return new Uint8Array(BATCH);
  }

  async seal(batch: Uint8Array, length: number, fresh: number, first: number, count: number): Promise<Uint8Array> {
    if (fresh < length) this.onBytes?.(batch.subarray(fresh, length));
    return count === 0
      ? new Uint8Array(0)
      : sealBatch(this.key, this.header, batch, first, count, new Uint8Array(this.outputs.take()));
  }

  release(sealed: Uint8Array): void {
    this.outputs.give(sealed.buffer);
  }
}

/** Sealed segments an open batch holds: a read of one batch's plaintext at any offset touches one more. */
export const OPEN_BATCH_SEGMENTS = BATCH_SEGMENTS + 1;
export const OPEN_BATCH = OPEN_BATCH_SEGMENTS * SEALED_SEGMENT;

export interface OpenEngine {
  /** An empty batch of OPEN_BATCH bytes to read sealed segments into. */
  batch(): Uint8Array;
  /**
   * Opens the sealed segments in `batch[0, length)` (numbered from `first`; `last` is the blob's
   * last segment) in place: resolves with the plaintext, a view at the start of the same or
   * another batch, which is the caller's to reuse or `release`. Rejects with IntegrityError when a
   * segment does not authenticate.
   */
  open(batch: Uint8Array, length: number, first: number, last: number): Promise<Uint8Array>;
  /** Gives a batch back (the caller is done with it). */
  release(batch: Uint8Array): void;
  /** The engine will not be used again (opens under way still finish). */
  close(): void;
}

/**
 * Opens the sealed segments in `bytes[0, length)` in place, each segment's plaintext moved down
 * to where the previous one's ended; returns the plaintext length.
 */
export function openBatch(
  key: KeyObject,
  header: Header,
  bytes: Uint8Array,
  length: number,
  first: number,
  last: number,
): number {
  let plain = 0;
  for (let offset = 0, index = first; offset < length; offset += SEALED_SEGMENT, index++) {
    const segment = openSegment(
      key,
      header,
      index,
      bytes.subarray(offset, Math.min(length, offset + SEALED_SEGMENT)),
      index === last,
    );
    copyBytes(bytes, plain, segment);
    plain += segment.length;
  }
  return plain;
}

const inlineBatches = new BufferPool(OPEN_BATCH, 16, localBuffer);

/** Opens on this thread. */
export class InlineOpenEngine implements OpenEngine {
  constructor(
    private readonly key: KeyObject,
    private readonly header: Header,
  ) {}

  batch(): Uint8Array {
    return new Uint8Array(inlineBatches.take());
  }

  async open(batch: Uint8Array, length: number, first: number, last: number): Promise<Uint8Array> {
    const whole = batchOf(batch, OPEN_BATCH);
    return whole.subarray(0, openBatch(this.key, this.header, whole, length, first, last));
  }

  release(batch: Uint8Array): void {
    inlineBatches.give(batch.buffer);
  }

  close(): void {}
}
