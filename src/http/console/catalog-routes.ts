// A public repository's catalog data (/console/catalog/<name>): description, about and usage in
// Markdown (previewed as the gallery renders it: markdown-it without HTML, sanitized links),
// architectures, operating systems and the logo (a PNG, JPEG, GIF or WebP upload), saved with
// ECR Public's PutRepositoryCatalogData semantics through the public repository service.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RepositoryCatalog } from '../../domain/records/public.js';
import { publicRegistry } from '../../domain/registry.js';
import { renderMarkdown } from '../../public/markdown.js';
import type { CatalogDataInput } from '../../public/repositories.js';
import { escapeHtml as e } from '../html.js';
import { refusal } from './errors.js';
import { consolePage, csrfField, notice, type Viewer } from './layout.js';
import { type ConsoleOptions, type ConsoleRequest, type Guard, html } from './plugin.js';

/** ECR Public's architectures and operating systems (the values its console offers). */
export const ARCHITECTURES = ['ARM', 'ARM 64', 'x86', 'x86-64'];
export const OPERATING_SYSTEMS = ['Linux', 'Windows'];
const LOGO_MAX = 512_000;

/** The form a multipart POST parses into: its text fields, and its files by field name. */
export class FormWithFiles extends URLSearchParams {
  readonly files = new Map<string, Buffer>();
}

interface CatalogState {
  message?: string;
  error?: string;
  preview?: boolean;
}

export function catalogPage(viewer: Viewer, name: string, catalog: RepositoryCatalog, state: CatalogState): string {
  const boxes = (field: string, values: string[], chosen: string[]) =>
    values
      .map(
        (v, i) =>
          `<input type="checkbox" id="${field}-${i}" name="${field}" value="${e(v)}"${chosen.includes(v) ? ' checked' : ''}><label class="inline" for="${field}-${i}">${e(v)}</label>`,
      )
      .join('');
  const preview = state.preview
    ? `<section class="panel" id="markdown-preview" aria-label="Preview"><h2>Preview</h2><h3>About</h3><div class="markdown">${renderMarkdown(catalog.aboutText) || '<p class="muted">Empty.</p>'}</div>
<h3>Usage</h3><div class="markdown">${renderMarkdown(catalog.usageText) || '<p class="muted">Empty.</p>'}</div></section>`
    : '';
  const body = `<h1>${e(name)} <span class="muted">(public)</span></h1>${notice('ok', state.message)}${notice('error', state.error)}${preview}
<form method="post" action="/console/catalog/${name.split('/').map(encodeURIComponent).join('/')}" enctype="multipart/form-data">${csrfField(viewer)}
<label for="cat-description">Description</label><input type="text" id="cat-description" name="description" value="${e(catalog.description ?? '')}" maxlength="1024">
<label for="cat-about">About (Markdown)</label><textarea id="cat-about" name="about" class="short">${e(catalog.aboutText ?? '')}</textarea>
<label for="cat-usage">Usage (Markdown)</label><textarea id="cat-usage" name="usage" class="short">${e(catalog.usageText ?? '')}</textarea>
<fieldset><legend>Architectures</legend>${boxes('architectures', ARCHITECTURES, catalog.architectures)}</fieldset>
<fieldset><legend>Operating systems</legend>${boxes('operatingSystems', OPERATING_SYSTEMS, catalog.operatingSystems)}</fieldset>
<fieldset><legend>Logo</legend>${catalog.logo ? `<p>A ${e(catalog.logo.mediaType)} logo of ${catalog.logo.data.length} bytes is set.</p><input type="checkbox" id="cat-logo-remove" name="removeLogo" value="on"><label class="inline" for="cat-logo-remove">Remove the logo</label>` : '<p class="muted">No logo.</p>'}
<label for="cat-logo">Upload a logo (PNG, JPEG, GIF or WebP, at most 500 KB)</label><input type="file" id="cat-logo" name="logo" accept="image/png,image/jpeg,image/gif,image/webp"></fieldset>
<div class="toolbar"><button type="submit" name="op" value="save">Save catalog data</button><button type="submit" name="op" value="preview" class="ghost">Preview Markdown</button></div></form>`;
  return consolePage(`${name} catalog data`, 'repositories', body, viewer);
}

