// The registry's size limit, enforced as a chunk's bytes arrive on their way into an upload (the
// blob writer, storage/blob-writer.ts, hashes them).
import { RegistryError } from '../domain/errors.js';

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
