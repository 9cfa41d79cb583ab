// The AWS JSON 1.1 APIs on the main listener (POST / with X-Amz-Target): ECR, KMS, ECR Public
// and its aliases, Secrets Manager, each an action table over the services.
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../audit/trail.js';
import { cloudTrailActions } from '../http/cloudtrail/actions.js';
import { cloudTrailFace } from '../http/cloudtrail/face.js';
import type { ApiActionTable } from '../http/aws-json/call.js';
import type { PageTokens } from '../http/aws-json/page-tokens.js';
import { awsJsonPlugin } from '../http/aws-json/plugin.js';
import { resourceTagActions } from '../http/aws-json/registry-api/resource-tags.js';
import { accountActions } from '../http/ecr/actions/account.js';
import { authActions } from '../http/ecr/actions/auth.js';
import { creationTemplateActions } from '../http/ecr/actions/creation-templates.js';
import { imageActions } from '../http/ecr/actions/images.js';
import { layerActions } from '../http/ecr/actions/layers.js';
import { lifecycleActions } from '../http/ecr/actions/lifecycle.js';
import { policyActions } from '../http/ecr/actions/policies.js';
import { pullThroughActions } from '../http/ecr/actions/pull-through.js';
import { replicationActions } from '../http/ecr/actions/replication.js';
import { signingActions } from '../http/ecr/actions/signing.js';
import { scanningActions } from '../http/ecr/actions/scanning.js';
import { repositoryActions } from '../http/ecr/actions/repositories.js';
import { storageClassActions } from '../http/ecr/actions/storage-classes.js';
import { ecrFace } from '../http/ecr/face.js';
import { aliasActions } from '../http/ecr-public/actions/aliases.js';
import { ecrPublicActions } from '../http/ecr-public/actions.js';
import { aliasFace, ecrPublicFace } from '../http/ecr-public/face.js';
import { kmsActions } from '../http/kms/actions.js';
import { kmsFace } from '../http/kms/face.js';
import { secretsActions } from '../http/secrets/actions.js';
import { secretsFace } from '../http/secrets/face.js';
import { eventsActions } from '../http/events/actions.js';
import { eventsFace } from '../http/events/face.js';
import type { Deployment } from './deployment.js';
import type { Wiring } from './services.js';

export async function registerAwsJson(
  app: FastifyInstance,
  deployment: Deployment,
  wired: Pick<
    Wiring,
    'access' | 'services' | 'auth' | 'kms' | 'pub' | 'secrets' | 'events' | 'pullThrough' | 'scanning'
  > & { audit: AuditTrail },
  pageTokens: PageTokens,
): Promise<{
  ecrActions: string[];
  kmsActions: string[];
  ecrPublicActions: string[];
  secretsActions: string[];
  eventsActions: string[];
  cloudTrailActions: string[];
}> {
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
    ...imageActions(services, (accountId, name, digests) => wired.scanning.service.summaries(accountId, name, digests)),
    ...layerActions(services),
    ...creationTemplateActions(services.creationTemplates),
    ...storageClassActions(services),
    ...lifecycleActions(services.lifecycle, services.pullExclusions),
    ...replicationActions(services.replication),
    ...pullThroughActions(wired.pullThrough.rules),
    ...signingActions(services.signing),
    ...scanningActions(wired.scanning.service, config.registry.region),
  };
  const keyActions = kmsActions(kms.keyService, kms.grantService);
  const publicActions = ecrPublicActions(pub.face, pub.services, pub.repositories, tokens);
  const secretActions = secretsActions(wired.secrets);
  const eventActions = eventsActions(wired.events.rules);
  const trailActions = cloudTrailActions(wired.audit);
  await app.register(awsJsonPlugin, {
    authenticator,
    pageTokens,
    faces: [
      ecrFace(ecrActions),
      kmsFace(keyActions),
      ecrPublicFace(publicActions),
      aliasFace(aliasActions(pub.aliases, accountId)),
      secretsFace(secretActions),
      eventsFace(eventActions),
      cloudTrailFace(trailActions),
    ],
  });
  return {
    ecrActions: Object.keys(ecrActions).sort(),
    kmsActions: Object.keys(keyActions).sort(),
    ecrPublicActions: Object.keys(publicActions).sort(),
    secretsActions: Object.keys(secretActions).sort(),
    eventsActions: Object.keys(eventActions).sort(),
    cloudTrailActions: Object.keys(trailActions).sort(),
  };
}
