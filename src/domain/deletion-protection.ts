// Deletion protection: a repository, or tags of it by wildcard pattern (`prod-*`), that no
// deletion may remove (BatchDeleteImage, DeleteRepository, DELETE on /v2, lifecycle) until the
// protection is lifted. What a protection matches, and the error that names it.
import { RegistryError } from './errors.js';
import { wildcardMatches } from './wildcard.js';

/** Tag patterns: 1 to 128 of the characters of a tag, and `*` for any run of them. */
export const TAG_PATTERN = /^[0-9a-zA-Z._*-]{1,128}$/;

/** The protection as a reason reads: `repository` or the pattern. */
export function protectionLabel(tagPattern: string | null): string {
  return tagPattern === null ? 'repository' : tagPattern;
}

/**
 * The protection that covers an image with these tags, if any: the repository's own first, then
 * the first pattern one of the tags matches.
 */
export function coveringProtection(
  patterns: readonly (string | null)[],
  tags: readonly string[],
): { tagPattern: string | null } | undefined {
  if (patterns.includes(null)) return { tagPattern: null };
  for (const pattern of patterns) {
    if (pattern !== null && tags.some((tag) => wildcardMatches(pattern, tag))) return { tagPattern: pattern };
  }
  return undefined;
}

/**
 * A deletion refused by a protection. On /v2 it is 405 UNSUPPORTED (what a registry answers a
 * delete it does not allow); the ECR API turns it into a failure or an exception of its own.
 */
export class DeletionProtectedError extends RegistryError {
  constructor(
    readonly repository: string,
    readonly tagPattern: string | null,
    what: string,
  ) {
    super(
      'UNSUPPORTED',
      tagPattern === null
        ? `${what} cannot be deleted: the repository '${repository}' is protected from deletion (berth protect rm --repository ${repository})`
        : `${what} cannot be deleted: tags matching '${tagPattern}' in the repository '${repository}' are protected from deletion (berth protect rm --repository ${repository} --tag-pattern '${tagPattern}')`,
      { repository, protection: protectionLabel(tagPattern) },
    );
  }
}
