// Errors of lifecycle policies and pull time update exclusions that no other catalogue has:
// services throw them by the ECR model's exception name, the ECR boundary renders them as is.

export const LIFECYCLE_EXCEPTIONS = [
  'LifecyclePolicyNotFoundException',
  'LifecyclePolicyPreviewNotFoundException',
  'LifecyclePolicyPreviewInProgressException',
  'ExclusionAlreadyExistsException',
  'ExclusionNotFoundException',
  'LimitExceededException',
] as const;

export type LifecycleExceptionName = (typeof LIFECYCLE_EXCEPTIONS)[number];

export class LifecycleError extends Error {
  constructor(
    readonly type: LifecycleExceptionName,
    message: string,
  ) {
    super(message);
    this.name = 'LifecycleError';
  }
}
