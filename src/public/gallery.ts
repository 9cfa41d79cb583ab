// The gallery: search over public repositories (by repository name, description, architecture
// and operating system, and by the publisher's alias prefix or display name; ranked or sorted;
// paginated), publisher pages and repository pages with their rendered about/usage texts and
// tags. Public repositories are public by their nature, so the gallery reads them for anyone; it
// never sees a private repository.
import { publicRegistry } from '../domain/registry.js';
import { registryKey, registryOfKey } from '../metadata/registry-key.js';
import type { MetadataStore } from '../metadata/store.js';
import type { PublicRepositoryEntry, RepositoryCatalog } from '../domain/records/public.js';
import type { AliasService } from './aliases.js';
import { renderMarkdown } from './markdown.js';
import { recentTagsOf, type TagDetail } from './repositories.js';
import { comparator, meetsPrefix, publisherMatch, score, type Publisher, type SortOrder } from './search.js';

/** Candidates one search ranks at most (the newest first when more match). */
const MAX_CANDIDATES = 1000;
const MAX_TERMS = 10;
/** Tags a repository page lists. */
const MAX_TAGS_SHOWN = 100;

export interface SearchQuery {
  text?: string;
  alias?: string;
  architecture?: string;
  operatingSystem?: string;
  /** Relevance by default when there is text to match, else name. */
  sort?: SortOrder;
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
  /** When its newest image was pushed; null before the first. */
  lastPushedAt: number | null;
}

export interface RepositoryPage {
  card: RepositoryCard;
  displayName: string;
  aboutHtml: string;
  usageHtml: string;
  /** The most recently pushed first. */
  tags: TagDetail[];
  moreTags: boolean;
  /** The tag the pull command names: `latest` when there is one, else the most recently pushed; absent without tags. */
  pullTag?: string;
}

/** The account whose public registry holds the entry's repository. */
function accountOf(entry: PublicRepositoryEntry): string {
  return registryOfKey(entry.repository.accountId).accountId;
}

export class GalleryService {
  constructor(
    private readonly store: Pick<MetadataStore, 'publicRegistry' | 'repositories' | 'images'>,
    private readonly aliases: AliasService,
  ) {}

  async search(
    query: SearchQuery,
    page: { offset: number; limit: number },
  ): Promise<{ items: RepositoryCard[]; total: number; nextOffset?: number }> {
    const terms = (query.text ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, MAX_TERMS);
    let only: string | undefined;
    if (query.alias) {
      only = await this.aliases.resolve(query.alias.toLowerCase());
      if (!only) return { items: [], total: 0 };
    }
    const publishers = terms.length ? await this.publishers(only) : new Map<string, Publisher>();
    const found = new Map<string, PublicRepositoryEntry>();
    // Repositories whose own text holds every term...
    for (const entry of await this.store.publicRegistry.search(terms, {
      ...(only && { accountId: only }),
      limit: MAX_CANDIDATES,
    }))
      found.set(entry.repository.id, entry);
    // ...and those of a publisher some term names (an alias it begins, its display name, alias/name-prefix), holding the other terms.
    for (const publisher of terms.length ? publishers.values() : []) {
      const rest: string[] = [];
      const prefixes: { term: string; namePrefix: string }[] = [];
      let named = false;
      for (const term of terms) {
        const match = publisherMatch(publisher, term);
        if (match) named = true;
        if (match === true) continue;
        if (match) prefixes.push({ term, namePrefix: match.namePrefix });
        rest.push(match ? match.namePrefix : term);
      }
      if (!named) continue;
      for (const entry of await this.store.publicRegistry.search(rest, {
        accountId: publisher.accountId,
        limit: MAX_CANDIDATES,
      })) {
        if (prefixes.every((p) => meetsPrefix(entry, p))) found.set(entry.repository.id, entry);
      }
    }
    const matches = (values: string[], wanted: string | undefined) =>
      !wanted || values.some((v) => v.toLowerCase() === wanted.toLowerCase());
    const filtered = [...found.values()].filter(
      (e) =>
        matches(e.catalog.architectures, query.architecture) &&
        matches(e.catalog.operatingSystems, query.operatingSystem),
    );
    const cards = await this.cards(filtered);
    const ranked = filtered.map((entry, i) => ({
      ...cards[i]!,
      card: cards[i]!,
      score: score(entry, publishers.get(accountOf(entry)), terms),
    }));
    // Without text there is nothing to be relevant to: by name then.
    ranked.sort(comparator(terms.length ? (query.sort ?? 'relevance') : query.sort === 'pushed' ? 'pushed' : 'name'));
    const items = ranked.slice(page.offset, page.offset + page.limit).map((s) => s.card);
    const next = page.offset + page.limit;
    return { items, total: ranked.length, ...(next < ranked.length && { nextOffset: next }) };
  }

