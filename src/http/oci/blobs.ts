// /v2/<name>/blobs/<digest>: HEAD, GET (with Range) and DELETE.
import type { Handler } from './request.js';
import { resolveByteRange } from '../byte-range.js';
import { sendBlob } from '../send-blob.js';

export const headBlob: Handler = async ({ reply, services, ctx, name, target }) => {
  const blob = services.pullThrough
    ? await services.pullThrough.statBlob(ctx, name, target)
    : await services.blobs.stat(ctx, name, target);
  return reply
    .code(200)
    .headers({
      'Content-Length': blob.size,
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': blob.digest,
      'Accept-Ranges': 'bytes',
      ETag: `"${blob.digest}"`,
    })
    .send();
};

export const getBlob: Handler = async ({ request, reply, services, ctx, name, target }) => {
  const rangeHeader = request.headers.range;
  const range = (size: number) => resolveByteRange(rangeHeader, size);
  const blob = services.pullThrough
    ? await services.pullThrough.openBlob(ctx, name, target, range)
    : await services.blobs.open(ctx, name, target, range);
  return sendBlob(reply, blob, 'max-age=31536000');
};

export const deleteBlob: Handler = async ({ reply, services, ctx, name, target }) => {
  await services.blobs.delete(ctx, name, target);
  return reply.code(202).header('Content-Length', 0).send();
};
