// The records of the lifecycle index (metadata/store-lifecycle.ts): lifecycle policies, their
// previews, what lifecycle did, pull time exclusions and runtime principals' pulls.

export interface LifecyclePolicyRecord {
  repositoryId: string;
  policyText: string;
  updatedAt: number;
  /** When a run last evaluated the policy (ECR's lastEvaluatedAt). */
  lastEvaluatedAt: number | null;
}

export type LifecyclePreviewStatus = 'IN_PROGRESS' | 'COMPLETE' | 'EXPIRED' | 'FAILED';

export interface LifecyclePreviewRecord {
  repositoryId: string;
  policyText: string;
  status: LifecyclePreviewStatus;
  startedAt: number;
  /** The preview's plan as JSON (the service's), once COMPLETE. */
  results: string | null;
}

/** One thing lifecycle did to an image. */
export interface LifecycleActionRecord {
  id: string;
  at: number;
  repositoryId: string;
  repositoryName: string;
  digest: string;
  tags: string[];
  rulePriority: number;
  action: 'EXPIRE' | 'TRANSITION';
  actor: 'lifecycle';
}

export interface PullTimeExclusionRecord {
  principalArn: string;
  createdAt: number;
}

export interface PrincipalPullRecord {
  digest: string;
  principalArn: string;
  lastPulledAt: number;
}
