// CloudTrail's API on the AWS JSON host: X-Amz-Target
// com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Action>, signed for service cloudtrail.
import type { ApiActionTable, AwsJsonFace } from '../aws-json/call.js';
import { cloudTrailApiError } from './errors.js';

export const CLOUDTRAIL_TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101';

/** `actions`: cloudTrailActions(trail). */
export function cloudTrailFace(actions: ApiActionTable): AwsJsonFace {
  return { targetPrefix: CLOUDTRAIL_TARGET_PREFIX, signingName: 'cloudtrail', actions, errors: cloudTrailApiError };
}
