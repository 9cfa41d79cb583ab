// Buffers for streaming large bodies through worker threads: pools of batch buffers of one size
// (shared with a worker, or local to a thread), and the one-memcpy copy into them.

/**
 * Copies `source` into `target` from `offset` with one native memcpy. Batches the worker works on
 * live in shared memory, where TypedArray#set copies with relaxed atomics: 3× slower than memcpy,
 * and 8× when the two sides are not aligned alike, as a socket read's body seldom is (16% of an
 * upload's CPU). Buffer#fill with a value as long as the range it fills is one memcpy (so the
 * two must not overlap; no caller copies within one buffer).
 */
export function copyBytes(target: Uint8Array, offset: number, source: Uint8Array): void {
  if (source.length > 0) fill.call(target, source, offset, offset + source.length);
}

const fill = Buffer.prototype.fill;

/**
 * Batch buffers of one size kept for reuse, so that streaming a large blob does not leave one
 * behind per batch (and the collector has nothing to catch up on). Shared buffers are for
 * batches a worker thread works on: they are posted, not transferred, so no thread gets a new
 * buffer object per batch to account for and collect.
 */
export class BufferPool<B extends ArrayBufferLike = ArrayBuffer> {
  private readonly free: B[] = [];

  constructor(
    private readonly size: number,
    private readonly limit: number,
    private readonly make: (size: number) => B,
  ) {}

  take(): B {
    return this.free.pop() ?? this.make(this.size);
  }

  /** Keeps `buffer` if it is of the pool's size and there is room (once, however often given). */
  give(buffer: ArrayBufferLike): void {
    if (buffer.byteLength === this.size && this.free.length < this.limit && !this.free.includes(buffer as B))
      this.free.push(buffer as B);
  }
}

export const localBuffer = (size: number) => new ArrayBuffer(size);
export const sharedBuffer = (size: number) => new SharedArrayBuffer(size);
