// The gallery website and its search API, served on the public listener: / (search),
// /publisher/<alias>, /repository/<alias>/<name>, /api/search (JSON), logos and static assets.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { GalleryService, SearchQuery } from '../../public/gallery.js';
import { SORT_ORDERS, type SortOrder } from '../../public/search.js';
import { GALLERY_CSS, GALLERY_JS } from './assets.js';
import { notFoundPage, publisherPage, repositoryPage, searchPage } from './pages.js';

const PAGE = 24;
const MAX_PAGE = 100;
/** Publisher content is escaped or sanitized; the policy makes any slip inert as well. */
const CSP =
  "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface GalleryOptions {
  gallery: GalleryService;
  /** The public registry's host as pull commands name it (configured, or the request's Host). */
  host: string;
}

type Query = Record<string, string | undefined>;

function searchQuery(query: Query): SearchQuery {
  const pick = (v: string | undefined) => (v?.trim() ? v.trim().slice(0, 200) : undefined);
  const text = pick(query.q);
  const alias = pick(query.alias);
  const architecture = pick(query.architecture);
  const operatingSystem = pick(query.os);
  const sort = sortOrder(query.sort);
  return {
    ...(text && { text }),
    ...(alias && { alias }),
    ...(architecture && { architecture }),
    ...(operatingSystem && { operatingSystem }),
    ...(sort && { sort }),
  };
}

/** A known sort order; undefined for none or an unknown one. */
function sortOrder(value: string | undefined): SortOrder | undefined {
  return SORT_ORDERS.find((o) => o === value);
}

function count(value: string | undefined, fallback: number, max: number): number {
  const n = value === undefined ? fallback : Number(value);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('Content-Security-Policy', CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .type('text/html; charset=utf-8')
    .send(body);
}

export async function galleryPlugin(app: FastifyInstance, options: GalleryOptions): Promise<void> {
  const hostOf = (host: string | undefined) => options.host || host || 'localhost';

  app.get('/', async (request, reply) => {
    const query = request.query as Query;
    const offset = count(query.offset, 0, 100_000);
    const result = await options.gallery.search(searchQuery(query), { offset, limit: PAGE });
    return html(reply, 200, searchPage(searchQuery(query), result, offset, PAGE));
  });

  app.get('/api/search', async (request, reply) => {
    const query = request.query as Query;
    const limit = count(query.maxResults, PAGE, MAX_PAGE) || PAGE;
    if (query.sort !== undefined && query.sort !== '' && !sortOrder(query.sort)) {
      return reply
        .code(400)
        .send({ error: 'InvalidParameter', message: `sort must be one of ${SORT_ORDERS.join(', ')}` });
    }
    let offset = 0;
    if (query.nextToken !== undefined) {
      offset = Number(Buffer.from(query.nextToken, 'base64url').toString('utf8'));
      if (!Number.isInteger(offset) || offset < 0)
        return reply
          .code(400)
          .send({ error: 'InvalidParameter', message: 'nextToken must come from a previous response' });
    }
    const result = await options.gallery.search(searchQuery(query), { offset, limit });
    return reply.send({
      total: result.total,
      repositories: result.items.map((c) => ({
        alias: c.alias,
        repositoryName: c.name,
        uri: `${hostOf(request.headers.host)}/${c.reference}`,
        description: c.description,
        architectures: c.architectures,
        operatingSystems: c.operatingSystems,
        createdAt: c.createdAt / 1000,
        ...(c.lastPushedAt !== null && { lastPushedAt: c.lastPushedAt / 1000 }),
        ...(c.hasLogo && { logoUrl: `/logos/${c.repositoryId}` }),
      })),
      ...(result.nextOffset !== undefined && {
        nextToken: Buffer.from(String(result.nextOffset)).toString('base64url'),
      }),
    });
  });

  app.get('/publisher/:alias', async (request, reply) => {
    const { alias } = request.params as { alias: string };
    const sort = (request.query as Query).sort === 'pushed' ? 'pushed' : 'name';
    const publisher = await options.gallery.publisher(alias, sort);
    return publisher
      ? html(reply, 200, publisherPage(publisher, sort))
      : html(reply, 404, notFoundPage(`No publisher is called '${alias}'.`));
  });

  app.get('/repository/:alias/*', async (request, reply) => {
    const { alias, '*': name } = request.params as { alias: string; '*': string };
    const page = await options.gallery.repository(alias, name);
    return page
      ? html(reply, 200, repositoryPage(page, hostOf(request.headers.host)))
      : html(reply, 404, notFoundPage(`No public repository is called '${alias}/${name}'.`));
  });

  app.get('/logos/:id', async (request, reply) => {
    const logo = await options.gallery.logo((request.params as { id: string }).id);
    if (!logo) return reply.code(404).send({ error: 'NotFound' });
    return reply
      .type(logo.mediaType)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'public, max-age=300')
      .send(logo.data);
  });

  app.get('/static/gallery.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(GALLERY_CSS),
  );
  app.get('/static/gallery.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(GALLERY_JS),
  );
}
