// How the gallery's search matches and orders: a term names a publisher when one of its aliases
// begins with it, its display name contains it, or it is the beginning of an `alias/name`
// reference; how well an entry matches; and the orders results are offered in, names in natural
// order (app-2 before app-10).
import type { PublicRepositoryEntry } from '../domain/records/public.js';

export type SortOrder = 'relevance' | 'name' | 'pushed';
export const SORT_ORDERS: readonly SortOrder[] = ['relevance', 'name', 'pushed'];

/** A publisher as search sees it: its ACTIVE aliases and its display name. */
export interface Publisher {
  accountId: string;
  aliases: string[];
  displayName: string;
}

/** Text order with digit runs compared as numbers. */
export const naturalCompare: (a: string, b: string) => number = new Intl.Collator('en', { numeric: true }).compare;

/**
 * How a publisher answers a (lower-case) term: it satisfies the term outright (an alias begins
 * with it, the display name contains it, or it is `alias/`), it does for names that begin with
 * `namePrefix` (the term is `alias/namePrefix`), or it does not.
 */
export function publisherMatch(publisher: Publisher, term: string): true | { namePrefix: string } | false {
  if (publisher.aliases.some((a) => a.startsWith(term))) return true;
  if (publisher.displayName.toLowerCase().includes(term)) return true;
  const slash = term.indexOf('/');
  if (slash > 0 && publisher.aliases.includes(term.slice(0, slash))) {
    const namePrefix = term.slice(slash + 1);
    return namePrefix ? { namePrefix } : true;
  }
  return false;
}

/** The text the store's search looks in (its name and catalog data), lower-cased. */
export function entryText(entry: PublicRepositoryEntry): string {
  const { repository, catalog } = entry;
  return [repository.name, catalog.description ?? '', ...catalog.architectures, ...catalog.operatingSystems]
    .join(' ')
    .toLowerCase();
}

/** Whether the entry meets a term that names its publisher through a name prefix. */
export function meetsPrefix(entry: PublicRepositoryEntry, match: { term: string; namePrefix: string }): boolean {
  return entry.repository.name.startsWith(match.namePrefix) || entryText(entry).includes(match.term);
}

/** How well an entry matches the terms: name (whole, then prefix, then part) over publisher over description over the rest. */
export function score(entry: PublicRepositoryEntry, publisher: Publisher | undefined, terms: string[]): number {
  const name = entry.repository.name.toLowerCase();
  const segments = name.split(/[/._-]/);
  const description = (entry.catalog.description ?? '').toLowerCase();
  let total = 0;
  for (const term of terms) {
    if (name === term || segments.includes(term)) total += 10;
    else if (name.startsWith(term) || segments.some((s) => s.startsWith(term))) total += 8;
    else if (name.includes(term)) total += 6;
    if (publisher) {
      if (publisher.aliases.includes(term)) total += 5;
      else if (publisher.aliases.some((a) => a.startsWith(term))) total += 4;
      else if (publisher.aliases.some((a) => `${a}/${name}`.startsWith(term))) total += 10;
      if (publisher.displayName.toLowerCase().includes(term)) total += 3;
    }
    if (description.includes(term)) total += 3;
    if ([...entry.catalog.architectures, ...entry.catalog.operatingSystems].some((v) => v.toLowerCase() === term))
      total += 1;
  }
  return total + (entry.catalog.description ? 0.5 : 0);
}

interface Sortable {
  name: string;
  alias: string;
  lastPushedAt: number | null;
  score?: number;
}

/** Compares two results in the order: by score, by name, or the most recently pushed first (never pushed last); ties by name. */
export function comparator(order: SortOrder): (a: Sortable, b: Sortable) => number {
  const byName = (a: Sortable, b: Sortable) => naturalCompare(a.name, b.name) || naturalCompare(a.alias, b.alias);
  if (order === 'name') return byName;
  if (order === 'pushed') return (a, b) => (b.lastPushedAt ?? -1) - (a.lastPushedAt ?? -1) || byName(a, b);
  return (a, b) => (b.score ?? 0) - (a.score ?? 0) || byName(a, b);
}
