// Sends a blob (whole or a range) on every face that serves blobs: the headers, 200 or 206, and
// the bytes. A file is sent a chunk at a time with at most IN_FLIGHT chunks the socket has not
// taken yet, so memory per download stays bounded. A file that lends its own memory (a
// decrypting file's plaintext) has its chunks sent as they are; any other is read into a few
// reused buffers (a new buffer per read made the collector run full collections over and over
// during large downloads).
import type { FastifyReply } from 'fastify';
import type { BlobContent } from '../registry/blobs.js';
import type { LentBytes, RandomAccessFile } from '../storage/driver.js';

export async function sendBlob(reply: FastifyReply, blob: BlobContent, cacheControl: string): Promise<unknown> {
  // A pre-signed URL is short-lived and the client's alone: no cache may keep the redirect.
  if (blob.body.kind === 'redirect') {
    return reply.code(307).headers({ Location: blob.body.url, 'Docker-Content-Digest': blob.digest, 'Cache-Control': 'no-store', 'Content-Length': 0 }).send();
  }
  // The first chunk is read before any header: a blob that fails its integrity check there is
  // an error response, not a cut connection.
  const { start, end } = blob.range ?? { start: 0, end: blob.size - 1 };
  let first: LentBytes | undefined;
  if (blob.body.kind === 'file' && end >= start) {
    try {
      first = await chunkAt(blob.body.file, start, end);
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
    reply.code(206).headers({ 'Content-Range': `bytes ${blob.range.start}-${blob.range.end}/${blob.size}`, 'Content-Length': blob.range.end - blob.range.start + 1 });
  } else {
    reply.code(200).header('Content-Length', blob.size);
  }
  if (blob.body.kind === 'file') return sendFileRange(reply, blob.body.file, start, end, first);
  return reply.send(blob.body.stream);
}

const CHUNK = 1024 * 1024;
const IN_FLIGHT = 4;
const POOL_LIMIT = 16;
/** Buffers for files that do not lend, kept across downloads. */
const pool: Buffer[] = [];

/** The chunk of the file at `position`, up to CHUNK bytes and through `end`: lent by the file, or read into a pooled buffer. */
async function chunkAt(file: RandomAccessFile, position: number, end: number): Promise<LentBytes> {
  const max = Math.min(CHUNK, end - position + 1);
  if (file.lend) return file.lend(position, max);
  const buffer = pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
  const done = () => {
    if (pool.length < POOL_LIMIT) pool.push(buffer);
  };
  try {
    return { bytes: buffer.subarray(0, await file.read(buffer.subarray(0, max), position)), done };
  } catch (err) {
    done();
    throw err;
  }
}

export async function sendFileRange(reply: FastifyReply, file: RandomAccessFile, start: number, end: number, first?: LentBytes): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  let inFlight = 0;
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
    while (position <= end && !closed) {
      if (inFlight === IN_FLIGHT) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      const chunk = first ?? (await chunkAt(file, position, end));
      first = undefined;
      if (chunk.bytes.length === 0) {
        chunk.done();
        throw new Error(`file ended at ${position}, before byte ${end}`);
      }
      position += chunk.bytes.length;
      inFlight++;
      // A chunk the socket never takes (the connection went away) is not given back: it is collected.
      res.write(chunk.bytes, () => {
        chunk.done();
        inFlight--;
        wake?.();
      });
    }
    first?.done();
    if (!closed) res.end();
  } catch (err) {
    // Headers are gone already: all that is left is to cut the connection.
    reply.log.error({ err }, 'sending a blob failed');
    res.destroy(err as Error);
  } finally {
    res.off('close', onClose);
    await file.close();
  }
}