  /** A publisher: its alias's registry and repositories (by name, or the most recently pushed first); undefined for an alias that is not active. */
  async publisher(
    alias: string,
    sort: 'name' | 'pushed' = 'name',
  ): Promise<{ alias: string; displayName: string; repositories: RepositoryCard[] } | undefined> {
    const accountId = await this.aliases.resolve(alias);
    if (!accountId) return undefined;
    const entries = await this.store.publicRegistry.search([], { accountId, limit: MAX_CANDIDATES });
    const cards = await this.cards(entries);
    cards.sort(comparator(sort));
    return {
      alias,
      displayName: (await this.store.publicRegistry.registry(accountId))?.displayName ?? '',
      repositories: cards,
    };
  }

  async repository(alias: string, name: string): Promise<RepositoryPage | undefined> {
    const accountId = await this.aliases.resolve(alias);
    if (!accountId) return undefined;
    const repository = await this.store.repositories.get(registryKey(publicRegistry(accountId)), name);
    if (!repository) return undefined;
    const catalog: RepositoryCatalog = (await this.store.publicRegistry.catalog(repository.id)) ?? {
      description: null,
      aboutText: null,
      usageText: null,
      architectures: [],
      operatingSystems: [],
      logo: null,
    };
    const tags = await recentTagsOf(this.store, repository.id, MAX_TAGS_SHOWN);
    return {
      card: this.card(alias, { repository, catalog, lastPushedAt: tags.items[0]?.image.createdAt ?? null }),
      displayName: (await this.store.publicRegistry.registry(accountId))?.displayName ?? '',
      aboutHtml: renderMarkdown(catalog.aboutText),
      usageHtml: renderMarkdown(catalog.usageText),
      tags: tags.items,
      moreTags: tags.total > tags.items.length,
      ...(tags.pullTag !== undefined && { pullTag: tags.pullTag }),
    };
  }

  /** The publishers (or the one given) with their ACTIVE aliases and display names, by account. */
  private async publishers(only?: string): Promise<Map<string, Publisher>> {
    const publishers = new Map<string, Publisher>();
    for (const alias of await this.aliases.list('ACTIVE')) {
      if (only && alias.accountId !== only) continue;
      const publisher = publishers.get(alias.accountId) ?? { accountId: alias.accountId, aliases: [], displayName: '' };
      publisher.aliases.push(alias.name);
      publishers.set(alias.accountId, publisher);
    }
    for (const publisher of publishers.values())
      publisher.displayName = (await this.store.publicRegistry.registry(publisher.accountId))?.displayName ?? '';
    return publishers;
  }

  /** A public repository's logo, by repository id. */
  async logo(repositoryId: string): Promise<{ mediaType: string; data: Buffer } | undefined> {
    return (await this.store.publicRegistry.catalog(repositoryId))?.logo ?? undefined;
  }

  private async cards(entries: PublicRepositoryEntry[]): Promise<RepositoryCard[]> {
    const aliasOf = new Map<string, string>();
    for (const account of new Set(entries.map((e) => accountOf(e)))) {
      aliasOf.set(account, (await this.aliases.primary(account)) ?? account);
    }
    return entries.map((e) => this.card(aliasOf.get(accountOf(e))!, e));
  }

  private card(alias: string, { repository, catalog, lastPushedAt }: PublicRepositoryEntry): RepositoryCard {
    return {
      alias,
      name: repository.name,
      reference: `${alias}/${repository.name}`,
      repositoryId: repository.id,
      description: catalog.description,
      architectures: catalog.architectures,
      operatingSystems: catalog.operatingSystems,
      hasLogo: catalog.logo !== null,
      createdAt: repository.createdAt,
      lastPushedAt: lastPushedAt ?? null,
    };
  }
}
