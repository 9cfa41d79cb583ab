// The AWS JSON 1.1 APIs on the main listener (POST / with X-Amz-Target): ECR, KMS, ECR Public
// and its aliases, each an action table over the services.
import type { FastifyInstance } from 'fastify';
import type { PageTokens } from '../http/aws-page-tokens.js';
import type { ApiActionTable } from '../http/ecr/call.js';
import { accountActions } from '../http/ecr/actions/account.js';
import { authActions } from '../http/ecr/actions/auth.js';
import { imageActions } from '../http/ecr/actions/images.js';
import { layerActions } from '../http/ecr/actions/layers.js';
import { policyActions } from '../http/ecr/actions/policies.js';
import { repositoryActions } from '../http/ecr/actions/repositories.js';
import { resourceTagActions } from '../http/ecr/actions/resource-tags.js';
import { awsJsonPlugin, ECR_TARGET_PREFIX, KMS_TARGET_PREFIX } from '../http/ecr/plugin.js';
import { aliasActions, ALIAS_TARGET_PREFIX } from '../http/ecr-public/actions/aliases.js';
import { ecrPublicActions, ECR_PUBLIC_SIGNING_NAME, ECR_PUBLIC_TARGET_PREFIX } from '../http/ecr-public/actions.js';
import { kmsActions } from '../http/kms/actions.js';
import type { Deployment } from './deployment.js';
import type { Wiring } from './services.js';

export async function registerAwsJson(
  app: FastifyInstance,
  deployment: Deployment,
  wired: Pick<Wiring, 'access' | 'services' | 'auth' | 'kms' | 'pub'>,
  pageTokens: PageTokens,
): Promise<{ ecrActions: string[]; kmsActions: string[]; ecrPublicActions: string[] }> {
  const { tokens, accountId, config } = deployment;
  const { access, services, auth, kms, pub } = wired;
  const { authenticator } = auth;
  const hostRules = config.accounts;
  const ecrActions: ApiActionTable = {
    ...authActions(tokens, access, accountId, hostRules),
    ...policyActions(services.policies),
    ...repositoryActions(services.repositories, access, accountId, hostRules),
    ...resourceTagActions(services.resourceTags),
    ...accountActions(services.account),
    ...imageActions(services),
    ...layerActions(services),
  };
  const keyActions = kmsActions(kms.keyService, kms.grantService);
  const publicActions = ecrPublicActions(pub.face, pub.services, pub.repositories, tokens);
  await app.register(awsJsonPlugin, {
    authenticator,
    pageTokens,
    services: [
      { targetPrefix: ECR_TARGET_PREFIX, signingName: 'ecr', actions: ecrActions },
      { targetPrefix: KMS_TARGET_PREFIX, signingName: 'kms', actions: keyActions },
      { targetPrefix: ECR_PUBLIC_TARGET_PREFIX, signingName: ECR_PUBLIC_SIGNING_NAME, actions: publicActions },
      {
        targetPrefix: ALIAS_TARGET_PREFIX,
        signingName: ECR_PUBLIC_SIGNING_NAME,
        actions: aliasActions(pub.aliases, accountId),
      },
    ],
  });
  return {
    ecrActions: Object.keys(ecrActions).sort(),
    kmsActions: Object.keys(keyActions).sort(),
    ecrPublicActions: Object.keys(publicActions).sort(),
  };
}
