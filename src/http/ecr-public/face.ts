// ECR Public on the AWS JSON host: X-Amz-Target SpencerFrontendService.<Action>, and Berth's own
// alias actions under BerthPublicRegistry.<Action>, both signed for service ecr-public, the
// registry's errors in the ECR models' names.
import type { ApiActionTable, AwsJsonFace } from '../aws-json/call.js';
import { registryApiError } from '../aws-json/registry-api/errors.js';

export const ECR_PUBLIC_TARGET_PREFIX = 'SpencerFrontendService';
export const ALIAS_TARGET_PREFIX = 'BerthPublicRegistry';
export const ECR_PUBLIC_SIGNING_NAME = 'ecr-public';

export function ecrPublicFace(actions: ApiActionTable): AwsJsonFace {
  return {
    targetPrefix: ECR_PUBLIC_TARGET_PREFIX,
    signingName: ECR_PUBLIC_SIGNING_NAME,
    actions,
    errors: registryApiError,
  };
}

/** The registry alias actions (aliasActions). */
export function aliasFace(actions: ApiActionTable): AwsJsonFace {
  return { targetPrefix: ALIAS_TARGET_PREFIX, signingName: ECR_PUBLIC_SIGNING_NAME, actions, errors: registryApiError };
}
