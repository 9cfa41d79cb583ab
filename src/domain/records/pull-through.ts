// The records of the pull-through cache rule index (metadata/store-pull-through.ts): which
// upstream registry a prefix of repository names caches, with the credentials to reach it.

/** ECR's upstream registry kinds (the model's UpstreamRegistry enum). */
export const UPSTREAM_REGISTRIES = [
  'ecr',
  'ecr-public',
  'quay',
  'k8s',
  'docker-hub',
  'github-container-registry',
  'azure-container-registry',
  'gitlab-container-registry',
  'chainguard',
] as const;
export type UpstreamRegistry = (typeof UPSTREAM_REGISTRIES)[number];

/** The prefix of the rule that caches every repository name without a prefix of its own. */
export const ROOT_RULE_PREFIX = 'ROOT';

export interface PullThroughRule {
  accountId: string;
  /** A repository namespace (`docker-hub`, no trailing slash) or ROOT. */
  prefix: string;
  /** The upstream's host (and port), as given: `registry-1.docker.io`, `127.0.0.1:5000`, `https://…`. */
  upstreamRegistryUrl: string;
  /** Null: any OCI registry, not one of ECR's kinds. */
  upstreamRegistry: UpstreamRegistry | null;
  credentialArn: string | null;
  customRoleArn: string | null;
  /** The upstream's namespace the prefix maps to; ROOT: the upstream's names as they are. */
  upstreamRepositoryPrefix: string;
  createdAt: number;
  updatedAt: number;
}
