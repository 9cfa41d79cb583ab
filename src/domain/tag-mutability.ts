// Image tag mutability (ECR's four settings and their wildcard exclusion filters): which tags of
// a repository may be moved to another manifest, and the error a refused overwrite raises.
import { RegistryError } from './errors.js';
import { ManagementError } from './management-errors.js';
import { wildcardMatches } from './wildcard.js';

export const IMAGE_TAG_MUTABILITIES = [
  'MUTABLE',
  'IMMUTABLE',
  'IMMUTABLE_WITH_EXCLUSION',
  'MUTABLE_WITH_EXCLUSION',
] as const;
export type ImageTagMutability = (typeof IMAGE_TAG_MUTABILITIES)[number];

export interface TagMutabilityFilter {
  filterType: 'WILDCARD';
  /** Tag characters and `*`, which matches any run of characters (also none). */
  filter: string;
}

/** The model's bounds (ImageTagMutabilityExclusionFilters, ImageTagMutabilityExclusionFilterValue). */
export const MAX_EXCLUSION_FILTERS = 5;
export const EXCLUSION_FILTER_PATTERN = /^[0-9a-zA-Z._*-]{1,128}$/;

export interface TagMutability {
  imageTagMutability: ImageTagMutability;
  imageTagMutabilityExclusionFilters: TagMutabilityFilter[];
}

/**
 * A setting as a request gives it: the *_WITH_EXCLUSION kinds need filters, the others take none
 * (as ECR answers, with InvalidParameterException).
 */
export function tagMutability(
  mutability: ImageTagMutability,
  filters: TagMutabilityFilter[] | undefined,
): TagMutability {
  const withExclusion = mutability.endsWith('_WITH_EXCLUSION');
  const list = filters ?? [];
  if (withExclusion && list.length === 0) {
    throw new ManagementError(
      'INVALID_PARAMETER',
      `imageTagMutabilityExclusionFilters are required when imageTagMutability is ${mutability}`,
    );
  }
  if (!withExclusion && list.length > 0) {
    throw new ManagementError(
      'INVALID_PARAMETER',
      `imageTagMutabilityExclusionFilters can only be given with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not ${mutability}`,
    );
  }
  if (list.length > MAX_EXCLUSION_FILTERS)
    throw new ManagementError(
      'INVALID_PARAMETER',
      `at most ${MAX_EXCLUSION_FILTERS} imageTagMutabilityExclusionFilters`,
    );
  for (const f of list) {
    if (f.filterType !== 'WILDCARD' || !EXCLUSION_FILTER_PATTERN.test(f.filter)) {
      throw new ManagementError(
        'INVALID_PARAMETER',
        `invalid exclusion filter '${f.filter}': filterType WILDCARD and 1 to 128 of [0-9a-zA-Z._*-]`,
      );
    }
  }
  const unique = new Map(list.map((f) => [f.filter, { filterType: 'WILDCARD' as const, filter: f.filter }]));
  return { imageTagMutability: mutability, imageTagMutabilityExclusionFilters: [...unique.values()] };
}

export function matchesExclusion(filters: TagMutabilityFilter[], tag: string): boolean {
  return filters.some((f) => wildcardMatches(f.filter, tag));
}

/** True when an existing `tag` must not be moved to another manifest. */
export function isTagImmutable(setting: TagMutability, tag: string): boolean {
  switch (setting.imageTagMutability) {
    case 'MUTABLE':
      return false;
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !matchesExclusion(setting.imageTagMutabilityExclusionFilters, tag);
    case 'MUTABLE_WITH_EXCLUSION':
      return matchesExclusion(setting.imageTagMutabilityExclusionFilters, tag);
  }
}

/**
 * A push that would move an immutable tag. On /v2 it is TAG_INVALID (as ECR answers docker);
 * on the ECR API, ImageTagAlreadyExistsException.
 */
export class ImmutableTagError extends RegistryError {
  constructor(
    readonly tag: string,
    readonly repository: string,
  ) {
    super(
      'TAG_INVALID',
      `The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`,
      { tag },
    );
  }
}
