// `n`/`last` pagination of tag and repository lists, as the distribution spec defines it.
import { RegistryError } from '../domain/errors.js';

export const MAX_PAGE = 10_000;

export interface PageRequest {
  n?: string;
  last?: string;
}

export interface PageResult {
  items: string[];
  /** The `last` value for the next page, when there may be more. */
  next?: { n: number; last: string };
}

export function parsePageSize(n: string | undefined): number | undefined {
  if (n === undefined || n === '') return undefined;
  if (!/^\d{1,9}$/.test(n))
    throw new RegistryError('PAGINATION_NUMBER_INVALID', `n must be a non-negative integer, got "${n}"`, { n });
  return Number(n);
}

/** Fetches one page (one extra row tells whether there is a next page). */
export async function paginate(
  request: PageRequest,
  fetch: (last: string | undefined, limit: number) => Promise<string[]>,
): Promise<PageResult> {
  const requested = parsePageSize(request.n);
  if (requested === 0) return { items: [] };
  const size = Math.min(requested ?? MAX_PAGE, MAX_PAGE);
  const rows = await fetch(request.last || undefined, size + 1);
  if (rows.length <= size) return { items: rows };
  const items = rows.slice(0, size);
  return { items, next: { n: size, last: items[items.length - 1]! } };
}
