// A plain upload's chunks on their way into its file, in batches: the request's chunks (a socket
// read each, 64 KiB at most) are copied into the hashing worker's batches (1 MiB), each batch
// hashed by the worker and written to the file from the same memory. Before, each chunk was
// copied into the hash's buffer and handed to the file as it came (a write, or a writev entry,
// per socket read); the copy is the same one now, and the file gets whole 1 MiB writes, as the
// sealed form's file does. A batch goes back to the worker's pool once both the hash and the
// file are done with it; the hash has at most IN_FLIGHT batches at a time, the file's high-water
// mark bounds the rest.
import { copyBytes } from '../runtime/buffers.js';
import type { WorkerFeeder } from '../runtime/hash-worker.js';

/** Batches at the worker before the next one waits for the oldest to be hashed. */
const IN_FLIGHT = 4;

export class PlainBatches {
  /** Batches given to the file, each with the end of its hashing. */
  private readonly hashing = new Map<ArrayBufferLike, Promise<void>>();
  private readonly pending: Promise<void>[] = [];

  constructor(private readonly feeder: WorkerFeeder) {}

  /**
   * The batches of `source`, each fed to the hash before it is yielded. A source that fails still
   * has what it delivered yielded (and hashed), then its failure thrown, as the file writer's
   * sealed form does; the end waits until the worker has hashed every batch.
   */
  async *from(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    let batch = this.feeder.batch();
    let filled = 0;
    let failure: unknown;
    try {
      for await (const chunk of source) {
        let offset = 0;
        while (offset < chunk.length) {
          const take = Math.min(batch.length - filled, chunk.length - offset);
          copyBytes(batch, filled, chunk.subarray(offset, offset + take));
          filled += take;
          offset += take;
          if (filled === batch.length) {
            yield await this.feed(batch, filled);
            batch = this.feeder.batch();
            filled = 0;
          }
        }
      }
    } catch (err) {
      failure = err;
    }
    if (filled > 0) yield await this.feed(batch, filled);
    else this.feeder.release(batch);
    await Promise.all(this.pending.splice(0));
    if (failure !== undefined) throw failure;
  }

  /** The file is done with a batch it was given: back to the pool once hashed too. */
  written(batch: Uint8Array): void {
    const hashed = this.hashing.get(batch.buffer);
    if (!hashed) return;
    this.hashing.delete(batch.buffer);
    // A batch whose hashing failed is left to the collector (the upload fails anyway).
    hashed.then(
      () => this.feeder.release(batch),
      () => undefined,
    );
  }

  /** Feeds a batch to the hash (waiting while the hash has too many) and returns its bytes to write. */
  private async feed(batch: Uint8Array, length: number): Promise<Uint8Array> {
    while (this.pending.length >= IN_FLIGHT) await this.pending.shift();
    const hashed = this.feeder.feed(batch, length);
    hashed.catch(() => undefined); // awaited below or by the end; never left unhandled
    this.pending.push(hashed);
    this.hashing.set(batch.buffer, hashed);
    return batch.subarray(0, length);
  }
}
