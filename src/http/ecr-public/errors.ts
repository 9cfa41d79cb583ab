// ECR Public's part of the AWS JSON error catalogue: the exceptions of its model (shared/specs/
// aws/ecr-public.service-2.json) its own actions raise, besides the protocol's own (aws-json/
// errors.ts). The registry's errors read by the ECR faces' shared translation (aws-json/
// registry-api/errors.ts).
import { AwsJsonError, statusOf, type ProtocolExceptionName } from '../aws-json/errors.js';

export const PUBLIC_MODEL_EXCEPTIONS = [
  'ImageAlreadyExistsException',
  'InvalidParameterException',
  'RegistryNotFoundException',
  'RepositoryCatalogDataNotFoundException',
  'UnsupportedCommandException',
] as const;

export type EcrPublicExceptionName = (typeof PUBLIC_MODEL_EXCEPTIONS)[number] | ProtocolExceptionName;

/** All are client errors (400). */
export class ApiError extends AwsJsonError {
  constructor(type: EcrPublicExceptionName, message: string, fields: Record<string, unknown> = {}) {
    super(type, message, fields, statusOf(type));
  }
}
