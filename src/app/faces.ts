// The faces on the main listener: the registry protocol (/v2), the AWS JSON APIs (aws-json.ts),
// the layer download URLs, and the IAM and STS query APIs.
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import { Actions } from '../domain/actions.js';
import { ANONYMOUS } from '../domain/principal.js';
import { PageTokens } from '../http/aws-json/page-tokens.js';
import { privateRegistry } from '../domain/registry.js';
import { layerDownloadPlugin } from '../http/ecr/layer-download.js';
import { requestFacts } from '../http/facts.js';
import { accountForHost } from '../http/hosts.js';
import { CLOUDWATCH_VERSION, cloudWatchFace } from '../http/cloudwatch/face.js';
import { awsQueryPlugin, type QueryService } from '../http/iam/plugin.js';
import { ociPlugin } from '../http/oci/plugin.js';
import { replicationContext } from '../http/oci/replication.js';
import { usagePlugin } from '../http/usage/plugin.js';
import { addRegistryHostHint } from '../http/registry-host-hint.js';
import { noted } from '../http/request-log.js';
import { loadSharedSecret } from '../keys/shared-secret.js';
import { SECRETS } from '../keys/secrets.js';
import { SignedTokenCodec } from '../keys/signed-token.js';
import { registerAwsJson } from './aws-json.js';
import type { Deployment } from './deployment.js';
import { registerConsole } from './console.js';
import { iamServices } from './iam.js';
import { iamFace } from '../http/iam/face.js';
import type { Wiring } from './services.js';

/** The actions each face answers (for the model conformance tests). */
export interface FaceActions {
  readonly ecrActions: readonly string[];
  readonly kmsActions: readonly string[];
  readonly ecrPublicActions: readonly string[];
  readonly secretsActions: readonly string[];
  readonly eventsActions: readonly string[];
  readonly cloudTrailActions: readonly string[];
  /** CloudWatch's actions (on the query host beside IAM and STS, not among queryActions). */
  readonly cloudWatchActions: readonly string[];
  readonly queryActions: readonly string[];
}

export async function registerFaces(
  app: FastifyInstance,
  config: Config,
  deployment: Deployment,
  wired: Pick<
    Wiring,
    'access' | 'services' | 'auth' | 'kms' | 'pub' | 'secrets' | 'events' | 'pullThrough' | 'metering' | 'scanning'
  > & { audit: AuditTrail },
): Promise<FaceActions> {
  const { store, identities, accountId } = deployment;
  const { access, services, auth } = wired;
  const { open, authenticator } = auth;
  const pageTokens = new PageTokens(
    new SignedTokenCodec(await loadSharedSecret(store.settings, deployment.masterKey, SECRETS.pageTokens)),
  );
  const hostRules = config.accounts;
  addRegistryHostHint(app, accountId, hostRules);
  await app.register(ociPlugin, {
    services,
    requireLogin: !open,
    context: async (request) =>
      replicationContext(
        {
          principal: noted(
            request.headers,
            open ? ANONYMOUS : await authenticator.basic(request.headers.authorization),
          ),
          registry: privateRegistry(accountForHost(request.host, hostRules) ?? accountId),
          facts: requestFacts(request),
        },
        request.headers,
        open,
      ),
    authorizeManifestPut: (ctx, name) => access.authorize(ctx, name, Actions.PutImage),
  });
  const awsJsonActions = await registerAwsJson(app, deployment, wired, pageTokens);
  await app.register(layerDownloadPlugin, { layerUrls: services.layerUrls });
  await app.register(usagePlugin, {
    usage: wired.metering.usage,
    authenticator,
    authorizer: auth.authorizer,
    open,
    accountId,
    region: config.registry.region,
  });
  const iam = iamServices(store, identities, auth.sessions, auth.iamAuthorizer, {
    identityPolicies: auth.identityPolicies,
  });
  const queryServices = iamFace(iam);
  // CloudWatch speaks the query protocol too (ECR's metrics): one more version on the same host.
  const allQuery = { ...queryServices, [CLOUDWATCH_VERSION]: cloudWatchFace(wired.audit) as unknown as QueryService };
  await app.register(awsQueryPlugin, { authenticator, services: allQuery, pageTokens });
  await registerConsole(app, config, deployment, wired, iam);
  return {
    ...awsJsonActions,
    cloudWatchActions: Object.keys(allQuery[CLOUDWATCH_VERSION].actions).sort(),
    queryActions: Object.values(queryServices)
      .flatMap((service) => Object.keys(service.actions).map((name) => `${service.signingName}:${name}`))
      .sort(),
  };
}
