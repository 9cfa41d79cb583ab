// Replication's tag filters, a Berth extension in the configuration file (ECR's rules have no field
// for them): a push to a repository a filter covers replicates only the tags that match one of its
// patterns, and nothing when it carries tags and none match. A push without tags (an index's
// child, a signature or SBOM pushed by digest) always replicates: referrers travel with images.
import { wildcardMatches } from './wildcard.js';

export interface ReplicationTagFilter {
  /** The account whose pushes it filters; absent: every account. */
  account?: string;
  /** The repositories it filters, by name prefix ('' for all). */
  repositoryPrefix: string;
  /** Wildcard patterns (`release-*`); a tag matching one is replicated. */
  tags: string[];
}

/**
 * The tags of a push that replicate, or undefined when the push does not replicate at all. With
 * several filters covering the repository, a tag matching any of them replicates.
 */
export function replicatedTags(
  filters: readonly ReplicationTagFilter[],
  accountId: string,
  repositoryName: string,
  tags: string[],
): string[] | undefined {
  const covering = filters.filter(
    (f) => (f.account === undefined || f.account === accountId) && repositoryName.startsWith(f.repositoryPrefix),
  );
  if (covering.length === 0 || tags.length === 0) return tags;
  const kept = tags.filter((tag) => covering.some((f) => f.tags.some((pattern) => wildcardMatches(pattern, tag))));
  return kept.length > 0 ? kept : undefined;
}
