// The console's Repositories section rendered: the list (private and public tabs, search, keyset
// pages), the create form, push commands, a repository's images with selection and deletion, an
// image's detail (manifest highlighted by highlight.js, layers, referrers) and the policy editor.
import { createRequire } from 'node:module';
import type { Repository } from '../../domain/records/repositories.js';
import type { DescribedImage } from '../../registry/images.js';
import { escapeHtml as e, formatDate, formatSize } from '../html.js';
import { CHECKABLE_ACTIONS } from './access-check.js';
import { consolePage, csrfField, notice, type Viewer } from './layout.js';

/**
 * highlight.js (core and its JSON grammar), loaded without its type declarations: they bring the
 * DOM's global types into every file of the program and change the types of fetch.
 */
interface Highlighter {
  registerLanguage(name: string, language: unknown): void;
  highlight(code: string, options: { language: string }): { value: string };
}
const load = createRequire(import.meta.url);
let loaded: Highlighter | undefined;

/** Loaded by the first image page shown: a server whose console nobody opens keeps none of it. */
function highlighter(): Highlighter {
  if (!loaded) {
    loaded = load('highlight.js/lib/core') as Highlighter;
    loaded.registerLanguage('json', load('highlight.js/lib/languages/json'));
  }
  return loaded;
}

/** JSON pretty-printed (as stored when it is not JSON) and highlighted, as HTML. */
export function highlightJson(text: string): string {
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    /* shown as stored */
  }
  return highlighter().highlight(pretty, { language: 'json' }).value;
}

/** A repository's console path: names keep their slashes, `/-/` starts the page within it. */
export const repoPath = (name: string, sub = '') =>
  `/console/repositories/${name.split('/').map(encodeURIComponent).join('/')}${sub ? `/-/${sub}` : ''}`;

export type RepositorySort = 'name' | 'newest' | 'oldest';

export interface ListView {
  tab: 'private' | 'public';
  query: string;
  sort: RepositorySort;
  repositories: Repository[];
  next?: string;
  host: string;
}

export function repositoryListPage(viewer: Viewer, view: ListView, message?: string): string {
  const tab = (name: 'private' | 'public', label: string) =>
    `<a href="/console/repositories?tab=${name}"${view.tab === name ? ' aria-current="page"' : ''}>${label}</a>`;
  const rows = view.repositories
    .map((r) => {
      const uri = `${view.host}/${r.name}`;
      return `<tr><td><a href="${view.tab === 'private' ? repoPath(r.name) : `/console/catalog/${r.name.split('/').map(encodeURIComponent).join('/')}`}">${e(r.name)}</a></td><td><code>${e(uri)}</code></td>
<td>${formatDate(r.createdAt)}</td><td>${e(r.imageTagMutability)}</td><td>${e(r.encryptionType)}</td><td>${r.scanOnPush ? 'Enabled' : 'Disabled'}</td>
<td>${view.tab === 'private' ? `<a href="${repoPath(r.name, 'push')}">View push commands</a>` : ''}</td></tr>`;
    })
    .join('');
  const more = view.next
    ? `<div class="pager"><span></span><a class="button ghost" href="/console/repositories?tab=${view.tab}&amp;q=${encodeURIComponent(view.query)}&amp;sort=${view.sort}&amp;after=${encodeURIComponent(view.next)}">Next page</a></div>`
    : '';
  const sortLink = (sort: RepositorySort, label: string) =>
    `<a href="/console/repositories?tab=${view.tab}&amp;sort=${sort}"${view.sort === sort ? ' aria-current="page"' : ''}>${label}</a>`;
  const sorts = `<nav class="tabs" aria-label="Sort">${sortLink('name', 'By name')}${sortLink('newest', 'Newest first')}${sortLink('oldest', 'Oldest first')}</nav>`;
  const caption = view.sort === 'name' ? 'Sorted by name' : view.sort === 'newest' ? 'Newest first' : 'Oldest first';
  const body = `<h1>Repositories</h1>${notice('ok', message)}
<nav class="tabs" aria-label="Registries">${tab('private', 'Private')}${tab('public', 'Public')}</nav>
<div class="toolbar"><form method="get" action="/console/repositories" role="search"><input type="hidden" name="tab" value="${view.tab}">
<input type="search" name="q" value="${e(view.query)}" placeholder="Find repositories by name" aria-label="Find repositories by name"><button type="submit">Search</button></form>
${view.tab === 'private' ? '<a class="button" href="/console/create-repository">Create repository</a>' : ''}</div>${sorts}
${
  view.repositories.length === 0
    ? `<div class="empty">${view.query ? `No repository name begins with '${e(view.query)}'.` : 'No repositories yet.'}</div>`
    : `<div class="table-scroll"><table><caption class="muted">${caption}</caption><thead><tr><th scope="col">Repository name</th><th scope="col">URI</th><th scope="col">Created at</th><th scope="col">Tag immutability</th><th scope="col">Encryption</th><th scope="col">Scan on push</th><th scope="col"><span class="muted">Commands</span></th></tr></thead><tbody>${rows}</tbody></table></div>`
}${more}`;
  return consolePage('Repositories', 'repositories', body, viewer);
}

