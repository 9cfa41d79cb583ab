// What the parts of the shared driver suite (driver-suite-*.ts) build their cases from: bodies as
// async chunks, whole streams read back, hashes, and the port's errors as assert.rejects checks.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InvalidOffsetError, InvalidPathError, PathNotFoundError } from './driver.js';

export const MiB = 1 << 20;

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
}

/** `count` chunks of `size` bytes, each fresh (a driver may hold a chunk until it is written). */
export async function* generated(
  count: number,
  size: number,
  hash: ReturnType<typeof createHash>,
): AsyncIterable<Uint8Array> {
  for (let i = 0; i < count; i++) {
    const chunk = Buffer.alloc(size, i % 251);
    chunk.writeUInt32BE(i, 0);
    hash.update(chunk);
    yield chunk;
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const isNotFound = (err: unknown) => err instanceof PathNotFoundError;
export const isInvalidPath = (err: unknown) => err instanceof InvalidPathError;
export const isInvalidOffset = (err: unknown) => err instanceof InvalidOffsetError;
