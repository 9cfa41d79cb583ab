// Sends a blob (whole or a range) on every face that serves blobs: the headers, 200 or 206, and
// the bytes. A file is sent through a few reused buffers: one read per buffer, the next read
// only when the socket has taken a buffer back, so memory per download stays at IN_FLIGHT
// buffers and nothing is allocated per read (a new buffer per read made the collector run full
// collections over and over during large downloads).
import type { FastifyReply } from 'fastify';
import type { BlobContent } from '../registry/blobs.js';
import type { RandomAccessFile } from '../storage/driver.js';

export function sendBlob(reply: FastifyReply, blob: BlobContent, cacheControl: string): Promise<unknown> | FastifyReply {
  if (blob.body.kind === 'redirect') {
    // As the reference registry does with its storage middleware: the client fetches the bytes
    // from the object store; a pre-signed URL must not be cached beyond its life.
    return reply.code(307).headers({ Location: blob.body.url, 'Docker-Content-Digest': blob.digest, 'Cache-Control': 'no-store', 'Content-Length': 0 }).send();
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
    return sendFileRange(reply, blob.body.file, start, end);
  }
  return reply.send(blob.body.stream);
}

const CHUNK = 1024 * 1024;
const IN_FLIGHT = 4;
const POOL_LIMIT = 16;
const pool: Buffer[] = [];

export async function sendFileRange(reply: FastifyReply, file: RandomAccessFile, start: number, end: number): Promise<void> {
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
    for (let i = 0; i < IN_FLIGHT; i++) free.push(pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK));
    let position = start;
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
