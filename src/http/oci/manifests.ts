// /v2/<name>/manifests/<reference>: GET, HEAD, PUT (with ?tag=), DELETE.
import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../../domain/errors.js';
import { contentLength } from './headers.js';
import { queryValues, type Handler } from './request.js';

/** Reads a manifest body, refusing more than `limit` bytes before reading them all. */
async function readBody(request: FastifyRequest, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new RegistryError('SIZE_INVALID', `manifest exceeds the limit of ${limit} bytes`, { limit }, { status: 413 });
  const declared = contentLength(request.headers['content-length']);
  if (declared !== undefined && declared > limit) throw tooLarge();
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request.raw) {
    size += (part as Buffer).length;
    if (size > limit) throw tooLarge();
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts, size);
}

export const headManifest: Handler = async ({ request, reply, services, ctx, name, target }) => {
  const accept = request.headers.accept;
  const manifest = services.pullThrough
    ? await services.pullThrough.statManifest(ctx, name, target, accept)
    : await services.manifests.stat(ctx, name, target, accept);
  return reply
    .code(200)
    .headers({
      'Content-Type': manifest.mediaType,
      'Content-Length': manifest.size,
      'Docker-Content-Digest': manifest.digest,
      ETag: `"${manifest.digest}"`,
    })
    .send();
};

export const getManifest: Handler = async ({ request, reply, services, ctx, name, target }) => {
  const accept = request.headers.accept;
  const manifest = services.pullThrough
    ? await services.pullThrough.getManifest(ctx, name, target, accept)
    : await services.manifests.get(ctx, name, target, accept);
  const etag = `"${manifest.digest}"`;
  reply.header('Docker-Content-Digest', manifest.digest).header('ETag', etag);
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.code(200).type(manifest.mediaType).send(manifest.bytes);
};

export const putManifest: Handler = async (exchange) => {
  const { request, reply, services, ctx, name, addressed, target } = exchange;
  const bytes = await readBody(request, services.manifests.options.maxManifestBytes);
  const result = await services.manifests.put(
    ctx,
    name,
    target,
    bytes,
    request.headers['content-type'],
    queryValues(exchange, 'tag'),
  );
  reply.code(201).headers({
    Location: `/v2/${addressed}/manifests/${result.digest}`,
    'Docker-Content-Digest': result.digest,
    'Content-Length': 0,
  });
  if (result.subject) reply.header('OCI-Subject', result.subject);
  if (queryValues(exchange, 'tag').length > 0) reply.header('OCI-Tag', result.tags.join(', '));
  return reply.send();
};

export const deleteManifest: Handler = async ({ reply, services, ctx, name, target }) => {
  await services.manifests.delete(ctx, name, target);
  return reply.code(202).header('Content-Length', 0).send();
};
