// The streams a chunk passes through on its way into an upload: the running hash, and the
// registry's size limit enforced as the bytes arrive.
import { RegistryError } from '../domain/errors.js';
import type { RunningHash } from '../runtime/hash-worker.js';

/** Passes chunks through, feeding the hash. */
export async function* hashing(source: AsyncIterable<Uint8Array>, hash: RunningHash): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    await hash.update(chunk);
    yield chunk;
  }
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
