// The gallery's pages, rendered on the server as plain HTML (everything is readable and
// searchable without script); every value from a publisher is escaped, the Markdown arrives
// already rendered inert (public/markdown.ts).
import type { RepositoryCard, RepositoryPage, SearchQuery } from '../../public/gallery.js';
import type { SortOrder } from '../../public/search.js';
import { escapeHtml, formatDate, formatSize } from '../html.js';

export { escapeHtml };

const e = escapeHtml;

function layout(title: string, body: string, query = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} · Berth Public Gallery</title><link rel="stylesheet" href="/static/gallery.css"></head>
<body><header class="top"><div class="bar"><a class="brand" href="/">Berth <span>Public Gallery</span></a>
<form action="/" method="get" role="search"><input type="search" name="q" value="${e(query)}" placeholder="Search public repositories" aria-label="Search"><button type="submit">Search</button></form></div></header>
<main>${body}</main><script src="/static/gallery.js" defer></script></body></html>`;
}

function logo(card: RepositoryCard, big = false): string {
  const cls = big ? 'logo big' : 'logo';
  return card.hasLogo
    ? `<img class="${cls}" src="/logos/${e(card.repositoryId)}" alt="">`
    : `<div class="${cls}" aria-hidden="true">${e(card.name.split('/').pop()!.slice(0, 1).toUpperCase())}</div>`;
}

function chips(values: string[]): string {
  return values.length
    ? `<div class="chips">${values.map((v) => `<span class="chip">${e(v)}</span>`).join('')}</div>`
    : '';
}

function cardHtml(card: RepositoryCard): string {
  return `<article class="card">${logo(card)}<div><h3><a href="/repository/${e(card.alias)}/${e(card.name)}">${e(card.reference)}</a></h3>
<p>${card.description ? e(card.description) : '<span class="muted">No description</span>'}</p>${chips([...card.architectures, ...card.operatingSystems])}
${card.lastPushedAt !== null ? `<p class="pushed muted">Pushed ${formatDate(card.lastPushedAt)}</p>` : ''}</div></article>`;
}

function cards(list: RepositoryCard[], empty: string): string {
  return list.length
    ? `<div class="cards">${list.map(cardHtml).join('')}</div>`
    : `<div class="empty">${e(empty)}</div>`;
}

export function searchPage(
  query: SearchQuery,
  result: { items: RepositoryCard[]; total: number; nextOffset?: number },
  offset: number,
  limit: number,
): string {
  const params = (o: number) =>
    new URLSearchParams({
      ...(query.text && { q: query.text }),
      ...(query.architecture && { architecture: query.architecture }),
      ...(query.operatingSystem && { os: query.operatingSystem }),
      ...(query.sort && { sort: query.sort }),
      ...(o > 0 && { offset: String(o) }),
    }).toString();
  const sort = query.sort ?? (query.text ? 'relevance' : 'name');
  const sorts: [SortOrder, string][] = [
    ...(query.text ? [['relevance', 'Best match'] as [SortOrder, string]] : []),
    ['name', 'Name'],
    ['pushed', 'Recently pushed'],
  ];
  const option = (value: string, selected: string | undefined) =>
    `<option value="${e(value)}"${selected?.toLowerCase() === value.toLowerCase() ? ' selected' : ''}>${e(value)}</option>`;
  const heading = query.text ? `Results for “${e(query.text)}”` : 'Public repositories';
  const pager = `<div class="pager"><span>${offset > 0 ? `<a href="/?${params(Math.max(0, offset - limit))}">← Previous</a>` : ''}</span><span>${result.nextOffset !== undefined ? `<a href="/?${params(result.nextOffset)}" rel="next">Next →</a>` : ''}</span></div>`;
  const body = `<h1>${heading}</h1><p class="muted">${result.total} ${result.total === 1 ? 'repository' : 'repositories'}</p>
