// Who is calling and may they do it: the bootstrap administrator, the authenticator (access
// keys, registry passwords, sessions) and the authorizers of auth.mode (open or iam).
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { OpenAuthorizer, type Authorizer } from '../domain/authorizer.js';
import { noteSignedIdentities } from '../http/request-log.js';
import { Authenticator } from '../iam/authenticator.js';
import type { NewAccessKey } from '../iam/identities.js';
import { KeyUsageRecorder } from '../iam/key-usage.js';
import { EndpointPolicyError, endpointPolicies } from '../iam/endpoint-policies.js';
import type { NamedPolicy } from '../policy/evaluate.js';
import { DeploymentError } from './deployment-error.js';
import { PolicyAuthorizer } from '../iam/policy-authorizer.js';
import { StoreIdentityPolicySource, StoreResourcePolicySource } from '../iam/policy-sources.js';
import { loadSessionService, type SessionService } from '../iam/sessions.js';
import { parseKeyArn } from '../kms/key-directory.js';
import { parseRepositoryArn } from '../domain/registry.js';
import type { Deployment } from './deployment.js';

export interface AccessWiring {
  /** auth.mode is open: every request is anonymous and allowed. */
  readonly open: boolean;
  /** The administrator key this start created (to be shown once), if it created one. */
  readonly bootstrapKey: NewAccessKey | undefined;
  readonly sessions: SessionService;
  readonly keyUsage: KeyUsageRecorder;
  readonly authenticator: Authenticator;
  readonly identityPolicies: StoreIdentityPolicySource;
  /** Decides ECR, ECR Public and KMS actions (identity and resource policies). */
  readonly authorizer: Authorizer;
  /** Decides IAM and STS actions (identity policies alone). */
  readonly iamAuthorizer: Authorizer;
}

export async function wireAccess(config: Config, deployment: Deployment, log: Logger): Promise<AccessWiring> {
  const { store, identities, tokens, accountId } = deployment;
  const pinned =
    config.admin.accessKeyId && config.admin.secretAccessKey
      ? { accessKeyId: config.admin.accessKeyId, secretAccessKey: config.admin.secretAccessKey }
      : undefined;
  const bootstrapKey = await identities.bootstrap(accountId, pinned);
  const sessions = await loadSessionService(store.settings, deployment.masterKey);
  const keyUsage = new KeyUsageRecorder(store, {
    onError: (err) => log.error({ err }, 'recording access key uses failed'),
  });
  const authenticator = noteSignedIdentities(
    new Authenticator(identities, tokens, config.registry.region, sessions, keyUsage),
  );
  const open = config.auth.mode === 'open';

  const identityPolicies = new StoreIdentityPolicySource(store);
  deployment.onPoliciesChanged((owner) => identityPolicies.forget(owner));
  const resourcePolicies = new StoreResourcePolicySource(
    store,
    (arn) => parseRepositoryArn(arn, config.registry.region),
    (arn) => parseKeyArn(arn, config.registry.region),
  );
  const decisions = { log, endpointPolicies: readEndpointPolicies(config) };
  const policyAuthorizer = open ? undefined : new PolicyAuthorizer(identityPolicies, resourcePolicies, decisions);
  const authorizer = policyAuthorizer ?? new OpenAuthorizer();
  // IAM and STS actions are decided by identity policies alone: a registry or repository policy
  // never grants them (the account's root may; users and roles need a policy). KMS actions go
  // through the same authorizer as ECR's, where a key's policy is the resource policy of its ARN.
  // IAM resources have no resource-based policies (a role's trust policy is STS's to read).
  const iamAuthorizer = open
    ? authorizer
    : new PolicyAuthorizer(identityPolicies, { resourcePolicies: async () => ({ policies: [], tags: {} }) }, decisions);
  return { open, bootstrapKey, sessions, keyUsage, authenticator, identityPolicies, authorizer, iamAuthorizer };
}

/** The endpoint policies of config.endpoints; one that cannot be read stops the start in one line. */
function readEndpointPolicies(config: Config): ReadonlyMap<string, readonly NamedPolicy[]> {
  try {
    return endpointPolicies(config.endpoints);
  } catch (err) {
    throw err instanceof EndpointPolicyError ? new DeploymentError(err.message) : err;
  }
}
