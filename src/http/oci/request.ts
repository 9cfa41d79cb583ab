// What every handler of the registry protocol receives.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../registry/context.js';
import type { RegistryServices } from '../../registry/services.js';
import type { Chunk } from '../../registry/uploads.js';
import { contentLength, parseChunkRange } from './headers.js';

export interface Exchange {
  request: FastifyRequest;
  reply: FastifyReply;
  name: string;
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

/** The request body as a chunk, or undefined when the request has none. */
export function requestChunk(request: FastifyRequest): Chunk | undefined {
  const length = contentLength(request.headers['content-length']);
  const streamed = request.headers['transfer-encoding'] !== undefined;
  const range = parseChunkRange(request.headers['content-range'] as string | undefined);
  if (!streamed && !length) return undefined;
  return range ? { body: request.raw, range } : { body: request.raw };
}