<form class="filters" action="/" method="get"><input type="hidden" name="q" value="${e(query.text ?? '')}">
<select name="architecture" aria-label="Architecture"><option value="">Any architecture</option>${['ARM', 'ARM 64', 'x86', 'x86-64'].map((a) => option(a, query.architecture)).join('')}</select>
<select name="os" aria-label="Operating system"><option value="">Any operating system</option>${['Linux', 'Windows'].map((o) => option(o, query.operatingSystem)).join('')}</select>
<select name="sort" aria-label="Sort by">${sorts.map(([value, label]) => `<option value="${value}"${value === sort ? ' selected' : ''}>${e(label)}</option>`).join('')}</select>
<button class="ghost" type="submit">Apply</button></form>
${cards(result.items, 'No public repository matches.')}${pager}`;
  return layout(query.text ? `Search: ${query.text}` : 'Search', body, query.text ?? '');
}

export function publisherPage(
  publisher: { alias: string; displayName: string; repositories: RepositoryCard[] },
  sort: 'name' | 'pushed' = 'name',
): string {
  const sortLink = (value: 'name' | 'pushed', label: string) =>
    value === sort
      ? `<strong aria-current="true">${label}</strong>`
      : `<a href="/publisher/${e(publisher.alias)}${value === 'name' ? '' : `?sort=${value}`}">${label}</a>`;
  const body = `<h1>${e(publisher.displayName || publisher.alias)}</h1><p class="muted">Publisher alias <code>${e(publisher.alias)}</code> · ${publisher.repositories.length} public ${publisher.repositories.length === 1 ? 'repository' : 'repositories'}</p>
<h2>Repositories</h2><p class="sort" id="sort">Sort by: ${sortLink('name', 'Name')} · ${sortLink('pushed', 'Recently pushed')}</p>${cards(publisher.repositories, 'This publisher has no public repositories yet.')}`;
  return layout(publisher.displayName || publisher.alias, body);
}

export function repositoryPage(page: RepositoryPage, host: string): string {
  const { card } = page;
  // Only a tag that exists: `docker pull` without one asks for `latest`, which may not.
  const pull = page.pullTag !== undefined ? `docker pull ${host}/${card.reference}:${page.pullTag}` : undefined;
  const rows = page.tags
    .map(
      (
        t,
      ) => `<tr><td><strong>${e(t.tag)}</strong></td><td>${formatSize(t.size)}</td><td>${formatDate(t.image.createdAt)}</td><td class="digest"><code title="${e(t.image.digest)}">${e(t.image.digest.slice(0, 19))}…</code></td>
<td><button class="ghost" type="button" data-copy="${e(`docker pull ${host}/${card.reference}:${t.tag}`)}" aria-label="Copy pull command for ${e(t.tag)}">Copy</button></td></tr>`,
    )
    .join('');
  const body = `<div class="repo-head">${logo(card, true)}<div><h1>${e(card.name)}</h1>
<p class="muted">by <a href="/publisher/${e(card.alias)}">${e(page.displayName || card.alias)}</a>${card.description ? ` · ${e(card.description)}` : ''}</p></div></div>
<div class="layout"><div>
<section class="panel"><h2 style="margin-top:0">About</h2><div class="markdown" id="about">${page.aboutHtml || '<p class="muted">The publisher has not written about this repository.</p>'}</div></section>
<section class="panel"><h2 style="margin-top:0">Usage</h2><div class="markdown" id="usage">${page.usageHtml || '<p class="muted">No usage notes.</p>'}</div></section>
<section class="panel"><h2 style="margin-top:0">Image tags</h2>${page.tags.length ? `<div class="table-scroll"><table id="tags"><thead><tr><th>Tag</th><th>Size</th><th>Pushed</th><th class="digest">Digest</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>${page.moreTags ? `<p class="muted">Showing the ${page.tags.length} most recently pushed tags.</p>` : ''}` : '<p class="muted">No tagged images yet.</p>'}</section>
</div><aside>
<section class="panel"><h2 style="margin-top:0">Pull command</h2>${pull ? `<div class="pull"><code id="pull-command">${e(pull)}</code><button type="button" id="copy-pull" data-copy="${e(pull)}">Copy</button></div>` : '<p class="muted" id="no-pull">No tagged image to pull yet.</p>'}</section>
<section class="panel"><h2 style="margin-top:0">Architectures</h2>${chips(card.architectures) || '<p class="muted">Not given</p>'}
<h2>Operating systems</h2>${chips(card.operatingSystems) || '<p class="muted">Not given</p>'}</section>
</aside></div>`;
  return layout(card.reference, body);
}

export function notFoundPage(what: string): string {
  return layout(
    'Not found',
    `<div class="empty"><h1>Not found</h1><p>${e(what)}</p><p><a href="/">Search the gallery</a></p></div>`,
  );
}