const invalid = (message: string) => Object.assign(new Error(message), { type: 'InvalidParameterException' });

/** The catalog input of a posted form, checked as the model checks RepositoryCatalogDataInput. */
function inputOf(form: URLSearchParams): CatalogDataInput {
  const description = form.get('description') ?? '';
  const aboutText = form.get('about') ?? '';
  const usageText = form.get('usage') ?? '';
  if (description.length > 1024)
    throw invalid("Invalid parameter at 'catalogData.description': at most 1024 characters");
  for (const [field, text] of [
    ['aboutText', aboutText],
    ['usageText', usageText],
  ] as const)
    if (text.length > 25_600) throw invalid(`Invalid parameter at 'catalogData.${field}': at most 25600 characters`);
  const architectures = form.getAll('architectures').filter((a) => ARCHITECTURES.includes(a));
  const operatingSystems = form.getAll('operatingSystems').filter((o) => OPERATING_SYSTEMS.includes(o));
  const logo = form instanceof FormWithFiles ? form.files.get('logo') : undefined;
  if (logo && logo.length > LOGO_MAX)
    throw invalid("Invalid parameter at 'catalogData.logoImageBlob': at most 512000 bytes");
  return {
    description,
    aboutText,
    usageText,
    architectures,
    operatingSystems,
    ...(logo && logo.length > 0
      ? { logoImageBlob: logo }
      : form.get('removeLogo') === 'on'
        ? { logoImageBlob: Buffer.alloc(0) }
        : {}),
  };
}

export function registerCatalogRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  const scoped = (c: ConsoleRequest) => ({ ...c.ctx, registry: publicRegistry(c.ctx.registry.accountId) });
  const nameOf = (path: string) => {
    try {
      return path.split('/').map(decodeURIComponent).join('/');
    } catch {
      return '';
    }
  };
  const show = async (reply: FastifyReply, c: ConsoleRequest, name: string, state: CatalogState, status = 200) => {
    const { catalog } = await options.publicRepositories.catalog(scoped(c), name);
    return html(reply, status, catalogPage(c.viewer, name, catalog, state));
  };
  const failed = (reply: FastifyReply, c: ConsoleRequest, err: unknown) => {
    const { status, message } = refusal(err);
    return html(
      reply,
      status,
      consolePage('Refused', 'repositories', `<h1>Refused</h1>${notice('error', message)}`, c.viewer),
    );
  };

  app.get(
    '/catalog/*',
    guard(async (request, reply, c) => {
      const name = nameOf((request.params as { '*': string })['*']);
      try {
        return await show(reply, c, name, {});
      } catch (err) {
        return failed(reply, c, err);
      }
    }),
  );
  app.post(
    '/catalog/*',
    guard(async (request, reply, c) => {
      const name = nameOf((request.params as { '*': string })['*']);
      try {
        const input = inputOf(c.form);
        if (c.form.get('op') === 'preview') {
          const { catalog } = await options.publicRepositories.catalog(scoped(c), name);
          const unsaved: RepositoryCatalog = {
            ...catalog,
            description: input.description ?? null,
            aboutText: input.aboutText ?? null,
            usageText: input.usageText ?? null,
            architectures: input.architectures ?? [],
            operatingSystems: input.operatingSystems ?? [],
          };
          return html(
            reply,
            200,
            catalogPage(c.viewer, name, unsaved, { preview: true, message: 'Preview: not saved yet.' }),
          );
        }
        await options.publicRepositories.putCatalog(scoped(c), name, input);
        return await show(reply, c, name, { message: 'Catalog data saved.', preview: true });
      } catch (err) {
        const { status, message } = refusal(err);
        return await show(reply, c, name, { error: message }, status).catch(() => failed(reply, c, err));
      }
    }),
  );
}
