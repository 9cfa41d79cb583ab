// /v2/<name>/blobs/uploads/[<id>]: start (or mount, or monolithic), PATCH, PUT, GET status, DELETE.
import { RegistryError } from '../../domain/errors.js';
import { progressRange, type UploadStatus } from '../../registry/uploads.js';
import type { FastifyReply } from 'fastify';
import { queryValue, requestChunk, type Handler } from './request.js';

function uploadLocation(name: string, id: string): string {
  return `/v2/${name}/blobs/uploads/${id}`;
}

function sendProgress(reply: FastifyReply, status: UploadStatus, code: number) {
  return reply
    .code(code)
    .headers({
      Location: uploadLocation(status.name, status.id),
      Range: progressRange(status.size),
      'Docker-Upload-UUID': status.id,
      'Content-Length': 0,
    })
    .send();
}

function sendBlobCreated(reply: FastifyReply, name: string, digest: string) {
  return reply
    .code(201)
    .headers({ Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 })
    .send();
}

export const startUpload: Handler = async (exchange) => {
  const { request, reply, services, ctx, name } = exchange;
  const digest = queryValue(exchange, 'digest');
  const mount = queryValue(exchange, 'mount');
  const from = queryValue(exchange, 'from');
  const chunk = digest !== undefined ? requestChunk(request) : undefined;
  const result = await services.uploads.start(ctx, name, {
    ...(digest !== undefined && { digest }),
    ...(mount !== undefined && { mount }),
    ...(from !== undefined && { from }),
    ...(chunk && { chunk }),
  });
  if (result.kind === 'started') return sendProgress(reply, result.upload, 202);
  return sendBlobCreated(reply, result.name, result.digest);
};

/** A chunk out of order (416 with the upload's Range) also names the upload, so the client can resume there. */
async function locatingRangeErrors<T>(
  reply: FastifyReply,
  name: string,
  id: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'RANGE_INVALID' && err.headers.Range !== undefined) {
      reply.header('Location', uploadLocation(name, id));
    }
    throw err;
  }
}

export const patchUpload: Handler = async ({ request, reply, services, ctx, name, target }) => {
  const status = await locatingRangeErrors(reply, name, target, () =>
    services.uploads.append(ctx, name, target, requestChunk(request)),
  );
  return sendProgress(reply, status, 202);
};

export const putUpload: Handler = async (exchange) => {
  const { request, reply, services, ctx, name, target } = exchange;
  const chunk = requestChunk(request);
  const digest = await locatingRangeErrors(reply, name, target, () =>
    services.uploads.complete(ctx, name, target, queryValue(exchange, 'digest'), chunk),
  );
  return sendBlobCreated(reply, name, digest);
};

export const getUpload: Handler = async ({ reply, services, ctx, name, target }) => {
  return sendProgress(reply, await services.uploads.status(ctx, name, target), 204);
};

export const deleteUpload: Handler = async ({ reply, services, ctx, name, target }) => {
  await services.uploads.cancel(ctx, name, target);
  return reply.code(204).send();
};
