// Parsing of the protocol's request headers (Content-Range, Content-Length; Range is in
// http/byte-range.ts) and building of its response headers (Link, Location).
import { RegistryError } from '../../domain/errors.js';
import type { ChunkRange } from '../../registry/upload-streams.js';

/**
 * `Content-Range: <start>-<end>` of a chunk (a "bytes " or "bytes=" prefix and a "/<total>" or
 * "/*" suffix are tolerated). Anything else, an end before the start, or a total the range does
 * not fit in, is 416; numbers are at most 15 digits, so always safe integers.
 */
export function parseChunkRange(header: string | undefined): ChunkRange | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(\d{1,15}|\*))?$/.exec(header.trim());
  const refuse = (why: string) => new RegistryError('RANGE_INVALID', why, { contentRange: header }, { status: 416 });
  if (!match) throw refuse('Content-Range must be "<start>-<end>" (non-negative integers of at most 15 digits)');
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) throw refuse(`Content-Range ends at ${end}, before its start ${start}`);
  if (match[3] !== undefined && match[3] !== '*' && Number(match[3]) <= end) {
    throw refuse(`Content-Range total ${match[3]} is not beyond its end ${end}`);
  }
  return { start, end };
}

/** The declared body length, or undefined when the body is streamed (chunked) or absent. */
export function contentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const length = Number(header);
  if (!/^\d+$/.test(header) || !Number.isSafeInteger(length))
    throw new RegistryError('SIZE_INVALID', 'invalid Content-Length', { contentLength: header });
  return length;
}

export function nextLink(
  path: string,
  next: { n: number; last: string } | undefined,
  extra: Record<string, string> = {},
): string | undefined {
  if (!next) return undefined;
  const query = new URLSearchParams({ ...extra, n: String(next.n), last: next.last });
  return `<${path}?${query.toString()}>; rel="next"`;
}
