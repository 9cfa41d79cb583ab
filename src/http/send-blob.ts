// Sends a blob (whole or a range) on every face that serves blobs: the headers, 200 or 206, and
// the bytes. A file is sent through a few reused buffers: one read per buffer, the next read
// only when the socket has taken a buffer back, so memory per download stays at IN_FLIGHT
// buffers and nothing is allocated per read (a new buffer per read made the collector run full
// collections over and over during large downloads).
import type { FastifyReply } from 'fastify';
import type { BlobContent } from '../registry/blobs.js';
import type { RandomAccessFile } from '../storage/driver.js';

export async function sendBlob(reply: FastifyReply, blob: BlobContent, cacheControl: string): Promise<unknown> {
  // A pre-signed URL is short-lived and the client's alone: no cache may keep the redirect.
  if (blob.body.kind === 'redirect') {
    return reply.code(307).headers({ Location: blob.body.url, 'Docker-Content-Digest': blob.digest, 'Cache-Control': 'no-store', 'Content-Length': 0 }).send();
  }
  // The first buffer is read before any header: a blob that fails its integrity check there is
  // an error response, not a cut connection.
  let first: Prefetched | undefined;
  if (blob.body.kind === 'file') {
    const { start, end } = blob.range ?? { start: 0, end: blob.size - 1 };
    first = await prefetch(blob.body.file, start, end);
  }
  reply.headers({
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': blob.digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${blob.digest}"`,
    'Cache-Control': cacheControl,
  });
  if (blob.range) {
    reply.code(206).headers({ 'Content-Range': `bytes ${blob.range.start}-${blob.range.end}/${blob.size}`, 'Content-Length': blob.range.end - blob.range.start + 1 });
  } else {
    reply.code(200).header('Content-Length', blob.size);
  }
  if (blob.body.kind === 'file') {
    const { start, end } = blob.range ?? { start: 0, end: blob.size - 1 };
    return sendFileRange(reply, blob.body.file, start, end, first);
  }
  return reply.send(blob.body.stream);
}

interface Prefetched {
  buffer: Buffer;
  count: number;
}

async function prefetch(file: RandomAccessFile, start: number, end: number): Promise<Prefetched | undefined> {
  if (end < start) return undefined;
  const buffer = pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
  try {
    return { buffer, count: await file.read(buffer.subarray(0, Math.min(CHUNK, end - start + 1)), start) };
  } catch (err) {
    if (pool.length < POOL_LIMIT) pool.push(buffer);
    await file.close();
    throw err;
  }
}

const CHUNK = 1024 * 1024;
const IN_FLIGHT = 4;
const POOL_LIMIT = 16;
const pool: Buffer[] = [];

export async function sendFileRange(reply: FastifyReply, file: RandomAccessFile, start: number, end: number, first?: Prefetched): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  const free: Buffer[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const onClose = () => {
    closed = true;
    wake?.();
  };
  res.once('close', onClose);
  try {
    res.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
    let position = start;
    if (first) {
      if (first.count === 0) throw new Error(`file ended at ${position}, before byte ${end}`);
      position += first.count;
      const buffer = first.buffer;
      res.write(buffer.subarray(0, first.count), () => {
        free.push(buffer);
        wake?.();
      });
    }
    for (let i = first ? 1 : 0; i < IN_FLIGHT; i++) free.push(pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK));
    while (position <= end && !closed) {
      if (free.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      const buffer = free.pop()!;
      const count = await file.read(buffer.subarray(0, Math.min(CHUNK, end - position + 1)), position);
      if (count === 0) throw new Error(`file ended at ${position}, before byte ${end}`);
      position += count;
      res.write(buffer.subarray(0, count), () => {
        free.push(buffer);
        wake?.();
      });
    }
    if (!closed) res.end();
  } catch (err) {
    // Headers are gone already: all that is left is to cut the connection.
    reply.log.error({ err }, 'sending a blob failed');
    res.destroy(err as Error);
  } finally {
    res.off('close', onClose);
    await file.close();
    // Buffers still held by the socket come back to `free` later and are simply collected.
    while (free.length > 0 && pool.length < POOL_LIMIT) pool.push(free.pop()!);
  }
}
