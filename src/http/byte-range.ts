// The Range header of a GET (RFC 9110, a single byte range), resolved against a blob's size: the
// registry protocol's blobs and the ECR layer download URLs read it alike.
import { RegistryError } from '../domain/errors.js';
import type { ByteRange } from '../registry/blobs.js';

/** Resolves a `Range: bytes=…` header against a blob's size (RFC 9110 single range). */
export function resolveByteRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const unsatisfiable = (why: string) =>
    new RegistryError(
      'RANGE_INVALID',
      why,
      { range: header, size },
      { headers: { 'Content-Range': `bytes */${size}` } },
    );
  if (!match || (match[1] === '' && match[2] === ''))
    throw unsatisfiable('Range must be a single "bytes=start-end" range');
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable('empty suffix range');
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || (last !== '' && Number(last) < start))
    throw unsatisfiable(`range starts beyond the blob's ${size} bytes`);
  return { start, end };
}
