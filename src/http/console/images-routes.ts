// A repository's Images tab: the list (keyset pages), an image's detail (manifest, layers,
// referrers) and deleting the selected images after a confirmation.
import { Actions } from '../../domain/actions.js';
import { refusal } from './errors.js';
import { parseManifest, platformsOf, readConfig, scanLabel } from './image-facts.js';
import { html, type ConsoleOptions, type ConsoleRequest } from './plugin.js';
import { imageDetailPage } from './image-detail-page.js';
import { confirmDeletePage, imagesPage } from './repository-pages.js';
import type { RepositorySubpages } from './subpage.js';

const PAGE = 50;

export function imagesView(options: ConsoleOptions) {
  return async (c: ConsoleRequest, name: string, after?: string) => {
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
    const [platforms, scans] = await Promise.all([
      platformsOf(options, c.ctx, page.repository, page.items),
      options.scanning.summaries(
        c.ctx.registry.accountId,
        name,
        page.items.map((i) => i.digest),
      ),
    ]);
    return {
      repository: page.repository,
      images: page.items,
      ...(page.next && { next: page.next }),
      canDelete,
      platforms,
      scans: new Map([...scans].map(([digest, scan]) => [digest, scanLabel(scan)])),
    };
  };
}

export const imagesRoutes: RepositorySubpages = (options) => {
  const view = imagesView(options);
  return {
    '': {
      async get({ reply, c, name, query }) {
        return html(reply, 200, imagesPage(c.viewer, await view(c, name, query.after || undefined)));
      },
    },
    image: {
      async get({ reply, c, name, rest: digest }) {
        const described = await options.services.images.describe(c.ctx, name, [{ imageDigest: digest }]);
        const image = described.items[0];
        if (!image)
          return html(
            reply,
            404,
            imagesPage(c.viewer, await view(c, name), undefined, `No image ${digest} in ${name}.`),
          );
        const manifest = (await options.services.manifests.bytes(described.repository, image)).toString('utf8');
        const parsed = parseManifest(manifest);
        const layers = Array.isArray(parsed.layers) ? parsed.layers : [];
        const quiet = (err: unknown) => refusal(err).message;
        const [referrers, config, scan, replication] = await Promise.all([
          options.services.listings.referrersPage(c.ctx, name, image.digest, [], { limit: 100 }).then(
            (p) => p.referrers,
            () => [],
          ),
          readConfig(options, c.ctx, name, parsed),
          options.scanning.findings(c.ctx, name, { imageDigest: image.digest }).then(
            (found) => found.scan,
            (err: unknown) => ((err as { type?: string }).type === 'ScanNotFoundException' ? undefined : quiet(err)),
          ),
          options.services.replication
            .statuses(c.ctx, name, { imageDigest: image.digest })
            .then((found) => found.statuses, quiet),
        ]);
        const children = Array.isArray(parsed.manifests) ? parsed.manifests : [];
        return html(
          reply,
          200,
          imageDetailPage(c.viewer, name, {
            image,
            manifest,
            layers,
            referrers,
            children,
            ...(config && { config }),
            ...(scan !== undefined && { scan }),
            replication,
          }),
        );
      },
    },
    'delete-images': {
      async post({ reply, c, name }) {
        const digests = c.form.getAll('digest').filter((d) => /^sha256:[a-f0-9]{64}$/.test(d));
        try {
          if (digests.length === 0)
            return html(
              reply,
              400,
              imagesPage(c.viewer, await view(c, name), undefined, 'Select the images to delete.'),
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
              await view(c, name),
              `Deleted ${result.deleted.length} image(s).`,
              failed || undefined,
            ),
          );
        } catch (err) {
          const { status, message } = refusal(err);
          const shown = await view(c, name).catch(() => undefined);
          return shown
            ? html(reply, status, imagesPage(c.viewer, shown, undefined, message))
            : html(reply, status, message);
        }
      },
    },
  };
};
