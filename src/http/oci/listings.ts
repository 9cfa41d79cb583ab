// /v2/, /v2/_catalog, /v2/<name>/tags/list and /v2/<name>/referrers/<digest>.
import { nextLink } from './headers.js';
import { queryValue, type Exchange, type Handler } from './request.js';

function page(exchange: Exchange) {
  const n = queryValue(exchange, 'n');
  const last = queryValue(exchange, 'last');
  return { ...(n !== undefined && { n }), ...(last !== undefined && { last }) };
}

export const base: Handler = async ({ reply }) => reply.code(200).type('application/json').send('{}');

export const catalog: Handler = async (exchange) => {
  const { reply, services, ctx } = exchange;
  const result = await services.listings.catalog(ctx, page(exchange));
  const link = nextLink('/v2/_catalog', result.next);
  if (link) reply.header('Link', link);
  return reply.code(200).send({ repositories: result.items });
};

export const tags: Handler = async (exchange) => {
  const { reply, services, ctx, name, addressed } = exchange;
  const result = await services.listings.tags(ctx, name, page(exchange));
  const link = nextLink(`/v2/${addressed}/tags/list`, result.next);
  if (link) reply.header('Link', link);
  return reply.code(200).send({ name, tags: result.items });
};

export const referrers: Handler = async (exchange) => {
  const { reply, services, ctx, name, target } = exchange;
  const artifactType = queryValue(exchange, 'artifactType');
  const result = await services.listings.referrers(ctx, name, target, artifactType || undefined);
  if (result.filtered) reply.header('OCI-Filters-Applied', 'artifactType');
  // A Buffer, not a string: Fastify appends "; charset=utf-8" to string bodies, and the spec
  // (and clients comparing it) want the Content-Type to be exactly the index media type.
  return reply
    .code(200)
    .type(result.index.mediaType)
    .send(Buffer.from(JSON.stringify(result.index)));
};
