// ListSecrets' filters and order, as Secrets Manager applies them: filters AND together, a
// filter's values OR; each value a prefix ("!" negates it); description and "all" ignore case;
// "all" matches any word of the value against any attribute.
import type { Secret } from '../../domain/records/secrets.js';

export interface SecretFilter {
  Key: 'description' | 'name' | 'tag-key' | 'tag-value' | 'primary-region' | 'owning-service' | 'all';
  Values: string[];
}

export type SortBy = 'created-date' | 'last-accessed-date' | 'last-changed-date' | 'name';

function attributes(secret: Secret, key: SecretFilter['Key'], region: string): string[] {
  switch (key) {
    case 'description':
      return secret.description === null ? [] : [secret.description];
    case 'name':
      return [secret.name];
    case 'tag-key':
      return secret.tags.map((t) => t.key);
    case 'tag-value':
      return secret.tags.map((t) => t.value);
    case 'primary-region':
      return [region];
    case 'owning-service':
      return [];
    case 'all':
      return [
        secret.name,
        ...(secret.description === null ? [] : [secret.description]),
        ...secret.tags.flatMap((t) => [t.key, t.value]),
        region,
      ];
  }
}

function valueMatches(secret: Secret, filter: SecretFilter, raw: string, region: string): boolean {
  const negated = raw.startsWith('!');
  const value = negated ? raw.slice(1) : raw;
  const ignoreCase = filter.Key === 'description' || filter.Key === 'all';
  const fold = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  const values = attributes(secret, filter.Key, region).map(fold);
  let found: boolean;
  if (filter.Key === 'all') {
    const words = fold(value).split(/\s+/).filter(Boolean);
    const attributeWords = values.flatMap((a) => [a, ...a.split(/[\s/_+=.@-]+/)]);
    found = words.every((w) => attributeWords.some((a) => a.startsWith(w)));
  } else {
    found = values.some((a) => a.startsWith(fold(value)));
  }
  return negated ? !found : found;
}

export function matches(secret: Secret, filters: SecretFilter[], region: string): boolean {
  return filters.every((f) => f.Values.some((v) => valueMatches(secret, f, v, region)));
}

function sortKey(secret: Secret, by: SortBy): number | string {
  switch (by) {
    case 'name':
      return secret.name;
    case 'last-accessed-date':
      return secret.accessedAt ?? 0;
    case 'last-changed-date':
      return secret.updatedAt;
    case 'created-date':
      return secret.createdAt;
  }
}

/** Sorted by `by` (created-date by default), then by ARN so that pages are stable. */
export function ordered(secrets: Secret[], by: SortBy, order: 'asc' | 'desc'): Secret[] {
  const sign = order === 'desc' ? -1 : 1;
  return [...secrets].sort((a, b) => {
    const x = sortKey(a, by);
    const y = sortKey(b, by);
    if (x !== y) return (x < y ? -1 : 1) * sign;
    return (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0) * sign;
  });
}