export interface CreateValues {
  name?: string;
  mutability?: string;
  exclusions?: string;
  encryption?: string;
  kmsKey?: string;
  scanOnPush?: boolean;
}

export function createRepositoryPage(
  viewer: Viewer,
  keys: { arn: string; label: string }[],
  values: CreateValues,
  error?: string,
): string {
  const checked = (on: boolean) => (on ? ' checked' : '');
  const mutable = (values.mutability ?? 'MUTABLE') === 'MUTABLE';
  const kms = values.encryption === 'KMS';
  const options = [
    `<option value="">AWS managed key (aws/ecr)</option>`,
    ...keys.map(
      (k) => `<option value="${e(k.arn)}"${values.kmsKey === k.arn ? ' selected' : ''}>${e(k.label)}</option>`,
    ),
  ].join('');
  const body = `<h1>Create repository</h1>${notice('error', error)}
<form method="post" action="/console/create-repository" class="panel">${csrfField(viewer)}
<label for="name">Repository name</label>
<input type="text" id="name" name="name" value="${e(values.name ?? '')}" required aria-describedby="name-hint">
<p class="hint" id="name-hint">Lowercase letters, digits and . _ - /, e.g. team/app.</p>
<fieldset><legend>Image tag mutability</legend>
<input type="radio" id="mutable" name="mutability" value="MUTABLE"${checked(mutable)}><label class="inline" for="mutable">Mutable</label>
<input type="radio" id="immutable" name="mutability" value="IMMUTABLE"${checked(!mutable)}><label class="inline" for="immutable">Immutable</label>
<label for="exclusions">Immutability exclusions (one tag filter a line, * matches anything)</label>
<textarea id="exclusions" name="exclusions" style="min-height:80px">${e(values.exclusions ?? '')}</textarea></fieldset>
<fieldset><legend>Encryption</legend>
<input type="radio" id="aes" name="encryption" value="AES256"${checked(!kms)}><label class="inline" for="aes">AES-256</label>
<input type="radio" id="kms" name="encryption" value="KMS"${checked(kms)}><label class="inline" for="kms">AWS KMS</label>
<label for="kmsKey">KMS key</label><select id="kmsKey" name="kmsKey">${options}</select></fieldset>
<fieldset><legend>Image scan settings</legend>
<input type="checkbox" id="scanOnPush" name="scanOnPush" value="on"${checked(values.scanOnPush === true)}><label class="inline" for="scanOnPush">Scan on push</label></fieldset>
<button type="submit">Create repository</button> <a class="button ghost" href="/console/repositories">Cancel</a>
</form>`;
  return consolePage('Create repository', 'repositories', body, viewer);
}

export interface PushTarget {
  /** The registry's host as clients name it (host:port). */
  host: string;
  /** The ECR API's URL for `aws ecr get-login-password --endpoint-url`. */
  endpoint: string;
  region: string;
  /** False on plain HTTP: podman and skopeo are told not to verify TLS. */
  tls: boolean;
}

