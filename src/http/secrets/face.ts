// Secrets Manager's API on the AWS JSON host: X-Amz-Target secretsmanager.<Action>, signed for
// service secretsmanager, errors by the Secrets Manager model's names.
import type { ApiActionTable, AwsJsonFace } from '../aws-json/call.js';
import { secretsApiError } from './errors.js';

export const SECRETS_TARGET_PREFIX = 'secretsmanager';

/** `actions`: secretsActions(secrets). */
export function secretsFace(actions: ApiActionTable): AwsJsonFace {
  return { targetPrefix: SECRETS_TARGET_PREFIX, signingName: 'secretsmanager', actions, errors: secretsApiError };
}
