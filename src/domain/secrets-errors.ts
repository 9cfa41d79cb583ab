// Errors of Secrets Manager, by its model's exception names
// (shared/specs/aws/secretsmanager.service-2.json). Its API renders them by name.

export const SECRETS_EXCEPTIONS = [
  'DecryptionFailure',
  'EncryptionFailure',
  'InternalServiceError',
  'InvalidNextTokenException',
  'InvalidParameterException',
  'InvalidRequestException',
  'LimitExceededException',
  'MalformedPolicyDocumentException',
  'PreconditionNotMetException',
  'ResourceExistsException',
  'ResourceNotFoundException',
] as const;

export type SecretsExceptionName = (typeof SECRETS_EXCEPTIONS)[number];

export class SecretsError extends Error {
  constructor(
    readonly type: SecretsExceptionName,
    message: string,
  ) {
    super(message);
    this.name = 'SecretsError';
  }
}