export function pushCommandsPage(viewer: Viewer, name: string, target: PushTarget): string {
  const ref = `${target.host}/${name}`;
  const insecure = target.tls ? '' : ' --tls-verify=false';
  const block = (title: string, lines: string[]) =>
    `<h2>${title}</h2><pre class="code" id="push-${title.toLowerCase()}" tabindex="0">${lines.map(e).join('\n')}</pre>`;
  const password = `aws ecr get-login-password --endpoint-url ${target.endpoint} --region ${target.region}`;
  const body = `<h1>Push commands for ${e(name)}</h1>
<p>Get a registry password with the AWS CLI, log in, tag the image with this repository's URI, and push.</p>
${block('Docker', [`${password} | docker login --username AWS --password-stdin ${target.host}`, `docker build -t ${name} .`, `docker tag ${name}:latest ${ref}:latest`, `docker push ${ref}:latest`])}
${block('Podman', [`${password} | podman login${insecure} --username AWS --password-stdin ${target.host}`, `podman build -t ${name} .`, `podman tag ${name}:latest ${ref}:latest`, `podman push${insecure} ${ref}:latest`])}
${block('Skopeo', [`${password} | skopeo login${insecure} --username AWS --password-stdin ${target.host}`, `skopeo copy${target.tls ? '' : ' --dest-tls-verify=false'} oci-archive:image.tar docker://${ref}:latest`])}
<p><a href="${repoPath(name)}">Back to ${e(name)}</a></p>`;
  return consolePage(`Push commands: ${name}`, 'repositories', body, viewer);
}

const TYPES: [RegExp, string][] = [
  [/index|manifest\.list/, 'Image index'],
  [/helm/, 'Helm chart'],
];

/** The config types of container images (an artifact type of these is an image). */
const IMAGE_CONFIGS = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

export function imageType(image: Pick<DescribedImage, 'mediaType' | 'artifactType'>): string {
  const indexOrImage = TYPES.find(([re]) => re.test(image.mediaType))?.[1];
  if (indexOrImage) return indexOrImage;
  if (image.artifactType?.includes('helm')) return 'Helm chart';
  if (image.artifactType && !IMAGE_CONFIGS.has(image.artifactType)) return 'Other artifact';
  return 'Image';
}

export function repositoryTabs(name: string, current: 'images' | 'permissions' | 'settings'): string {
  const tab = (id: typeof current, label: string, href: string) =>
    `<a href="${href}"${current === id ? ' aria-current="page"' : ''}>${label}</a>`;
  return `<nav class="tabs" aria-label="Repository">${tab('images', 'Images', repoPath(name))}${tab('permissions', 'Permissions', repoPath(name, 'permissions'))}${tab('settings', 'Settings', repoPath(name, 'settings'))}<a href="/console/lifecycle?repository=${encodeURIComponent(name)}">Lifecycle</a></nav>`;
}

export interface ImagesView {
  repository: Repository;
  images: DescribedImage[];
  next?: string;
  canDelete: boolean;
  /** Each image's platforms (an index's children), by digest. */
  platforms: Map<string, string[]>;
  /** Each scanned image's scan status, by digest. */
  scans: Map<string, string>;
}

export function imagesPage(viewer: Viewer, view: ImagesView, message?: string, error?: string): string {
  const name = view.repository.name;
  const rows = view.images
    .map((image) => {
      const id = `img-${image.digest.slice(7, 19)}`;
      return `<tr>${view.canDelete ? `<td><input type="checkbox" name="digest" value="${e(image.digest)}" id="${id}" aria-label="Select ${e(image.tags[0] ?? image.digest)}"></td>` : ''}
<td>${image.tags.length ? image.tags.map((t) => `<span class="chip">${e(t)}</span>`).join(' ') : '<span class="muted">untagged</span>'}</td>
<td><a href="${repoPath(name, `image/${image.digest}`)}"><code>${e(image.digest.slice(0, 19))}…</code></a></td>
<td>${formatSize(image.size)}</td><td>${formatDate(image.createdAt)}</td><td>${image.lastPulledAt === null ? '—' : formatDate(image.lastPulledAt)}</td>
<td>${imageType(image)}</td><td>${(view.platforms.get(image.digest) ?? []).map(e).join(', ') || '—'}</td>
<td>${image.imageStatus === 'ARCHIVED' ? 'Archive' : 'Standard'}</td><td>${e(view.scans.get(image.digest) ?? '—')}</td></tr>`;
    })
    .join('');
  const table =
    view.images.length === 0
      ? '<div class="empty">No images. Use the push commands to push one.</div>'
      : `<form method="post" action="${repoPath(name, 'delete-images')}">${csrfField(viewer)}
<div class="table-scroll"><table><thead><tr>${view.canDelete ? '<th scope="col"><span class="muted">Select</span></th>' : ''}<th scope="col">Image tags</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Pushed at</th><th scope="col">Last pulled</th><th scope="col">Type</th><th scope="col">Platforms</th><th scope="col">Storage class</th><th scope="col">Scan status</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${view.canDelete ? '<div class="toolbar"><button type="submit" class="danger">Delete selected</button></div>' : ''}</form>`;
  const more = view.next
    ? `<div class="pager"><span></span><a class="button ghost" href="${repoPath(name)}?after=${encodeURIComponent(view.next)}">Next page</a></div>`
    : '';
  const body = `<h1>${e(name)}</h1>${notice('ok', message)}${notice('error', error)}
<div class="toolbar"><a class="button ghost" href="${repoPath(name, 'push')}">View push commands</a></div>
${repositoryTabs(name, 'images')}${view.canDelete ? '' : '<p class="muted" id="no-delete">You are not allowed to delete images here (ecr:BatchDeleteImage).</p>'}${table}${more}`;
  return consolePage(name, 'repositories', body, viewer);
}

export function confirmDeletePage(viewer: Viewer, name: string, digests: string[]): string {
  const body = `<h1>Delete images</h1>
<p>Delete ${digests.length} image${digests.length === 1 ? '' : 's'} from <strong>${e(name)}</strong>? Their tags go with them.</p>
<ul>${digests.map((d) => `<li><code>${e(d)}</code></li>`).join('')}</ul>
<form method="post" action="${repoPath(name, 'delete-images')}">${csrfField(viewer)}<input type="hidden" name="confirm" value="yes">
${digests.map((d) => `<input type="hidden" name="digest" value="${e(d)}">`).join('')}
<button type="submit" class="danger">Delete</button> <a class="button ghost" href="${repoPath(name)}">Cancel</a></form>`;
  return consolePage('Delete images', 'repositories', body, viewer);
}

export const POLICY_TEMPLATES: Record<string, { label: string; statement: (account: string) => object }> = {
  'pull-account': {
    label: 'Allow pull from another account',
    statement: () => ({
      Sid: 'AllowCrossAccountPull',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
    }),
  },
  'push-account': {
    label: 'Allow push from this account',
    statement: (account) => ({
      Sid: 'AllowPush',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'],
    }),
  },
};

export interface AccessQuestion {
  principal: string;
  action: string;
  answer?: { allowed: boolean; text: string };
}

export function permissionsPage(
  viewer: Viewer,
  name: string,
  policy: string,
  state: { message?: string; error?: string; status?: number; question?: AccessQuestion },
): string {
  const q = state.question;
  const actions = CHECKABLE_ACTIONS.map((a) => `<option${q?.action === a ? ' selected' : ''}>${a}</option>`).join('');
  const templates = Object.entries(POLICY_TEMPLATES)
    .map(
      ([id, t]) =>
        `<button type="submit" name="template" value="${id}" class="ghost" formnovalidate>${e(t.label)}</button>`,
    )
    .join(' ');
  const body = `<h1>${e(name)}</h1>${repositoryTabs(name, 'permissions')}
<h2>Repository policy</h2>${notice('ok', state.message)}${notice('error', state.error)}
<form method="post" action="${repoPath(name, 'permissions')}">${csrfField(viewer)}
<label for="policy">Policy JSON</label>
<textarea id="policy" name="policy" spellcheck="false" aria-describedby="policy-hint policy-live" data-validate="repository" data-validate-output="policy-live">${e(policy)}</textarea>
<p class="hint" id="policy-hint">Checked by the policy engine as you type (with script) and when saved; an invalid document is refused with its reason.</p>
<p class="hint" id="policy-live" aria-live="polite"></p>
<div class="toolbar"><button type="submit" name="op" value="save">Save policy</button>
<button type="submit" name="op" value="delete" class="danger" formnovalidate>Delete policy</button></div>
<p>Add a statement from a template: ${templates}</p></form>
<h2>Can this principal do this action?</h2>
<form method="get" action="${repoPath(name, 'permissions')}" class="panel">
<label for="principal">Principal ARN</label><input type="text" id="principal" name="principal" value="${e(q?.principal ?? '')}" placeholder="arn:aws:iam::111122223333:root">
<label for="action">Action</label><select id="action" name="action">${actions}</select>
<div class="toolbar"><button type="submit">Check</button></div>
${q?.answer ? `<p class="notice ${q.answer.allowed ? 'ok' : 'error'}" id="access-answer">${e(q.answer.text)}</p>` : ''}</form>`;
  return consolePage(`${name} permissions`, 'repositories', body, viewer);
}

export function settingsPage(viewer: Viewer, repository: Repository): string {
  const filters = repository.imageTagMutabilityExclusionFilters.map((f) => f.filter).join(', ');
  const body = `<h1>${e(repository.name)}</h1>${repositoryTabs(repository.name, 'settings')}
<dl class="kv panel"><dt>Created at</dt><dd>${formatDate(repository.createdAt)}</dd>
<dt>Tag immutability</dt><dd>${e(repository.imageTagMutability)}${filters ? ` (except ${e(filters)})` : ''}</dd>
<dt>Encryption</dt><dd>${e(repository.encryptionType)}${repository.kmsKey ? ` with <code>${e(repository.kmsKey)}</code>` : ''}</dd>
<dt>Scan on push</dt><dd>${repository.scanOnPush ? 'Enabled' : 'Disabled'}</dd></dl>`;
  return consolePage(`${repository.name} settings`, 'repositories', body, viewer);
}
