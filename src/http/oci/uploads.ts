// /v2/<name>/blobs/uploads/[<id>]: start (or mount, or monolithic), PATCH, PUT, GET status, DELETE.
import { RegistryError } from '../../domain/errors.js';
import { progressRange } from '../../registry/upload-streams.js';
import type { UploadStatus } from '../../registry/uploads.js';
import type { FastifyReply } from 'fastify';
import { queryValue, requestChunk, type Handler } from './request.js';

/** `addressed`: the repository as the request's path names it (Exchange.addressed). */
function uploadLocation(addressed: string, id: string): string {
  return `/v2/${addressed}/blobs/uploads/${id}`;
}

function sendProgress(reply: FastifyReply, addressed: string, status: UploadStatus, code: number) {
  return reply
    .code(code)
    .headers({
      Location: uploadLocation(addressed, status.id),
      Range: progressRange(status.size),
      'Docker-Upload-UUID': status.id,
      'Content-Length': 0,
    })
    .send();
}

function sendBlobCreated(reply: FastifyReply, addressed: string, digest: string) {
  return reply
    .code(201)
    .headers({ Location: `/v2/${addressed}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 })
    .send();
}

export const startUpload: Handler = async (exchange) => {
  const { request, reply, services, ctx, name, addressed } = exchange;
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
  if (result.kind === 'started') return sendProgress(reply, addressed, result.upload, 202);
  return sendBlobCreated(reply, addressed, result.digest);
};

/** A chunk out of order (416 with the upload's Range) also names the upload, so the client can resume there. */
async function locatingRangeErrors<T>(
  reply: FastifyReply,
  addressed: string,
  id: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'RANGE_INVALID' && err.headers.Range !== undefined) {
      reply.header('Location', uploadLocation(addressed, id));
    }
    throw err;
  }
}

export const patchUpload: Handler = async ({ request, reply, services, ctx, name, addressed, target }) => {
  const status = await locatingRangeErrors(reply, addressed, target, () =>
    services.uploads.append(ctx, name, target, requestChunk(request)),
  );
  return sendProgress(reply, addressed, status, 202);
};

export const putUpload: Handler = async (exchange) => {
  const { request, reply, services, ctx, name, addressed, target } = exchange;
  const chunk = requestChunk(request);
  const digest = await locatingRangeErrors(reply, addressed, target, () =>
    services.uploads.complete(ctx, name, target, queryValue(exchange, 'digest'), chunk),
  );
  return sendBlobCreated(reply, addressed, digest);
};

export const getUpload: Handler = async ({ reply, services, ctx, name, addressed, target }) => {
  return sendProgress(reply, addressed, await services.uploads.status(ctx, name, target), 204);
};

export const deleteUpload: Handler = async ({ reply, services, ctx, name, target }) => {
  await services.uploads.cancel(ctx, name, target);
  return reply.code(204).send();
};
