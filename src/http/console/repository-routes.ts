// The Repositories section's routes: the list (keyset pages by name, a name prefix search, the
// private and public registries), creating one, and a repository's pages under
// /console/repositories/<name>/-/<page> (images, push commands, image detail, permissions, settings).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Actions } from '../../domain/actions.js';
import { publicRegistry } from '../../domain/registry.js';
import type { RequestContext } from '../../domain/request-context.js';
import type { TagMutabilityFilter } from '../../domain/tag-mutability.js';
import type { Repository } from '../../domain/records/repositories.js';
import { CHECKABLE_ACTIONS, checkAccess } from './access-check.js';
import { refusal } from './errors.js';
import { errorPage } from './layout.js';
import { type ConsoleOptions, type ConsoleRequest, type Guard, html } from './plugin.js';
import {
  type AccessQuestion,
  confirmDeletePage,
  type CreateValues,
  createRepositoryPage,
  imageDetailPage,
  imagesPage,
  permissionsPage,
  POLICY_TEMPLATES,
  pushCommandsPage,
  repositoryListPage,
  repoPath,
  settingsPage,
} from './repository-pages.js';

const PAGE = 50;
type Query = Record<string, string | undefined>;

/** A page of names after `after` that begin with `prefix` (keyset: never an offset). */
async function listPage(
  options: ConsoleOptions,
  ctx: RequestContext,
  tab: 'private' | 'public',
  prefix: string,
  after: string | undefined,
): Promise<{ repositories: Repository[]; next?: string }> {
  const services = tab === 'public' ? options.publicServices : options.services;
  const scoped = tab === 'public' ? { ...ctx, registry: publicRegistry(ctx.registry.accountId) } : ctx;
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
  const target = (host: string) => ({
    host,
    endpoint: `${options.tls ? 'https' : 'http'}://${host}`,
    region: options.region,
    tls: options.tls,
  });

  app.get(
    '/repositories',
    guard(async (request, reply, { viewer, ctx }) => {
      const query = request.query as Query;
      const tab = query.tab === 'public' ? 'public' : 'private';
      const q = (query.q ?? '').trim().slice(0, 256);
      try {
        const page = await listPage(options, ctx, tab, q, query.after || undefined);
        return html(reply, 200, repositoryListPage(viewer, { tab, query: q, host: request.host, ...page }));
      } catch (err) {
        const { status, message } = refusal(err);
        return html(
          reply,
          status,
          repositoryListPage(viewer, { tab, query: q, host: request.host, repositories: [] }, message),
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

  /** `team/app/-/image/sha256:…` → the name and the page within it. */
  const split = (path: string): { name: string; sub: string } => {
    let decoded: string;
    try {
      decoded = path.split('/').map(decodeURIComponent).join('/');
    } catch {
      decoded = ''; // a malformed escape names no repository
    }
    const at = decoded.indexOf('/-/');
    return at === -1
      ? { name: decoded.replace(/\/$/, ''), sub: '' }
      : { name: decoded.slice(0, at), sub: decoded.slice(at + 3) };
  };

  const imagesView = async (c: ConsoleRequest, name: string, after?: string) => {
    const page = await options.services.images.list(
      c.ctx,
      name,
      { tagStatus: 'ANY', imageStatus: 'ANY' },
      { ...(after !== undefined && { last: after }), limit: PAGE },
    );
    const canDelete = await options.access.authorize(c.ctx, name, Actions.BatchDeleteImage).then(
      () => true,
      () => false,
    );
    return { repository: page.repository, images: page.items, ...(page.next && { next: page.next }), canDelete };
  };

  const policyPage = async (
    reply: FastifyReply,
    c: ConsoleRequest,
    name: string,
    state: { message?: string; error?: string; status?: number; text?: string; question?: AccessQuestion },
  ) => {
    let text = state.text;
    if (text === undefined) {
      text = await options.services.policies.getRepositoryPolicy(c.ctx, name).then(
        (p) => JSON.stringify(JSON.parse(p.policyText), null, 2),
        (err: unknown) => {
          if ((err as { code?: string }).code === 'REPOSITORY_POLICY_NOT_FOUND') return '';
          throw err;
        },
      );
    }
    return html(reply, state.status ?? 200, permissionsPage(c.viewer, name, text, state));
  };

  app.get(
    '/repositories/*',
    guard(async (request, reply, c) => {
      const { name, sub } = split((request.params as { '*': string })['*']);
      try {
        if (sub === '') {
          const after = (request.query as Query).after || undefined;
          return html(reply, 200, imagesPage(c.viewer, await imagesView(c, name, after)));
        }
        if (sub === 'push') {
          await options.services.repositories.describeNamed(c.ctx, [name]);
          return html(reply, 200, pushCommandsPage(c.viewer, name, target(request.host)));
        }
        if (sub === 'settings') {
          const [repository] = await options.services.repositories.describeNamed(c.ctx, [name]);
          return html(reply, 200, settingsPage(c.viewer, repository!));
        }
        if (sub === 'permissions') {
          const query = request.query as Query;
          if (query.principal === undefined) return await policyPage(reply, c, name, {});
          const action = CHECKABLE_ACTIONS.find((a) => a === query.action) ?? CHECKABLE_ACTIONS[0];
          const saved = await options.services.policies.getRepositoryPolicy(c.ctx, name).then(
            (p) => p.policyText,
            (err: unknown) => {
              if ((err as { code?: string }).code === 'REPOSITORY_POLICY_NOT_FOUND') return '';
              throw err;
            },
          );
          const answer = checkAccess(saved, c.viewer.accountId, options.region, name, query.principal, action);
          return await policyPage(reply, c, name, { question: { principal: query.principal, action, answer } });
        }
        if (sub.startsWith('image/')) {
          const digest = sub.slice('image/'.length);
          const described = await options.services.images.describe(c.ctx, name, [{ imageDigest: digest }]);
          const image = described.items[0];
          if (!image)
            return html(
              reply,
              404,
              imagesPage(c.viewer, await imagesView(c, name), undefined, `No image ${digest} in ${name}.`),
            );
          const manifest = (await options.services.manifests.bytes(described.repository, image)).toString('utf8');
          let layers: { digest: string; size: number; mediaType: string }[] = [];
          try {
            const parsed = JSON.parse(manifest) as { layers?: { digest: string; size: number; mediaType: string }[] };
            layers = Array.isArray(parsed.layers) ? parsed.layers : [];
          } catch {
            /* not JSON: no layers to show */
          }
          const referrers = await options.services.listings
            .referrersPage(c.ctx, name, image.digest, [], { limit: 100 })
            .then(
              (p) => p.referrers,
              () => [],
            );
          return html(reply, 200, imageDetailPage(c.viewer, name, { image, manifest, layers, referrers }));
        }
        return reply.callNotFound();
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, errorPage(c.viewer, 'repositories', message));
      }
    }),
  );

  app.post(
    '/repositories/*',
    guard(async (request, reply, c) => {
      const { name, sub } = split((request.params as { '*': string })['*']);
      if (sub === 'delete-images') {
        const digests = c.form.getAll('digest').filter((d) => /^sha256:[a-f0-9]{64}$/.test(d));
        try {
          if (digests.length === 0)
            return html(
              reply,
              400,
              imagesPage(c.viewer, await imagesView(c, name), undefined, 'Select the images to delete.'),
            );
          if (c.form.get('confirm') !== 'yes') return html(reply, 200, confirmDeletePage(c.viewer, name, digests));
          const result = await options.services.images.batchDelete(
            c.ctx,
            name,
            digests.map((d) => ({ imageDigest: d })),
          );
          const failed = result.failures.map((f) => `${f.imageId.imageDigest}: ${f.failureReason}`).join('; ');
          return html(
            reply,
            failed ? 400 : 200,
            imagesPage(
              c.viewer,
              await imagesView(c, name),
              `Deleted ${result.deleted.length} image(s).`,
              failed || undefined,
            ),
          );
        } catch (err) {
          const { status, message } = refusal(err);
          const view = await imagesView(c, name).catch(() => undefined);
          return view
            ? html(reply, status, imagesPage(c.viewer, view, undefined, message))
            : html(reply, status, message);
        }
      }
      if (sub === 'permissions') {
        const text = c.form.get('policy') ?? '';
        const template = c.form.get('template');
        try {
          if (template && Object.hasOwn(POLICY_TEMPLATES, template)) {
            let document: { Version?: string; Statement?: unknown[] } = { Version: '2012-10-17', Statement: [] };
            try {
              if (text.trim()) document = JSON.parse(text) as typeof document;
            } catch {
              return await policyPage(reply, c, name, {
                text,
                status: 400,
                error: 'The policy is not valid JSON; fix it before adding a template.',
              });
            }
            const statements = Array.isArray(document.Statement)
              ? document.Statement
              : document.Statement
                ? [document.Statement]
                : [];
            document.Statement = [...statements, POLICY_TEMPLATES[template]!.statement(c.viewer.accountId)];
            return await policyPage(reply, c, name, {
              text: JSON.stringify(document, null, 2),
              message: 'Template added: review it and save.',
            });
          }
          if (c.form.get('op') === 'delete') {
            await options.services.policies.deleteRepositoryPolicy(c.ctx, name);
            return await policyPage(reply, c, name, { text: '', message: 'Policy deleted.' });
          }
          await options.services.policies.setRepositoryPolicy(c.ctx, name, text, false);
          return await policyPage(reply, c, name, { message: 'Policy saved.' });
        } catch (err) {
          const { status, message } = refusal(err);
          return await policyPage(reply, c, name, { text, status, error: message });
        }
      }
      return reply.callNotFound();
    }),
  );
}
