// The key service's part of the AWS JSON error catalogue: its errors by the KMS model's names
// (domain/kms-errors.ts, shared/specs/aws/kms.service-2.json), with the model's statuses.
import { KmsError, type KmsExceptionName } from '../../domain/kms-errors.js';
import { AwsJsonError, statusOf } from '../aws-json/errors.js';

/** The key service's exceptions whose status is not 400. */
const KMS_STATUS: Partial<Record<KmsExceptionName, number>> = {
  KMSInternalException: 500,
  DryRunOperationException: 412,
};

/** A key service error by its own name (ECR's face names it KmsException instead). */
export function kmsApiError(err: unknown): AwsJsonError | undefined {
  if (!(err instanceof KmsError)) return undefined;
  const status = (KMS_STATUS as Record<string, number>)[err.type] ?? statusOf(err.type);
  return new AwsJsonError(err.type, err.message, {}, status);
}
