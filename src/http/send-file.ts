// Sends a byte range of a file on a raw HTTP response through a few reused buffers: one read
// per buffer, the next read only when the socket has taken a buffer back. Memory per download
// stays at IN_FLIGHT buffers, and nothing is allocated per read (a new buffer per read made the
// collector run full collections over and over during large downloads).
import type { FastifyReply } from 'fastify';
import type { RandomAccessFile } from '../storage/driver.js';

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
