// The Repositories section's routes: the list (keyset pages by name, a name prefix search, the
// private and public registries), creating one, and the dispatch of a repository's pages under
// /console/repositories/<name>/-/<page> to the route modules of SUBPAGES (subpage.ts).
import type { FastifyInstance } from 'fastify';
import { publicRegistry } from '../../domain/registry.js';
import type { RequestContext } from '../../domain/request-context.js';
import type { TagMutabilityFilter } from '../../domain/tag-mutability.js';
import type { Repository } from '../../domain/records/repositories.js';
import { refusal } from './errors.js';
import { imagesRoutes } from './images-routes.js';
import { errorPage } from './layout.js';
import { type ConsoleOptions, type Guard, html } from './plugin.js';
import { permissionsRoutes } from './permissions-routes.js';
import {
  type CreateValues,
  createRepositoryPage,
  type RepositorySort,
  repositoryListPage,
  repoPath,
} from './repository-pages.js';
import { settingsRoutes } from './settings-routes.js';
import { type Query, type RepositorySubpage, type RepositorySubpages, splitRepositoryPath } from './subpage.js';

const PAGE = 50;

/** The route modules of a repository's pages. */
const SUBPAGES: RepositorySubpages[] = [imagesRoutes, permissionsRoutes, settingsRoutes];

/** A page of names after `after` that begin with `prefix` (keyset: never an offset). */
async function listPage(
  options: ConsoleOptions,
  ctx: RequestContext,
  tab: 'private' | 'public',
  prefix: string,
  after: string | undefined,
  sort: RepositorySort = 'name',
): Promise<{ repositories: Repository[]; next?: string }> {
  const services = tab === 'public' ? options.publicServices : options.services;
  const scoped = tab === 'public' ? { ...ctx, registry: publicRegistry(ctx.registry.accountId) } : ctx;
  if (sort !== 'name' && !prefix) {
    // By creation time: keyset pages on (created at, name); `after` is "<created at>:<name>".
    const at = after === undefined ? -1 : after.indexOf(':');
    const keyset = at > 0 ? { createdAt: Number(after!.slice(0, at)), name: after!.slice(at + 1) } : undefined;
    const page = await services.repositories.describeByCreation(scoped, {
      ...(keyset && Number.isSafeInteger(keyset.createdAt) && { after: keyset }),
      limit: PAGE,
      oldestFirst: sort === 'oldest',
    });
    return {
      repositories: page.repositories,
      ...(page.after && { next: `${page.after.createdAt}:${page.after.name}` }),
    };
  }
  const found: Repository[] = [];
  // The prefix itself is a name too; every other match sorts after it.
  if (prefix && after === undefined) {
    const exact = await services.repositories.describeNamed(scoped, [prefix]).catch(() => []);
    found.push(...exact);
  }
  const start = after ?? (prefix || undefined);
  const page = await services.repositories.describePage(scoped, {
    ...(start !== undefined && { last: start }),
    limit: PAGE,
  });
  const matching = page.repositories.filter((r) => r.name.startsWith(prefix));
  found.push(...matching);
  const more = page.last !== undefined && matching.length === page.repositories.length;
  return { repositories: found, ...(more && { next: page.last }) };
}

function exclusions(text: string): TagMutabilityFilter[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((filter) => ({ filterType: 'WILDCARD' as const, filter }));
}

export function registerRepositoryRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  app.get(
    '/repositories',
    guard(async (request, reply, { viewer, ctx }) => {
      const query = request.query as Query;
      const tab = query.tab === 'public' ? 'public' : 'private';
      const q = (query.q ?? '').trim().slice(0, 256);
      // A search is by name prefix, so its results are in name order.
      const sort: RepositorySort = !q && (query.sort === 'newest' || query.sort === 'oldest') ? query.sort : 'name';
      try {
        const page = await listPage(options, ctx, tab, q, query.after || undefined, sort);
        return html(reply, 200, repositoryListPage(viewer, { tab, query: q, sort, host: request.host, ...page }));
      } catch (err) {
        const { status, message } = refusal(err);
        return html(
          reply,
          status,
          repositoryListPage(viewer, { tab, query: q, sort, host: request.host, repositories: [] }, message),
        );
      }
    }),
  );

  const keysFor = (ctx: RequestContext) => options.kmsKeys(ctx).catch(() => []);
  app.get(
    '/create-repository',
    guard(async (_request, reply, { viewer, ctx }) =>
      html(reply, 200, createRepositoryPage(viewer, await keysFor(ctx), {})),
    ),
  );
  app.post(
    '/create-repository',
    guard(async (_request, reply, { viewer, ctx, form }) => {
      const values: CreateValues = {
        name: (form.get('name') ?? '').trim(),
        mutability: form.get('mutability') === 'IMMUTABLE' ? 'IMMUTABLE' : 'MUTABLE',
        exclusions: form.get('exclusions') ?? '',
        encryption: form.get('encryption') === 'KMS' ? 'KMS' : 'AES256',
        kmsKey: form.get('kmsKey') ?? '',
        scanOnPush: form.get('scanOnPush') === 'on',
      };
      const filters = exclusions(values.exclusions ?? '');
      try {
        const immutable = values.mutability === 'IMMUTABLE';
        await options.services.repositories.create(ctx, {
          name: values.name!,
          imageTagMutability: immutable
            ? filters.length
              ? 'IMMUTABLE_WITH_EXCLUSION'
              : 'IMMUTABLE'
            : filters.length
              ? 'MUTABLE_WITH_EXCLUSION'
              : 'MUTABLE',
          ...(filters.length > 0 && { imageTagMutabilityExclusionFilters: filters }),
          scanOnPush: values.scanOnPush ?? false,
          encryption:
            values.encryption === 'KMS'
              ? { encryptionType: 'KMS', ...(values.kmsKey ? { kmsKey: values.kmsKey } : {}) }
              : { encryptionType: 'AES256' },
        });
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, createRepositoryPage(viewer, await keysFor(ctx), values, message));
      }
      return reply.redirect(repoPath(values.name!), 303);
    }),
  );

  const pages = Object.assign({}, ...SUBPAGES.map((module) => module(options))) as Record<string, RepositorySubpage>;
  const dispatch = (method: 'get' | 'post') =>
    guard(async (request, reply, c) => {
      const { name, page, rest } = splitRepositoryPath((request.params as { '*': string })['*']);
      const handler = Object.hasOwn(pages, page) ? pages[page]![method] : undefined;
      if (!handler) return reply.callNotFound();
      try {
        return await handler({ request, reply, c, name, rest, query: request.query as Query });
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, errorPage(c.viewer, 'repositories', message));
      }
    });
  app.get('/repositories/*', dispatch('get'));
  app.post('/repositories/*', dispatch('post'));
}
