// A chunk of an upload as a request brings it (its bytes and Content-Range), the progress an
// upload reports, and the registry's size limit, enforced as a chunk's bytes arrive on their way
// into an upload (the blob writer, storage/blob-writer.ts, hashes them).
import { RegistryError } from '../domain/errors.js';

/** An inclusive range from a Content-Range header. */
export interface ChunkRange {
  start: number;
  end: number;
}

export interface Chunk {
  body: AsyncIterable<Uint8Array>;
  range?: ChunkRange;
}

/** `Range: 0-<last byte>` as the distribution API reports an upload's progress. */
export function progressRange(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}

/** Passes chunks through, enforcing the size limit as they stream. */
export async function* limited(
  source: AsyncIterable<Uint8Array>,
  start: number,
  limit: number,
): AsyncIterable<Uint8Array> {
  let size = start;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > limit)
      throw new RegistryError(
        'SIZE_INVALID',
        `blob exceeds the registry's limit of ${limit} bytes`,
        { limit },
        { status: 413 },
      );
    yield chunk;
  }
}
