// Parsing of the protocol's request headers (Range, Content-Range, Content-Length) and
// building of its response headers (Link, Location).
import { RegistryError } from '../../domain/errors.js';
import type { ByteRange } from '../../registry/blobs.js';
import type { ChunkRange } from '../../registry/uploads.js';

/** Resolves a `Range: bytes=…` header against a blob's size (RFC 9110 single range). */
export function resolveByteRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const unsatisfiable = (why: string) => new RegistryError('RANGE_INVALID', why, { range: header, size }, { headers: { 'Content-Range': `bytes */${size}` } });
  if (!match || (match[1] === '' && match[2] === '')) throw unsatisfiable('Range must be a single "bytes=start-end" range');
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable('empty suffix range');
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || (last !== '' && Number(last) < start)) throw unsatisfiable(`range starts beyond the blob's ${size} bytes`);
  return { start, end };
}

/** `Content-Range: <start>-<end>` of a chunk (a "bytes " or "bytes=" prefix is tolerated). */
export function parseChunkRange(header: string | undefined): ChunkRange | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match || Number(match[2]) < Number(match[1])) {
    throw new RegistryError('RANGE_INVALID', 'Content-Range must be "<start>-<end>" with end ≥ start', { contentRange: header }, { status: 416 });
  }
  return { start: Number(match[1]), end: Number(match[2]) };
}

/** The declared body length, or undefined when the body is streamed (chunked) or absent. */
export function contentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const length = Number(header);
  if (!/^\d+$/.test(header) || !Number.isSafeInteger(length)) throw new RegistryError('SIZE_INVALID', 'invalid Content-Length', { contentLength: header });
  return length;
}

export function nextLink(path: string, next: { n: number; last: string } | undefined, extra: Record<string, string> = {}): string | undefined {
  if (!next) return undefined;
  const query = new URLSearchParams({ ...extra, n: String(next.n), last: next.last });
  return `<${path}?${query.toString()}>; rel="next"`;
}
