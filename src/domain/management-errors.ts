// Errors of the management operations (repositories, resource tags, account settings) that the
// registry protocol has no code for: services throw them, the ECR boundary renders them by name.

export const ManagementErrorCodes = [
  'REPOSITORY_ALREADY_EXISTS',
  'REPOSITORY_NOT_EMPTY',
  'INVALID_PARAMETER',
  'INVALID_TAG_PARAMETER',
  'TOO_MANY_TAGS',
  'REPOSITORY_POLICY_NOT_FOUND',
  'REGISTRY_POLICY_NOT_FOUND',
  /** A value outside what the operation accepts (account setting names and values). */
  'VALIDATION',
  /** A public registry (an alias) that does not exist. */
  'REGISTRY_NOT_FOUND',
  /** Repository creation templates: one of that prefix exists already, none does, or too many would. */
  'TEMPLATE_ALREADY_EXISTS',
  'TEMPLATE_NOT_FOUND',
  'LIMIT_EXCEEDED',
  /** ECR managed signing: the registry has no signing configuration. */
  'SIGNING_CONFIGURATION_NOT_FOUND',
] as const;

export type ManagementErrorCode = (typeof ManagementErrorCodes)[number];

export class ManagementError extends Error {
  constructor(
    readonly code: ManagementErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ManagementError';
  }
}
