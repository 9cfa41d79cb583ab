// The AWS JSON 1.1 protocol on the wire: the content type, X-Amz-Target (`<targetPrefix>.<Action>`,
// the prefix being the service model's metadata.targetPrefix) and the response.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** The largest request body the host reads (PutImage's manifests, UploadLayerPart's parts). */
export const MAX_BODY = 64 * 1024 * 1024;

export interface Target {
  /** The service's target prefix, e.g. AmazonEC2ContainerRegistry_V20150921. */
  prefix: string;
  /** The action, e.g. ListImages. */
  action: string;
  /** The whole header (paging tokens are bound to it). */
  target: string;
}

/** X-Amz-Target split at its last dot (CloudTrail's prefix has dots; no action has one); undefined for a missing or malformed header. */
export function parseTarget(header: string | string[] | undefined): Target | undefined {
  if (typeof header !== 'string') return undefined;
  const dot = header.lastIndexOf('.');
  if (dot < 0) return undefined;
  return { prefix: header.slice(0, dot), action: header.slice(dot + 1), target: header };
}

export function sendOutput(request: FastifyRequest, reply: FastifyReply, output: object): FastifyReply {
  // A Buffer: Fastify appends '; charset=utf-8' to the Content-Type of a string body.
  return reply
    .header('x-amzn-RequestId', request.id)
    .type(JSON_CONTENT_TYPE)
    .send(Buffer.from(JSON.stringify(output)));
}
