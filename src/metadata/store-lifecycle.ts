// The lifecycle index of the metadata port: lifecycle policies and previews, the record of what
// lifecycle did, pull time update exclusions and runtime principals' pulls. Adapter:
// kysely-lifecycle.ts.
import type {
  LifecycleActionRecord,
  LifecyclePolicyRecord,
  LifecyclePreviewRecord,
  LifecyclePreviewStatus,
  PrincipalPullRecord,
  PullTimeExclusionRecord,
} from '../domain/records/lifecycle.js';

export interface LifecycleIndex {
  getPolicy(repositoryId: string): Promise<LifecyclePolicyRecord | undefined>;
  /** Creates or replaces the policy; false (and nothing changes) when the repository does not exist. */
  putPolicy(repositoryId: string, policyText: string, at: number): Promise<boolean>;
  /** The policy that was deleted, or undefined when there was none. */
  deletePolicy(repositoryId: string): Promise<LifecyclePolicyRecord | undefined>;
  markEvaluated(repositoryId: string, at: number): Promise<void>;
  /** Repositories with a policy, by id, strictly after `after`. */
  policies(page: { after?: string; limit: number }): Promise<LifecyclePolicyRecord[]>;

  getPreview(repositoryId: string): Promise<LifecyclePreviewRecord | undefined>;
  /**
   * Starts a preview (IN_PROGRESS), replacing the last one; false (and nothing changes) while one
   * started at or after `busySince` is still IN_PROGRESS, or when the repository does not exist.
   */
  startPreview(repositoryId: string, policyText: string, at: number, busySince: number): Promise<boolean>;
  /** Ends the preview started at `startedAt` (a later one is left alone). */
  finishPreview(
    repositoryId: string,
    startedAt: number,
    status: LifecyclePreviewStatus,
    results: string | null,
  ): Promise<void>;

  recordActions(actions: readonly LifecycleActionRecord[]): Promise<void>;
  /** What lifecycle did in the repository, oldest first. */
  actions(repositoryId: string): Promise<LifecycleActionRecord[]>;

  /** False when the account excludes the principal already. */
  addExclusion(accountId: string, principalArn: string, at: number): Promise<boolean>;
  removeExclusion(accountId: string, principalArn: string): Promise<boolean>;
  /** The account's exclusions by ARN (byte order), strictly after `after`. */
  exclusions(accountId: string, page: { after?: string; limit: number }): Promise<PullTimeExclusionRecord[]>;
  exclusionCount(accountId: string): Promise<number>;

  /** Records a runtime principal's pull at `at`, unless a later one is recorded already. */
  recordPrincipalPull(repositoryId: string, digest: string, principalArn: string, at: number): Promise<void>;
  /** The pulls recorded at or after `since` of these digests. */
  principalPulls(repositoryId: string, digests: readonly string[], since: number): Promise<PrincipalPullRecord[]>;
}
