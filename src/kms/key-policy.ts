// Key policies as the key service stores them: AWS's default key policy, and the checks a policy
// passes before it is stored (the policy language's parser, KMS's size limit, the lockout words).
import { KmsError } from '../domain/kms-errors.js';
import { parsePolicy, PolicyValidationError, type PolicyDocument } from '../policy/document.js';

/** A key policy's size limit (KMS quotas: 32 KB); past it, LimitExceededException as the model says. */
export const KEY_POLICY_MAX_BYTES = 32_768;
/** AWS's words when a new key policy would shut its author out (the lockout safety check). */
export const LOCKOUT_MESSAGE = 'The new key policy will not allow you to update the key policy in the future.';

/** AWS's default key policy: the account's root may do everything, which enables IAM policies. */
export function defaultPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
}

/** A key policy is a resource policy of the one policy language (every statement names a principal), at most 32 KB. */
export function checkPolicy(policy: string): PolicyDocument {
  const bytes = Buffer.byteLength(policy);
  if (bytes > KEY_POLICY_MAX_BYTES)
    throw new KmsError(
      'LimitExceededException',
      `The key policy is ${bytes} bytes; a key policy may have at most ${KEY_POLICY_MAX_BYTES}.`,
    );
  try {
    return parsePolicy(policy, { kind: 'resource', maxLength: KEY_POLICY_MAX_BYTES });
  } catch (err) {
    if (err instanceof PolicyValidationError)
      throw new KmsError('MalformedPolicyDocumentException', `The key policy is malformed: ${err.message}`);
    throw err;
  }
}
