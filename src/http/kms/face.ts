// The key service's API on the AWS JSON host: X-Amz-Target TrentService.<Action>, signed for
// service kms, errors by the KMS model's names.
import type { ApiActionTable, AwsJsonFace } from '../aws-json/call.js';
import { kmsApiError } from './errors.js';

export const KMS_TARGET_PREFIX = 'TrentService';

/** `actions`: kmsActions(keys, grants). */
export function kmsFace(actions: ApiActionTable): AwsJsonFace {
  return { targetPrefix: KMS_TARGET_PREFIX, signingName: 'kms', actions, errors: kmsApiError };
}
