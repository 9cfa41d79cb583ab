// The faces on the main listener: the registry protocol (/v2), the AWS JSON APIs (ECR, KMS,
// ECR Public and its aliases), the layer download URLs, and the IAM and STS query APIs.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.js';
import { Actions } from '../domain/actions.js';
import { ANONYMOUS } from '../domain/principal.js';
import { PageTokens } from '../http/aws-page-tokens.js';
import type { ApiActionTable } from '../http/ecr/call.js';
import { accountActions } from '../http/ecr/actions/account.js';
import { authActions } from '../http/ecr/actions/auth.js';
import { imageActions } from '../http/ecr/actions/images.js';
import { layerActions } from '../http/ecr/actions/layers.js';
import { policyActions } from '../http/ecr/actions/policies.js';
import { repositoryActions } from '../http/ecr/actions/repositories.js';
import { resourceTagActions } from '../http/ecr/actions/resource-tags.js';
import { layerDownloadPlugin } from '../http/ecr/layer-download.js';
import { awsJsonPlugin, ECR_TARGET_PREFIX, KMS_TARGET_PREFIX } from '../http/ecr/plugin.js';
import { aliasActions, ALIAS_TARGET_PREFIX } from '../http/ecr-public/actions/aliases.js';
import { ecrPublicActions, ECR_PUBLIC_SIGNING_NAME, ECR_PUBLIC_TARGET_PREFIX } from '../http/ecr-public/actions.js';
import { requestFacts } from '../http/facts.js';
import { accountForHost } from '../http/hosts.js';
import { awsQueryPlugin } from '../http/iam/plugin.js';
import { kmsActions } from '../http/kms/actions.js';
import { ociPlugin } from '../http/oci/plugin.js';
import { addRegistryHostHint } from '../http/registry-host-hint.js';
import { noted } from '../http/request-log.js';
import { loadSharedSecret } from '../keys/shared-secret.js';
import { PAGE_TOKEN_KEY, SignedTokenCodec } from '../keys/signed-token.js';
import type { RepositoryAccess } from '../registry/access.js';
import type { RegistryServices } from '../registry/services.js';
import type { AccessWiring } from './access.js';
import type { Deployment } from './deployment.js';
import { iamFace } from './iam.js';
import type { KmsWiring } from './kms.js';
import type { PublicWiring } from './public.js';

/** The actions each face answers (for the model conformance tests). */
export interface FaceActions {
  readonly ecrActions: readonly string[];
  readonly kmsActions: readonly string[];
  readonly ecrPublicActions: readonly string[];
  readonly queryActions: readonly string[];
}

export async function registerFaces(
  app: FastifyInstance,
  config: Config,
  deployment: Deployment,
  wired: {
    access: RepositoryAccess;
    services: RegistryServices;
    auth: AccessWiring;
    kms: KmsWiring;
    pub: PublicWiring;
  },
): Promise<FaceActions> {
  const { store, identities, tokens, accountId } = deployment;
  const { access, services, auth, kms, pub } = wired;
  const { open, authenticator } = auth;
  const pageTokens = new PageTokens(
    new SignedTokenCodec(
      await loadSharedSecret(store.settings, deployment.masterKey, PAGE_TOKEN_KEY[0], PAGE_TOKEN_KEY[1]),
    ),
  );
  const hostRules = config.accounts;
  addRegistryHostHint(app, accountId, hostRules);
  await app.register(ociPlugin, {
    services,
    requireLogin: !open,
    context: async (request) => ({
      principal: noted(request.headers, open ? ANONYMOUS : await authenticator.basic(request.headers.authorization)),
      accountId: accountForHost(request.host, hostRules) ?? accountId,
      facts: requestFacts(request),
    }),
    authorizeManifestPut: (ctx, name) => access.authorize(ctx, name, Actions.PutImage),
  });
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
  await app.register(layerDownloadPlugin, { layerUrls: services.layerUrls });
  const queryServices = iamFace(store, identities, auth.sessions, auth.iamAuthorizer, {
    identityPolicies: auth.identityPolicies,
  });
  await app.register(awsQueryPlugin, { authenticator, services: queryServices, pageTokens });
  return {
    ecrActions: Object.keys(ecrActions).sort(),
    kmsActions: Object.keys(keyActions).sort(),
    ecrPublicActions: Object.keys(publicActions).sort(),
    queryActions: Object.values(queryServices)
      .flatMap((service) => Object.keys(service.actions).map((name) => `${service.signingName}:${name}`))
      .sort(),
  };
}
