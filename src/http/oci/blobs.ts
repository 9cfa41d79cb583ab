// /v2/<name>/blobs/<digest>: HEAD, GET (with Range) and DELETE.
import type { Handler } from './request.js';
import { resolveByteRange } from './headers.js';
import { sendFileRange } from '../send-file.js';

export const headBlob: Handler = async ({ reply, services, ctx, name, target }) => {
  const blob = await services.blobs.stat(ctx, name, target);
  return reply.code(200).headers({
    'Content-Length': blob.size,
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': blob.digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${blob.digest}"`,
  }).send();
};

export const getBlob: Handler = async ({ request, reply, services, ctx, name, target }) => {
  const rangeHeader = request.headers.range;
  const blob = await services.blobs.open(ctx, name, target, (size) => resolveByteRange(rangeHeader, size));
  reply.headers({
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': blob.digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${blob.digest}"`,
    'Cache-Control': 'max-age=31536000',
  });
  if (blob.range) {
    reply.code(206).headers({
      'Content-Range': `bytes ${blob.range.start}-${blob.range.end}/${blob.size}`,
      'Content-Length': blob.range.end - blob.range.start + 1,
    });
  } else {
    reply.code(200).header('Content-Length', blob.size);
  }
  if (blob.body.kind === 'file') {
    const { start, end } = blob.range ?? { start: 0, end: blob.size - 1 };
    return sendFileRange(reply, blob.body.file, start, end);
  }
  return reply.send(blob.body.stream);
};

export const deleteBlob: Handler = async ({ reply, services, ctx, name, target }) => {
  await services.blobs.delete(ctx, name, target);
  return reply.code(202).header('Content-Length', 0).send();
};
