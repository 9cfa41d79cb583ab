// What every handler of the registry protocol receives.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../../domain/errors.js';
import type { RequestContext } from '../../domain/request-context.js';
import type { RegistryServices } from '../../registry/services.js';
import type { Chunk } from '../../registry/upload-streams.js';
import { contentLength, parseChunkRange } from './headers.js';

export interface Exchange {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The repository the services address. */
  name: string;
  /**
   * The repository as the request's path names it, which Location and Link headers repeat: the
   * name itself, or on the public registry <alias>/<name>.
   */
  addressed: string;
  target: string;
  ctx: RequestContext;
  services: RegistryServices;
  query: Record<string, string | string[] | undefined>;
}

export type Handler = (exchange: Exchange) => Promise<unknown>;

/** One query value (the first, when repeated). */
export function queryValue(exchange: Exchange, key: string): string | undefined {
  const value = exchange.query[key];
  return Array.isArray(value) ? value[0] : value;
}

export function queryValues(exchange: Exchange, key: string): string[] {
  const value = exchange.query[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * An HTTP/2 request announces a body of unknown length by not ending its stream with the
 * headers (HTTP/2 has no Transfer-Encoding: chunked): a streamed PATCH looks like that.
 */
function http2BodyFollows(request: FastifyRequest): boolean {
  if (request.raw.httpVersionMajor !== 2 || request.headers['content-length'] !== undefined) return false;
  const stream = (request.raw as unknown as { stream?: { endAfterHeaders?: boolean } }).stream;
  return stream?.endAfterHeaders === false;
}

/** The request body as a chunk, or undefined when the request has none. */
export function requestChunk(request: FastifyRequest): Chunk | undefined {
  const length = contentLength(request.headers['content-length']);
  const streamed = request.headers['transfer-encoding'] !== undefined || http2BodyFollows(request);
  const range = parseChunkRange(request.headers['content-range'] as string | undefined);
  // Refused before a byte is written: a chunk that disagrees with its own range would otherwise
  // be appended before the mismatch is noticed, leaving the upload changed by a rejected request.
  if (range && length !== undefined && length !== range.end - range.start + 1) {
    throw new RegistryError(
      'SIZE_INVALID',
      `Content-Length ${length} does not match Content-Range ${range.start}-${range.end}`,
      { contentLength: length, start: range.start, end: range.end },
    );
  }
  if (!streamed && !length) return undefined;
  return range ? { body: request.raw, range } : { body: request.raw };
}
