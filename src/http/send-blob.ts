// Sends a blob (whole or a range) on every face that serves blobs: the headers, 200 or 206, and
// the bytes. What a download holds in memory is bounded, per download and for the process:
//
// - A file is read a chunk at a time into buffers of this module, at most IN_FLIGHT chunks that
//   the socket has not taken yet. The next chunk is read only when the socket took one: a client
//   that stops reading stops the reads from storage.
// - All downloads together hold at most the read-ahead budget (http.readAheadBytes): each reads
//   chunks of its share of it (1 MiB down to 64 KiB as downloads multiply), and a download past
//   the budget waits until its own chunk is taken (one chunk, the least a download can hold, is
//   always allowed).
// - A client that has not taken a chunk for STALL_MS has the file hand back what it holds for
//   reads to come (a decrypting file's batches); when downloads are many, every download does so
//   after each chunk. A client that goes away has its chunks dropped from the count at once.
//
// Buffers are kept in pools per size (a new buffer per read made the collector run full
// collections over and over during large downloads), each pool no larger than the budget allows.
//
// A file that lends its own memory (a decrypting file's plaintext batches) has its chunks sent as
// they are, without the copy into this module's buffers, while each download's share is a whole
// chunk: a lent chunk pins its batch until the socket takes it, which is what the buffer would
// hold. With a smaller share (many downloads) chunks are copied, so that the file can give its
// batches back after each one.
import type { FastifyReply } from 'fastify';
import type { BlobContent, BlobFile } from '../registry/blobs.js';
import { metrics } from './metrics.js';

const CHUNK = 1024 * 1024;
const MIN_CHUNK = 64 * 1024;
const IN_FLIGHT = 2;
const STALL_MS = 100;
const POOL_BUFFERS = 8;

let budget = 64 * 1024 * 1024;
let downloads = 0;
const pools = new Map<number, Buffer[]>();

/** Sets the process-wide read-ahead budget (http.readAheadBytes). */
export function setReadAheadBudget(bytes: number): void {
  budget = Math.max(CHUNK, bytes);
}

/** A download's fair chunk size now: its share of the budget, a power of two from MIN_CHUNK to CHUNK. */
function chunkSize(): number {
  const share = budget / (Math.max(1, downloads) * IN_FLIGHT);
  let size = CHUNK;
  while (size > MIN_CHUNK && size > share) size /= 2;
  return size;
}

interface Chunk {
  /** This module's buffer the bytes were read into; none when the file lent them. */
  buffer?: Buffer;
  bytes: Uint8Array;
  /** What the chunk counts for in the read-ahead budget. */
  size: number;
  /** Gives lent bytes back to the file. */
  done?: () => void;
  settled: boolean;
}

function count(size: number): void {
  metrics.blobReadAheadBytes += size;
  if (metrics.blobReadAheadBytes > metrics.blobReadAheadPeakBytes)
    metrics.blobReadAheadPeakBytes = metrics.blobReadAheadBytes;
}

function takeBuffer(size: number): Chunk {
  const buffer = pools.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
  count(size);
  return { buffer, bytes: buffer, size, settled: false };
}

/**
 * The chunk no longer counts; its memory is reused only when the socket is known to be done with
 * it. Lent bytes go back to the file either way, when the connection has closed at the latest
 * (`closed`), as no write can still be reading them then.
 */
function settle(chunk: Chunk, reuse: boolean, closed?: Promise<void>): void {
  if (chunk.settled) return;
  chunk.settled = true;
  metrics.blobReadAheadBytes -= chunk.size;
  if (chunk.done) {
    if (reuse || !closed) chunk.done();
    else void closed.then(chunk.done);
    return;
  }
  if (!reuse || !chunk.buffer) return;
  const pool = pools.get(chunk.buffer.length) ?? [];
  pools.set(chunk.buffer.length, pool);
  if (pool.length < Math.min(POOL_BUFFERS, Math.floor(budget / (4 * chunk.buffer.length)))) pool.push(chunk.buffer);
}

