// The pull-through cache index of the metadata port: rules by account and prefix, when cached
// tags were last checked upstream, and the leases on upstream fetches. Adapter: kysely-pull-through.ts.
import type { PullThroughRule } from '../domain/records/pull-through.js';

export interface PullThroughIndex {
  /** False (and nothing changes) when the account has a rule of that prefix already. */
  createRule(rule: PullThroughRule): Promise<boolean>;
  getRule(accountId: string, prefix: string): Promise<PullThroughRule | undefined>;
  /** The rule with its new credentials, or undefined when there is none of that prefix. */
  updateRule(
    accountId: string,
    prefix: string,
    change: { credentialArn: string | null; customRoleArn: string | null },
    at: number,
  ): Promise<PullThroughRule | undefined>;
  /** The rule that was deleted, or undefined when there was none. */
  deleteRule(accountId: string, prefix: string): Promise<PullThroughRule | undefined>;
  /** The account's rules in byte order of prefix, after `last`; only those of `prefixes` when given. */
  listRules(accountId: string, page: { last?: string; limit: number; prefixes?: string[] }): Promise<PullThroughRule[]>;
  countRules(accountId: string): Promise<number>;
  /** When the repository's tag was last checked upstream (ms), if ever. */
  tagCheckedAt(repositoryId: string, tag: string): Promise<number | undefined>;
  setTagChecked(repositoryId: string, tag: string, at: number): Promise<void>;
  /**
   * Takes (or renews) the lease on fetching `key` for `holder` until `until`: only when no other
   * holder has one still running at `now`. False when another holds it.
   */
  leaseFetch(key: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up, if `holder` still has it. */
  releaseFetch(key: string, holder: string): Promise<void>;
}
