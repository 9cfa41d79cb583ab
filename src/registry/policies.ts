// Repository policies and the registry policy on the ECR API: validated by the policy engine
// before anything is stored, each action authorized itself, and this node's policy cache
// forgotten on every change (other nodes see it within POLICY_CACHE_MS).
import { Actions } from '../domain/actions.js';
import { ManagementError } from '../domain/management-errors.js';
import { arnAccount } from '../domain/principal.js';
import { callerOf } from '../iam/policy-authorizer.js';
import { PrincipalDirectory } from '../iam/principal-directory.js';
import type { MetadataStore } from '../metadata/store.js';
import { parsePolicy, PolicyValidationError, POLICY_LIMITS, type PolicyDocument } from '../policy/document.js';
import { evaluate } from '../policy/evaluate.js';
import { buildContext } from '../policy/request.js';
import type { RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';
import { registryKey } from '../metadata/registry-key.js';

export interface RepositoryPolicy {
  registryId: string;
  repositoryName: string;
  policyText: string;
}

export interface RegistryPolicy {
  registryId: string;
  policyText: string;
}

/** The document, or InvalidParameterException naming the policy element at fault. */
function validate(text: string, what: 'repository' | 'registry'): PolicyDocument {
  try {
    return parsePolicy(text, { kind: 'resource', maxLength: POLICY_LIMITS[what] });
  } catch (err) {
    if (!(err instanceof PolicyValidationError)) throw err;
    throw new ManagementError(
      'INVALID_PARAMETER',
      `Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid ${what} policy provided': ${err.message}`,
    );
  }
}

export class PolicyService {
  private readonly principals: PrincipalDirectory;

  constructor(
    private readonly store: Pick<MetadataStore, 'policies' | 'identities' | 'roles' | 'oidcProviders'>,
    private readonly access: RepositoryAccess,
  ) {
    this.principals = new PrincipalDirectory(store);
  }

  /** The policy text as a document naming only principals that exist, or InvalidParameterException naming the first that does not. */
  private async valid(text: string, what: 'repository' | 'registry'): Promise<PolicyDocument> {
    const document = validate(text, what);
    const unknown = await this.principals.firstUnknown(document);
    if (unknown) {
      throw new ManagementError(
        'INVALID_PARAMETER',
        `Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid ${what} policy provided': ${unknown.element}: ${JSON.stringify(unknown.principal)} does not exist`,
      );
    }
    return document;
  }

  /** Throws InvalidParameterException when `text` is not a valid repository policy (a creation template's). */
  async assertRepositoryPolicy(text: string): Promise<void> {
    await this.valid(text, 'repository');
  }

  /**
   * Sets the repository's policy. Without `force`, a policy that would deny the caller the
   * right to set the policy again is refused (ECR's lockout protection).
   */
  async setRepositoryPolicy(
    ctx: RequestContext,
    name: string,
    policyText: string,
    force: boolean,
  ): Promise<RepositoryPolicy> {
    const repository = await this.access.existing(ctx, name, Actions.SetRepositoryPolicy);
    const document = await this.valid(policyText, 'repository');
    const resource = this.access.repositoryArn(ctx.registry, name);
    if (!force && ctx.principal.kind !== 'anonymous') {
      const caller = callerOf(ctx.principal);
      const decision = evaluate({
        caller,
        action: this.access.policyAction(ctx.registry, Actions.SetRepositoryPolicy),
        resource,
        resourceAccount: arnAccount(resource) ?? ctx.registry.accountId,
        context: buildContext(caller, ctx.facts ?? {}, Date.now()),
        identityPolicies: [],
        resourcePolicies: [{ name: 'repository', document }],
      });
      if (decision.effect === 'ExplicitDeny') {
        throw new ManagementError(
          'INVALID_PARAMETER',
          `Invalid parameter at 'PolicyText' failed to satisfy constraint: 'The repository policy would prevent you from setting it again (statement ${decision.statement?.sid ?? decision.statement?.index}); set force to override'`,
        );
      }
    }
    if (!(await this.store.policies.setRepositoryPolicy(repository.id, policyText, Date.now()))) {
      throw new ManagementError(
        'INVALID_PARAMETER',
        `The repository with name '${name}' was deleted while its policy was set`,
      );
    }
    this.access.policiesChanged();
    return { registryId: ctx.registry.accountId, repositoryName: name, policyText };
  }

  async getRepositoryPolicy(ctx: RequestContext, name: string): Promise<RepositoryPolicy> {
    const repository = await this.access.existing(ctx, name, Actions.GetRepositoryPolicy);
    const policyText = await this.store.policies.getRepositoryPolicy(repository.id);
    if (policyText === undefined) throw this.noRepositoryPolicy(ctx, name);
    return { registryId: ctx.registry.accountId, repositoryName: name, policyText };
  }

  async deleteRepositoryPolicy(ctx: RequestContext, name: string): Promise<RepositoryPolicy> {
    const repository = await this.access.existing(ctx, name, Actions.DeleteRepositoryPolicy);
    const policyText = await this.store.policies.deleteRepositoryPolicy(repository.id);
    if (policyText === undefined) throw this.noRepositoryPolicy(ctx, name);
    this.access.policiesChanged();
    return { registryId: ctx.registry.accountId, repositoryName: name, policyText };
  }

  async putRegistryPolicy(ctx: RequestContext, policyText: string): Promise<RegistryPolicy> {
    await this.access.authorizeRegistry(ctx, Actions.PutRegistryPolicy);
    await this.valid(policyText, 'registry');
    await this.store.policies.putRegistryPolicy(registryKey(ctx.registry), policyText, Date.now());
    this.access.policiesChanged();
    return { registryId: ctx.registry.accountId, policyText };
  }

  async getRegistryPolicy(ctx: RequestContext): Promise<RegistryPolicy> {
    await this.access.authorizeRegistry(ctx, Actions.GetRegistryPolicy);
    const policyText = await this.store.policies.getRegistryPolicy(registryKey(ctx.registry));
    if (policyText === undefined) throw this.noRegistryPolicy(ctx);
    return { registryId: ctx.registry.accountId, policyText };
  }

  async deleteRegistryPolicy(ctx: RequestContext): Promise<RegistryPolicy> {
    await this.access.authorizeRegistry(ctx, Actions.DeleteRegistryPolicy);
    const policyText = await this.store.policies.deleteRegistryPolicy(registryKey(ctx.registry));
    if (policyText === undefined) throw this.noRegistryPolicy(ctx);
    this.access.policiesChanged();
    return { registryId: ctx.registry.accountId, policyText };
  }

  private noRepositoryPolicy(ctx: RequestContext, name: string): ManagementError {
    return new ManagementError(
      'REPOSITORY_POLICY_NOT_FOUND',
      `Repository policy does not exist for the repository with name '${name}' in the registry with id '${ctx.registry.accountId}'`,
    );
  }

  private noRegistryPolicy(ctx: RequestContext): ManagementError {
    return new ManagementError(
      'REGISTRY_POLICY_NOT_FOUND',
      `Registry policy does not exist in the registry with id '${ctx.registry.accountId}'`,
    );
  }
}
