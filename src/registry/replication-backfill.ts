// `berth replication backfill`: replicates images that were pushed before a rule existed (an open
// ECR request), by enqueueing them in the same outbox a push writes to. Each tagged image of each
// repository the rules cover gets one task per destination, with its tags as the tag filters
// leave them; the replication workers of the running nodes do the copies (and a copy of an image
// already at the destination sends no blob again: existence is checked first).
import type { ReplicationRule, ReplicationTaskInput } from '../domain/records/replication.js';
import { type ReplicationTagFilter, replicatedTags } from '../domain/replication-tag-filters.js';
import { ManagementError } from '../domain/management-errors.js';
import type { MetadataStore } from '../metadata/store.js';
import { destinationsFor } from './replication.js';

const PAGE = 200;

export interface BackfillOptions {
  /** Only this rule: its position in the replication configuration, from 1. */
  rule?: number;
  /** Only this repository. */
  repository?: string;
  tagFilters?: readonly ReplicationTagFilter[];
}

export interface BackfillResult {
  repositories: number;
  images: number;
  tasks: number;
}

export async function backfillReplication(
  store: Pick<MetadataStore, 'replication' | 'repositories' | 'images'>,
  accountId: string,
  options: BackfillOptions = {},
): Promise<BackfillResult> {
  const rules = await selectedRules(store, accountId, options.rule);
  const result: BackfillResult = { repositories: 0, images: 0, tasks: 0 };
  for await (const name of repositoryNames(store, accountId, options.repository)) {
    const destinations = destinationsFor(rules, name);
    if (destinations.length === 0) continue;
    const repository = await store.repositories.get(accountId, name);
    if (!repository) continue;
    result.repositories++;
    for (let last: string | undefined; ; ) {
      const images = await store.images.list(repository.id, 'TAGGED', { ...(last && { last }), limit: PAGE });
      const tasks: ReplicationTaskInput[] = [];
      for (const image of images) {
        const tags = replicatedTags(options.tagFilters ?? [], accountId, name, image.tags);
        if (tags === undefined) continue;
        result.images++;
        for (const destination of destinations)
          tasks.push({ accountId, repositoryName: name, digest: image.digest, tags, destination });
      }
      if (tasks.length > 0) await store.replication.enqueue(tasks, Date.now());
      result.tasks += tasks.length;
      if (images.length < PAGE) break;
      last = images[images.length - 1]?.digest;
    }
  }
  return result;
}

async function selectedRules(
  store: Pick<MetadataStore, 'replication'>,
  accountId: string,
  rule: number | undefined,
): Promise<ReplicationRule[]> {
  const rules = await store.replication.rules(accountId);
  if (rules.length === 0)
    throw new ManagementError('INVALID_PARAMETER', `the registry ${accountId} has no replication configuration`);
  if (rule === undefined) return rules;
  const chosen = rules[rule - 1];
  if (!Number.isInteger(rule) || !chosen)
    throw new ManagementError(
      'INVALID_PARAMETER',
      `there is no rule ${rule}: the replication configuration has ${rules.length} rule(s), numbered from 1`,
    );
  return [chosen];
}

async function* repositoryNames(
  store: Pick<MetadataStore, 'repositories'>,
  accountId: string,
  only: string | undefined,
): AsyncIterable<string> {
  if (only !== undefined) {
    if (!(await store.repositories.get(accountId, only)))
      throw new ManagementError(
        'INVALID_PARAMETER',
        `The repository with name '${only}' does not exist in the registry with id '${accountId}'`,
      );
    yield only;
    return;
  }
  for (let last: string | undefined; ; ) {
    const names = await store.repositories.list(accountId, { ...(last && { last }), limit: PAGE });
    yield* names;
    if (names.length < PAGE) return;
    last = names[names.length - 1];
  }
}
