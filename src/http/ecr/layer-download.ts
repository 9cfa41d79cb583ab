// GET /layers/<token>: the download URLs GetDownloadUrlForLayer hands out. The signed token is
// the permission (as a pre-signed S3 URL is); bodies stream with Range support like /v2 blobs.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRegistryError } from '../../domain/errors.js';
import { LayerUrlError, type LayerUrlService } from '../../registry/layer-urls.js';
import { sendBlob } from '../send-blob.js';
import { resolveByteRange } from '../byte-range.js';

export interface LayerDownloadOptions {
  layerUrls: LayerUrlService;
}

/** Errors in the shape S3 gives a pre-signed URL's client: a code and a message. */
function renderDownloadError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const send = (status: number, code: string, message: string) =>
    reply.code(status).type('application/json').send({ code, message });
  if (err instanceof LayerUrlError)
    return send(403, err.reason === 'expired' ? 'ExpiredToken' : 'AccessDenied', err.message);
  if (isRegistryError(err) && err.code === 'RANGE_INVALID')
    return reply
      .headers(err.headers)
      .code(416)
      .type('application/json')
      .send({ code: 'InvalidRange', message: err.message });
  if (isRegistryError(err) && (err.code === 'BLOB_UNKNOWN' || err.code === 'DIGEST_INVALID'))
    return send(404, 'NoSuchKey', 'the layer is no longer in the repository');
  request.log.error({ err }, 'layer download failed');
  return send(500, 'InternalError', 'An internal error occurred.');
}

export async function layerDownloadPlugin(app: FastifyInstance, options: LayerDownloadOptions): Promise<void> {
  app.setErrorHandler((err, request, reply) => renderDownloadError(err, request, reply));
  app.get<{ Params: { token: string } }>('/layers/:token', async (request, reply) => {
    const rangeHeader = request.headers.range;
    const blob = await options.layerUrls.open(request.params.token, (size) => resolveByteRange(rangeHeader, size));
    return sendBlob(reply, blob, 'private, max-age=3600');
  });
}
