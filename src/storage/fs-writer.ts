// The file-system driver's writer: appends with backpressure, flushes early in the background
// and makes a commit durable (a background flush that failed is reported by the next commit).
import { fdatasync, fsync, type WriteStream } from 'node:fs';
import { promisify } from 'node:util';
import { rm } from 'node:fs/promises';
import type { FileWriter } from './driver.js';

const STREAM_CHUNK = 1 << 20;

// Flush written data in the background every this many bytes, so that the fsync a commit makes
// waits only for the tail instead of the whole file (a writer that appends also flushes what was
// there when it opens: fdatasync flushes the file's earlier chunks too).
const EARLY_SYNC_BYTES = 8 * STREAM_CHUNK;

// A background flush that failed, by file: the commit of any later writer of the file reports it
// (the failure was consumed by the background fdatasync, so the commit's own fsync may not see it).
const failedSyncs = new Map<string, Error>();

export class FsWriter implements FileWriter {
  private closed = false;
  private unsynced = 0;
  private syncing: Promise<void> | undefined;

  /** The stream's failure (a full disk), kept: a write still buffered may fail after `write` returned. */
  private broken: Error | undefined;

  constructor(
    private readonly target: string,
    private readonly stream: WriteStream,
    public size: number,
  ) {
    // Always listened to: an 'error' with no listener would crash the process.
    stream.on('error', (err) => (this.broken ??= err));
  }

  async write(source: AsyncIterable<Uint8Array>, release?: (chunk: Uint8Array) => void): Promise<number> {
    if (this.closed) throw new Error('writer is closed');
    if (this.broken) throw this.broken;
    const stream = this.stream;
    let failure: Error | undefined;
    const onError = (err: Error) => (failure = err);
    stream.on('error', onError);
    let written = 0;
    try {
      for await (const chunk of source) {
        if (failure) throw failure;
        written += chunk.length;
        this.size += chunk.length;
        // The stream's callback runs once the chunk is in the file (or the write failed).
        if (!stream.write(chunk, release && (() => release(chunk)))) await waitForDrain(stream);
        this.unsynced += chunk.length;
        if (this.unsynced >= EARLY_SYNC_BYTES && !this.syncing) this.flushEarly();
      }
      await flush(stream);
      if (failure) throw failure;
      return written;
    } finally {
      stream.off('error', onError);
    }
  }

  /** Starts a background fdatasync of everything written so far. */
  flushEarly(): void {
    this.unsynced = 0;
    const fd = (this.stream as unknown as { fd: number }).fd;
    this.syncing = promisify(fdatasync)(fd)
      .catch((err: Error) => void failedSyncs.set(this.target, err))
      .finally(() => (this.syncing = undefined));
  }

  async commit(): Promise<void> {
    if (this.closed) throw new Error('writer is closed');
    if (this.broken) throw this.broken;
    await flush(this.stream);
    await this.syncing;
    await promisify(fsync)((this.stream as unknown as { fd: number }).fd);
    await this.close();
    const failed = failedSyncs.get(this.target);
    if (failed) {
      failedSyncs.delete(this.target);
      throw failed;
    }
  }

  /**
   * Closes once every byte is in the file. A background flush still running keeps the file open
   * until it ends, without holding up the caller: a chunk of a chunked upload is answered while
   * the disk catches up, and the next chunk's transfer overlaps that flush.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stream = this.stream;
    // Bytes still buffered (a source that failed midway) reach the file before close returns.
    await flush(stream).catch(() => undefined);
    const closed = () => new Promise<void>((resolve) => stream.close(() => resolve()));
    if (this.syncing) void this.syncing.then(closed);
    else await closed();
  }

  async cancel(): Promise<void> {
    await this.close();
    failedSyncs.delete(this.target);
    await rm(this.target, { force: true });
  }
}

function waitForDrain(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', done);
      stream.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}

/** Resolves when every chunk handed to the stream so far has reached the file. */
function flush(stream: WriteStream): Promise<void> {
  if (stream.writableLength === 0 && !stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => stream.write(Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
}
