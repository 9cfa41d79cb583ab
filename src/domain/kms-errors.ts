// Errors of the key service, by the KMS model's exception names (shared/specs/aws/kms.service-2.json).
// The KMS API renders them by name; ECR renders them as KmsException with `kmsError`; /v2 as DENIED.

export const KMS_EXCEPTIONS = [
  'AlreadyExistsException',
  'DisabledException',
  'DryRunOperationException',
  'IncorrectKeyException',
  'InvalidAliasNameException',
  'InvalidArnException',
  'InvalidCiphertextException',
  'InvalidGrantIdException',
  'InvalidGrantTokenException',
  'InvalidKeyUsageException',
  'InvalidMarkerException',
  'KMSInternalException',
  'KMSInvalidSignatureException',
  'KMSInvalidStateException',
  'LimitExceededException',
  'MalformedPolicyDocumentException',
  'NotFoundException',
  'UnsupportedOperationException',
  'ValidationException',
] as const;

export type KmsExceptionName = (typeof KMS_EXCEPTIONS)[number];

export class KmsError extends Error {
  /** AccessDeniedException (the protocol's, not the model's): a key policy refuses a use Berth makes for a caller (ECR's KmsException names it). */
  constructor(
    readonly type: KmsExceptionName | 'AccessDeniedException',
    message: string,
  ) {
    super(message);
    this.name = 'KmsError';
  }
}
