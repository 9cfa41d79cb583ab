// Secrets Manager's part of the AWS JSON error catalogue: its errors by the model's names
// (domain/secrets-errors.ts, shared/specs/aws/secretsmanager.service-2.json), with the model's statuses.
import { SecretsError } from '../../domain/secrets-errors.js';
import { AwsJsonError, statusOf } from '../aws-json/errors.js';

/** Secrets Manager's errors by name: all client errors but its internal one. */
export function secretsApiError(err: unknown): AwsJsonError | undefined {
  if (!(err instanceof SecretsError)) return undefined;
  return new AwsJsonError(err.type, err.message, {}, err.type === 'InternalServiceError' ? 500 : statusOf(err.type));
}