/** The chunk of the file at `position`, up to `size` bytes and through `end`: lent (at a whole chunk's share), or read into a buffer. */
async function chunkAt(file: BlobFile, position: number, end: number, size: number): Promise<Chunk> {
  const max = Math.min(size, end - position + 1);
  if (file.lend && size === CHUNK) {
    const lent = await file.lend(position, max);
    count(size);
    return { bytes: lent.bytes, size, done: lent.done, settled: false };
  }
  const chunk = takeBuffer(size);
  try {
    const read = await file.read(chunk.buffer!.subarray(0, max), position);
    chunk.bytes = chunk.buffer!.subarray(0, read);
    return chunk;
  } catch (err) {
    settle(chunk, true);
    throw err;
  }
}

export async function sendBlob(reply: FastifyReply, blob: BlobContent, cacheControl: string): Promise<unknown> {
  // A pre-signed URL is short-lived and the client's alone: no cache may keep the redirect.
  if (blob.body.kind === 'redirect') {
    return reply
      .code(307)
      .headers({
        Location: blob.body.url,
        'Docker-Content-Digest': blob.digest,
        'Cache-Control': 'no-store',
        'Content-Length': 0,
      })
      .send();
  }
  // The first chunk is read before any header: a blob that fails its integrity check there is
  // an error response, not a cut connection.
  const { start, end } = blob.range ?? { start: 0, end: blob.size - 1 };
  let first: Chunk | undefined;
  if (blob.body.kind === 'file' && end >= start) {
    try {
      first = await chunkAt(blob.body.file, start, end, chunkSize());
    } catch (err) {
      await blob.body.file.close();
      throw err;
    }
  }
  reply.headers({
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': blob.digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${blob.digest}"`,
    'Cache-Control': cacheControl,
  });
  if (blob.range) {
    reply.code(206).headers({
      'Content-Range': `bytes ${blob.range.start}-${blob.range.end}/${blob.size}`,
      'Content-Length': blob.range.end - blob.range.start + 1,
    });
  } else {
    reply.code(200).header('Content-Length', blob.size);
  }
  if (blob.body.kind === 'file') return sendFileRange(reply, blob.body.file, start, end, first);
  return reply.send(blob.body.stream);
}

async function sendFileRange(
  reply: FastifyReply,
  file: BlobFile,
  start: number,
  end: number,
  first?: Chunk,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  const inFlight = new Set<Chunk>();
  let wake: (() => void) | undefined;
  let closed = false;
  const onClose = () => {
    closed = true;
    wake?.();
  };
  res.once('close', onClose);
  const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
  downloads++;
  /** Waits until the socket takes a chunk (or closes); a stalled client has the file give back what it holds meanwhile. */
  const taken = async () => {
    let stalled: NodeJS.Timeout | undefined;
    let idling: Promise<void> | undefined;
    await new Promise<void>((resolve) => {
      wake = resolve;
      stalled = setTimeout(() => (idling = file.idle?.().catch(() => undefined)), STALL_MS);
    });
    clearTimeout(stalled);
    wake = undefined;
    // No read while the file gives its memory back.
    await idling;
  };
  try {
    res.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
    let position = start;
    while (position <= end && !closed) {
      const size = chunkSize();
      const overBudget = metrics.blobReadAheadBytes + size > budget;
      if (inFlight.size === IN_FLIGHT || (inFlight.size > 0 && overBudget)) {
        await taken();
        continue;
      }
      const chunk = first ?? (await chunkAt(file, position, end, size));
      first = undefined;
      if (chunk.bytes.length === 0) {
        settle(chunk, true);
        throw new Error(`file ended at ${position}, before byte ${end}`);
      }
      position += chunk.bytes.length;
      inFlight.add(chunk);
      res.write(chunk.bytes, (err) => {
        inFlight.delete(chunk);
        settle(chunk, !err, gone);
        // The connection failed: nothing more is read for it (its close event may come later).
        if (err) closed = true;
        wake?.();
      });
      // With so many downloads that each one's share is less than a decrypting file's batch, no
      // download keeps a batch between its chunks (nor reads ahead): each chunk opens what it reads.
      if (size < CHUNK) await file.idle?.();
    }
    if (first) settle(first, true);
    if (!closed) res.end();
  } catch (err) {
    // Headers are gone already: all that is left is to cut the connection.
    reply.log.error({ err }, 'sending a blob failed');
    res.destroy(err as Error);
  } finally {
    downloads--;
    res.off('close', onClose);
    // The connection went away: what the socket never took no longer counts (nor is reused).
    if (closed) for (const chunk of inFlight) settle(chunk, false, gone);
    await file.close();
  }
}
