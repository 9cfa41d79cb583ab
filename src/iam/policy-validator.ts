// How IAM checks a policy document it is given (a role's trust policy, a managed policy): with
// the policy engine's parser, a refusal answered as MalformedPolicyDocument.
import { parsePolicy, POLICY_LIMITS, PolicyValidationError } from '../policy/document.js';
import { IdentityError } from './identities.js';
import type { PolicyValidator } from './roles.js';

/** Policy documents checked by the policy engine's parser, refused as MalformedPolicyDocument. */
export const validatePolicy: PolicyValidator = (document, kind) => {
  try {
    return parsePolicy(document, { kind, maxLength: kind === 'trust' ? POLICY_LIMITS.trust : POLICY_LIMITS.managed });
  } catch (err) {
    if (err instanceof PolicyValidationError) throw new IdentityError('MalformedPolicyDocument', err.message);
    throw err;
  }
};
