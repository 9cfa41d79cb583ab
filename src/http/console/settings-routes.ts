// A repository's Settings tab and its push commands.
import { html } from './plugin.js';
import { pushCommandsPage, settingsPage } from './repository-pages.js';
import type { RepositorySubpages } from './subpage.js';

export const settingsRoutes: RepositorySubpages = (options) => ({
  push: {
    async get({ request, reply, c, name }) {
      await options.services.repositories.describeNamed(c.ctx, [name]);
      const host = request.host;
      return html(
        reply,
        200,
        pushCommandsPage(c.viewer, name, {
          host,
          endpoint: `${options.tls ? 'https' : 'http'}://${host}`,
          region: options.region,
          tls: options.tls,
        }),
      );
    },
  },
  settings: {
    async get({ reply, c, name }) {
      const [repository] = await options.services.repositories.describeNamed(c.ctx, [name]);
      return html(reply, 200, settingsPage(c.viewer, repository!));
    },
  },
});
