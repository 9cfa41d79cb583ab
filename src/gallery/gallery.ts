// The gallery: search over public repositories (by alias, repository name, description,
// architecture and operating system; ranked; paginated), publisher pages and repository pages
// with their rendered about/usage texts and tags. Public repositories are public by their
// nature, so the gallery reads them for anyone; it never sees a private repository.
import type { MetadataStore, PublicRepositoryEntry, RepositoryCatalog } from '../metadata/store.js';
import { accountOfKey, publicRegistryKey } from '../registry/public-access.js';
import type { AliasService } from './aliases.js';
import { renderMarkdown } from './markdown.js';
import { tagDetailsOf, type TagDetail } from './public-repositories.js';

/** Candidates one search ranks at most (the newest first when more match). */
const MAX_CANDIDATES = 1000;
const MAX_TERMS = 10;

export interface SearchQuery {
  text?: string;
  alias?: string;
  architecture?: string;
  operatingSystem?: string;
}

export interface RepositoryCard {
  alias: string;
  name: string;
  /** alias/name, as in pull references. */
  reference: string;
  repositoryId: string;
  description: string | null;
  architectures: string[];
  operatingSystems: string[];
  hasLogo: boolean;
  createdAt: number;
}

export interface RepositoryPage {
  card: RepositoryCard;
  displayName: string;
  aboutHtml: string;
  usageHtml: string;
  tags: TagDetail[];
  moreTags: boolean;
}

const lower = (s: string | null) => (s ?? '').toLowerCase();

/** How well an entry matches the terms: name over alias over description over the rest. */
function score(entry: PublicRepositoryEntry, alias: string, terms: string[]): number {
  const name = entry.repository.name.toLowerCase();
  const segments = name.split(/[/._-]/);
  let total = 0;
  for (const term of terms) {
    if (name === term || segments.includes(term)) total += 10;
    else if (name.includes(term)) total += 6;
    if (alias === term) total += 5;
    if (lower(entry.catalog.description).includes(term)) total += 3;
    if ([...entry.catalog.architectures, ...entry.catalog.operatingSystems].some((v) => v.toLowerCase() === term)) total += 1;
  }
  return total + (entry.catalog.description ? 0.5 : 0);
}

export class GalleryService {
  constructor(private readonly store: MetadataStore, private readonly aliases: AliasService) {}

  async search(query: SearchQuery, page: { offset: number; limit: number }): Promise<{ items: RepositoryCard[]; total: number; nextOffset?: number }> {
    let terms = (query.text ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, MAX_TERMS);
    let accountId: string | undefined;
    if (query.alias) {
      accountId = await this.aliases.resolve(query.alias.toLowerCase());
      if (!accountId) return { items: [], total: 0 };
    }
    // A term that is an alias finds that publisher's repositories.
    let aliasTerm: string | undefined;
    if (!accountId) {
      for (const term of terms) {
        const owner = await this.aliases.resolve(term);
        if (owner) {
          accountId = owner;
          aliasTerm = term;
          terms = terms.filter((t) => t !== term);
          break;
        }
      }
    }
    const found = await this.store.publicRegistry.search(terms, { ...(accountId && { accountId }), limit: MAX_CANDIDATES });
    const matches = (values: string[], wanted: string | undefined) => !wanted || values.some((v) => v.toLowerCase() === wanted.toLowerCase());
    const filtered = found.filter((e) => matches(e.catalog.architectures, query.architecture) && matches(e.catalog.operatingSystems, query.operatingSystem));
    const cards = await this.cards(filtered);
    const scored = filtered.map((entry, i) => ({ card: cards[i]!, score: score(entry, cards[i]!.alias, aliasTerm ? [...terms, aliasTerm] : terms) }));
    scored.sort((a, b) => b.score - a.score || a.card.reference.localeCompare(b.card.reference));
    const items = scored.slice(page.offset, page.offset + page.limit).map((s) => s.card);
    const next = page.offset + page.limit;
    return { items, total: scored.length, ...(next < scored.length && { nextOffset: next }) };
  }

  /** A publisher: its alias's registry and repositories; undefined for an alias that is not active. */
  async publisher(alias: string): Promise<{ alias: string; displayName: string; repositories: RepositoryCard[] } | undefined> {
    const accountId = await this.aliases.resolve(alias);
    if (!accountId) return undefined;
    const entries = await this.store.publicRegistry.search([], { accountId, limit: MAX_CANDIDATES });
    const cards = await this.cards(entries);
    cards.sort((a, b) => a.name.localeCompare(b.name));
    return { alias, displayName: (await this.store.publicRegistry.registry(accountId))?.displayName ?? '', repositories: cards };
  }

  async repository(alias: string, name: string): Promise<RepositoryPage | undefined> {
    const accountId = await this.aliases.resolve(alias);
    if (!accountId) return undefined;
    const repository = await this.store.repositories.get(publicRegistryKey(accountId), name);
    if (!repository) return undefined;
    const catalog: RepositoryCatalog = (await this.store.publicRegistry.catalog(repository.id)) ?? { description: null, aboutText: null, usageText: null, architectures: [], operatingSystems: [], logo: null };
    const tags = await tagDetailsOf(this.store, repository.id, { limit: 100 });
    return {
      card: { ...this.card(alias, { repository, catalog }) },
      displayName: (await this.store.publicRegistry.registry(accountId))?.displayName ?? '',
      aboutHtml: renderMarkdown(catalog.aboutText),
      usageHtml: renderMarkdown(catalog.usageText),
      tags: tags.items.sort((a, b) => b.image.createdAt - a.image.createdAt || a.tag.localeCompare(b.tag)),
      moreTags: tags.last !== undefined,
    };
  }

  /** A public repository's logo, by repository id. */
  async logo(repositoryId: string): Promise<{ mediaType: string; data: Buffer } | undefined> {
    return (await this.store.publicRegistry.catalog(repositoryId))?.logo ?? undefined;
  }

  private async cards(entries: PublicRepositoryEntry[]): Promise<RepositoryCard[]> {
    const aliasOf = new Map<string, string>();
    for (const account of new Set(entries.map((e) => accountOfKey(e.repository.accountId)))) {
      aliasOf.set(account, (await this.aliases.primary(account)) ?? account);
    }
    return entries.map((e) => this.card(aliasOf.get(accountOfKey(e.repository.accountId))!, e));
  }

  private card(alias: string, { repository, catalog }: PublicRepositoryEntry): RepositoryCard {
    return {
      alias, name: repository.name, reference: `${alias}/${repository.name}`, repositoryId: repository.id,
      description: catalog.description, architectures: catalog.architectures, operatingSystems: catalog.operatingSystems,
      hasLogo: catalog.logo !== null, createdAt: repository.createdAt,
    };
  }
}
