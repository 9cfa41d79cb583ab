// Which registry a request addresses: an account's private registry (ECR's) or its public one
// (ECR Public's). Both hold repositories of the same kind; the visibility decides how their ARNs,
// policy actions and messages name them, never a string encoding the two in one.
import { isRepositoryName } from './names.js';

export type RegistryVisibility = 'private' | 'public';

export interface RegistryRef {
  /** The account the registry belongs to (the registryId of both APIs). */
  readonly accountId: string;
  readonly visibility: RegistryVisibility;
}

export function privateRegistry(accountId: string): RegistryRef {
  return { accountId, visibility: 'private' };
}

export function publicRegistry(accountId: string): RegistryRef {
  return { accountId, visibility: 'public' };
}

/** Every ECR Public ARN begins so (ECR Public has no region in its ARNs). */
export const PUBLIC_ARN_PREFIX = 'arn:aws:ecr-public:';

/** A repository's ARN: arn:aws:ecr:<region>:<account>:repository/<name>, or ECR Public's arn:aws:ecr-public::<account>:repository/<name>. */
export function repositoryArn(registry: RegistryRef, region: string, name: string): string {
  return registry.visibility === 'public'
    ? `arn:aws:ecr-public::${registry.accountId}:repository/${name}`
    : `arn:aws:ecr:${region}:${registry.accountId}:repository/${name}`;
}

/** A registry's ARN: arn:aws:ecr:<region>:<account>:registry, or ECR Public's arn:aws:ecr-public::<account>:registry/<account>. */
export function registryArn(registry: RegistryRef, region: string): string {
  return registry.visibility === 'public'
    ? `arn:aws:ecr-public::${registry.accountId}:registry/${registry.accountId}`
    : `arn:aws:ecr:${region}:${registry.accountId}:registry`;
}

/**
 * The registry and name of a repository ARN: a private one of `region`, or a public one;
 * undefined for anything else (another service, region or resource type, a malformed name).
 */
export function parseRepositoryArn(arn: string, region: string): { registry: RegistryRef; name: string } | undefined {
  const priv = /^arn:aws:ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/.exec(arn);
  if (priv) {
    if (priv[1] !== region || !isRepositoryName(priv[3]!)) return undefined;
    return { registry: privateRegistry(priv[2]!), name: priv[3]! };
  }
  const pub = /^arn:aws:ecr-public::(\d{12}):repository\/(.+)$/.exec(arn);
  if (!pub || !isRepositoryName(pub[2]!)) return undefined;
  return { registry: publicRegistry(pub[1]!), name: pub[2]! };
}
