// Retention that knows what runs (Berth's): an image a runtime principal (lifecycle.runtimePrincipals,
// e.g. the roles of cluster nodes) pulled within lifecycle.inUseDays is kept by lifecycle, whatever
// its rules say. Pulls by principals excluded from pull time updates never count.
import { DAY_MS } from '../domain/lifecycle-rules.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RetentionCandidate, RetentionGuard } from '../domain/retention.js';
import type { MetadataStore } from '../metadata/store.js';
import type { PullExclusionCache } from './pull-exclusions.js';

/** A matcher of ARNs for patterns where `*` matches any run of characters. */
export function arnPatterns(patterns: readonly string[]): (arn: string) => boolean {
  const regexes = patterns.map(
    (pattern) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return (arn) => regexes.some((regex) => regex.test(arn));
}

export interface RuntimePrincipals {
  /** ARN patterns of the principals whose pulls mean an image runs. */
  patterns: readonly string[];
  inUseDays: number;
}

export class InUseRetention implements RetentionGuard {
  private readonly runtime: (arn: string) => boolean;

  constructor(
    private readonly store: Pick<MetadataStore, 'lifecycle'>,
    private readonly exclusions: Pick<PullExclusionCache, 'excludes'>,
    private readonly options: RuntimePrincipals,
    private readonly now: () => number = Date.now,
  ) {
    this.runtime = arnPatterns(options.patterns);
  }

  async kept(repository: Repository, candidates: readonly RetentionCandidate[]): Promise<Map<string, string>> {
    const kept = new Map<string, string>();
    if (this.options.patterns.length === 0 || candidates.length === 0) return kept;
    const since = this.now() - this.options.inUseDays * DAY_MS;
    const pulls = await this.store.lifecycle.principalPulls(
      repository.id,
      candidates.map((c) => c.digest),
      since,
    );
    for (const pull of pulls.sort((a, b) => b.lastPulledAt - a.lastPulledAt)) {
      if (kept.has(pull.digest) || !this.runtime(pull.principalArn)) continue;
      if (await this.exclusions.excludes(repository.accountId, pull.principalArn)) continue;
      kept.set(pull.digest, `in use: pulled by ${pull.principalArn} at ${new Date(pull.lastPulledAt).toISOString()}`);
    }
    return kept;
  }
}
