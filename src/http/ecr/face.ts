// The ECR API on the AWS JSON host: X-Amz-Target AmazonEC2ContainerRegistry_V20150921.<Action>,
// signed for service ecr, the registry's errors in the ECR models' names.
import type { ApiActionTable, AwsJsonFace } from '../aws-json/call.js';
import { registryApiError } from '../aws-json/registry-api/errors.js';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';

export function ecrFace(actions: ApiActionTable): AwsJsonFace {
  return { targetPrefix: ECR_TARGET_PREFIX, signingName: 'ecr', actions, errors: registryApiError };
}
