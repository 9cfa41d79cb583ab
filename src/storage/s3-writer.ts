// Appendable writes to S3: bytes are buffered on local disk (never in memory) up to the part
// size, and each full buffer becomes the next segment object of the file (s3-objects.ts) while
// the next one fills. What is left when a writer closes becomes the last segment; if it is shorter
// than S3's 5 MiB minimum part, the next writer (on any node) reads it back into its buffer and
// rewrites it under the same key once it grows, so every segment but the last can be a part of
// the multipart upload that a move makes. Nothing lives only in this process.
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FileWriter } from './driver.js';
import { MIN_PART_SIZE } from './s3-client.js';
import { SEGMENT_MARK, segmentKey, segmentsEnd, type S3Objects } from './s3-objects.js';

/** A local file that bytes are appended to, with backpressure. */
class DiskBuffer {
  readonly file: string;
  length = 0;
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(dir: string) {
    this.file = join(dir, `berth-s3-${randomUUID()}`);
    this.stream = createWriteStream(this.file, { highWaterMark: 1 << 20 });
    this.stream.on('error', (err) => (this.failure = err));
  }

  async append(chunk: Uint8Array, release?: (chunk: Uint8Array) => void): Promise<void> {
    if (this.failure) throw this.failure;
    this.length += chunk.length;
    if (!this.stream.write(chunk, release && (() => release(chunk)))) await once(this.stream, 'drain');
  }

  /** Closes the file: everything appended is in it afterwards. */
  async finish(): Promise<void> {
    if (!this.stream.closed)
      await new Promise<void>((resolve, reject) =>
        this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    if (this.failure) throw this.failure;
  }

  async remove(): Promise<void> {
    if (!this.stream.closed) {
      this.stream.destroy();
      await once(this.stream, 'close').catch(() => undefined);
    }
    await rm(this.file, { force: true });
  }
}

export class S3Writer implements FileWriter {
  private closed = false;
  /** The buffer holds bytes that are in no object yet (or the file must still be created). */
  private dirty: boolean;
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly objects: S3Objects,
    private readonly key: string,
    private readonly bufferDir: string,
    private buffer: DiskBuffer,
    /** Offset in the file of the buffer's first byte. */
    private bufferStart: number,
    public size: number,
    dirty: boolean,
  ) {
    this.dirty = dirty;
  }

  static async open(objects: S3Objects, key: string, append: boolean): Promise<S3Writer> {
    const bufferDir = objects.settings.bufferDir;
    await mkdir(bufferDir, { recursive: true });
    const plain = await objects.head(key);
    let segments = await objects.segments(key);
    if (!append) {
      // Starting empty replaces what was there, as opening a file for writing truncates it.
      await objects.delete([...(plain ? [key] : []), ...segments.map((s) => s.key)]);
      return new S3Writer(objects, key, bufferDir, new DiskBuffer(bufferDir), 0, 0, true);
    }
    if (plain) {
      // Appending to a whole object: it becomes the first segment (a server-side copy).
      await objects.delete(segments.map((s) => s.key));
      await objects.assemble([plain], segmentKey(key, 0));
      await objects.delete([key]);
      segments = await objects.segments(key);
    }
    const size = segmentsEnd(segments);
    const buffer = new DiskBuffer(bufferDir);
    const last = segments.at(-1);
    try {
      if (last && last.size < MIN_PART_SIZE) {
        // A last segment too short to be a part of a multipart upload is continued: its bytes
        // come back into the buffer. (Not every one shorter than the part size: a client sending
        // small chunks would have most of a part read back and written again for each.)
        if (last.size > 0)
          for await (const part of await objects.get(last.key, 0, last.size)) await buffer.append(part as Buffer);
        return new S3Writer(objects, key, bufferDir, buffer, last.offset, size, false);
      }
      return new S3Writer(objects, key, bufferDir, buffer, size, size, segments.length === 0);
    } catch (err) {
      await buffer.remove();
      throw err;
    }
  }

  async write(source: AsyncIterable<Uint8Array>, release?: (chunk: Uint8Array) => void): Promise<number> {
    if (this.closed) throw new Error('writer is closed');
    let written = 0;
    for await (const chunk of source) {
      if (this.failure) throw this.failure;
      await this.buffer.append(chunk, release);
      this.dirty = true;
      written += chunk.length;
      this.size += chunk.length;
      if (this.buffer.length >= this.objects.settings.partSize) await this.rotate();
    }
    if (this.failure) throw this.failure;
    return written;
  }

  /** Sends the full buffer as a segment in the background and starts a new buffer. */
  private async rotate(): Promise<void> {
    await this.flushing;
    if (this.failure) throw this.failure;
    const full = this.buffer;
    const start = this.bufferStart;
    this.buffer = new DiskBuffer(this.bufferDir);
    this.bufferStart = start + full.length;
    this.dirty = false;
    this.flushing = (async () => {
      try {
        await full.finish();
        await this.objects.putFile(segmentKey(this.key, start), full.file, full.length);
      } catch (err) {
        // The file now ends where this segment should have started; later bytes are dropped
        // rather than stored after a gap.
        this.failure = err as Error;
        this.size = start;
      } finally {
        await full.remove();
      }
    })();
  }

  async commit(): Promise<void> {
    if (this.closed) throw new Error('writer is closed');
    await this.close();
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flushing;
      if (this.failure || !this.dirty) return;
      await this.buffer.finish();
      await this.objects.putFile(segmentKey(this.key, this.bufferStart), this.buffer.file, this.buffer.length);
    } finally {
      await this.buffer.remove();
    }
  }

  async cancel(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.buffer.remove();
    await this.objects.delete([this.key, ...(await this.objects.keys(`${this.key}${SEGMENT_MARK}`))]);
  }
}
