// Errors of the pull-through cache rules that no other catalogue has: the service throws them by
// the ECR model's exception name, the ECR boundary renders them as they are.

export const PULL_THROUGH_EXCEPTIONS = [
  'PullThroughCacheRuleAlreadyExistsException',
  'PullThroughCacheRuleNotFoundException',
  'UnsupportedUpstreamRegistryException',
  'UnableToAccessSecretException',
  'SecretNotFoundException',
  'UnableToDecryptSecretValueException',
  'LimitExceededException',
] as const;

export type PullThroughExceptionName = (typeof PULL_THROUGH_EXCEPTIONS)[number];

export class PullThroughError extends Error {
  constructor(
    readonly type: PullThroughExceptionName,
    message: string,
  ) {
    super(message);
    this.name = 'PullThroughError';
  }
}
