// Where the authorizer finds policies: a principal's identity policies (inline, customer managed,
// AWS managed) and a resource's resource-based policies (its repository's, its registry's, or a
// KMS key's own policy, which KMS's rule makes the primary control) with its tags. A public
// repository's policy is kept where a private one's is (it is a repository row). Read through a
// short cache: a change made on this node counts at once (forget), one made on another node
// within POLICY_CACHE_MS, like access keys (identities.ts KEY_CACHE_MS).
import type { MetadataStore } from '../metadata/store.js';
import type { PolicyOwner } from '../domain/records/policies.js';
import { parsePolicy, type PolicyDocument } from '../policy/document.js';
import type { CombinationRule, NamedPolicy } from '../policy/evaluate.js';
import { managedPolicy } from '../policy/managed.js';
import type { Principal } from '../domain/principal.js';
import { PUBLIC_ARN_PREFIX, type RegistryRef } from '../domain/registry.js';
import { registryKey } from '../metadata/registry-key.js';
import { TtlCache } from './ttl-cache.js';

export const POLICY_CACHE_MS = 5_000;

/** The identity-based policies of a principal: what the policy engine reads on its side. */
export interface IdentityPolicySource {
  identityPolicies(principal: Principal): Promise<NamedPolicy[]>;
  /** An IAM user's tags (aws:PrincipalTag/*); none for other principals (a session carries its own). */
  principalTags?(principal: Principal): Promise<Record<string, string>>;
}

/** What decides on a resource's side: its resource-based policies, its tags (aws:ResourceTag/*), how they combine with identity policies. */
export interface ResourcePolicies {
  policies: NamedPolicy[];
  tags: Record<string, string>;
  rule?: CombinationRule;
}

/** The resource-based policies on a resource, and its tags. */
export interface ResourcePolicySource {
  resourcePolicies(resourceArn: string, accountId: string): Promise<ResourcePolicies>;
  /** What the resource's side would be with `policyText` as its own policy (KMS's lockout check of a key policy not yet stored). */
  proposed?(resourceArn: string, policyText: string): ResourcePolicies;
}

/** A KMS key an ARN names (its account and key id); undefined for every other resource. */
export type KeyOf = (arn: string) => { accountId: string; id: string } | undefined;

const KMS_ARN_PREFIX = 'arn:aws:kms:';
const SECRET_ARN_PREFIX = 'arn:aws:secretsmanager:';

/** Whose identity policies a principal carries: a user's, a role session's role's; none for root and anonymous. */
export function policyOwner(principal: Principal): PolicyOwner | undefined {
  if (principal.kind === 'user') return { type: 'user', id: principal.userId };
  if (principal.kind === 'role-session') return { type: 'role', id: principal.roleId };
  return undefined;
}

/** Stored policy texts were validated when stored; parsed once per distinct text. */
class ParsedTexts {
  private readonly parsed = new Map<string, PolicyDocument>();

  document(text: string, kind: 'identity' | 'resource'): PolicyDocument {
    const key = `${kind}:${text}`;
    let document = this.parsed.get(key);
    if (!document) {
      document = parsePolicy(text, { kind, maxLength: Number.MAX_SAFE_INTEGER });
      if (this.parsed.size >= 1_000) this.parsed.clear();
      this.parsed.set(key, document);
    }
    return document;
  }
}

const texts = new ParsedTexts();

/** A validated policy text (stored, or sealed in a session token) as a document, parsed once. */
export function storedDocument(text: string, kind: 'identity' | 'resource'): PolicyDocument {
  return texts.document(text, kind);
}

export class StoreIdentityPolicySource implements IdentityPolicySource {
  private readonly cache = new TtlCache<string, NamedPolicy[]>(POLICY_CACHE_MS);
  private readonly tags = new TtlCache<string, Record<string, string>>(POLICY_CACHE_MS);

  constructor(private readonly store: Pick<MetadataStore, 'policies' | 'resourceTags'>) {}

  async principalTags(principal: Principal): Promise<Record<string, string>> {
    if (principal.kind !== 'user') return {};
    return this.tags.through(principal.userId, async () => {
      const list = await this.store.resourceTags.list(principal.arn);
      return Object.fromEntries(list.map((t) => [t.key, t.value]));
    });
  }

  async identityPolicies(principal: Principal): Promise<NamedPolicy[]> {
    const owner = policyOwner(principal);
    if (!owner) return [];
    return this.cache.through(`${owner.type}:${owner.id}`, async () => {
      const { policies, otherArns } = await this.store.policies.identityPolicies(owner);
      const named = policies.map((p) => ({ name: p.name, document: texts.document(p.policyText, 'identity') }));
      for (const arn of otherArns) {
        const builtIn = managedPolicy(arn);
        if (builtIn) named.push({ name: arn, document: builtIn.document });
      }
      return named;
    });
  }

  /** Forgets what this node read for an owner (after it changed the owner's policies or a user's tags); all when none. */
  forget(owner?: PolicyOwner): void {
    if (owner) {
      this.cache.delete(`${owner.type}:${owner.id}`);
      if (owner.type === 'user') this.tags.delete(owner.id);
    } else {
      this.cache.clear();
      this.tags.clear();
    }
  }
}

export class StoreResourcePolicySource implements ResourcePolicySource {
  private readonly cache = new TtlCache<string, ResourcePolicies>(POLICY_CACHE_MS);

  /** `repositoryOf` names the repository an ARN addresses, `keyOf` the KMS key (undefined for other resources). */
  constructor(
    private readonly store: Pick<MetadataStore, 'kms' | 'policies' | 'repositories' | 'resourceTags' | 'secrets'>,
    private readonly repositoryOf: (arn: string) => { registry: RegistryRef; name: string } | undefined,
    private readonly keyOf: KeyOf = () => undefined,
  ) {}

  async resourcePolicies(resourceArn: string, accountId: string): Promise<ResourcePolicies> {
    return this.cache.through(resourceArn, async () => {
      // KMS resources: a key's policy and KMS's rule; registry and repository policies never reach them.
      if (resourceArn.startsWith(KMS_ARN_PREFIX)) return this.keyPolicies(resourceArn);
      // A secret's own resource policy and tags; registry policies never reach secrets.
      if (resourceArn.startsWith(SECRET_ARN_PREFIX)) return this.secretPolicies(resourceArn);
      const policies: NamedPolicy[] = [];
      let tags: Record<string, string> = {};
      const target = this.repositoryOf(resourceArn);
      const repository = target && (await this.store.repositories.get(registryKey(target.registry), target.name));
      if (repository) {
        const [text, tagList] = await Promise.all([
          this.store.policies.getRepositoryPolicy(repository.id),
          this.store.resourceTags.list(resourceArn),
        ]);
        if (text !== undefined) policies.push({ name: 'repository', document: texts.document(text, 'resource') });
        tags = Object.fromEntries(tagList.map((t) => [t.key, t.value]));
      }
      // A registry policy is ECR's (private registries); ECR Public has none.
      const registry = resourceArn.startsWith(PUBLIC_ARN_PREFIX)
        ? undefined
        : await this.store.policies.getRegistryPolicy(accountId);
      if (registry !== undefined) policies.push({ name: 'registry', document: texts.document(registry, 'resource') });
      return { policies, tags };
    });
  }

  /**
   * A key's policy decides by KMS's rule. Other KMS ARNs (aliases, key/* of CreateKey and
   * ListKeys) have no resource policy: identity policies decide, as in KMS.
   */
  private async keyPolicies(resourceArn: string): Promise<ResourcePolicies> {
    const named = this.keyOf(resourceArn);
    const key = named && (await this.store.kms.getKey(named.id));
    if (!key || key.accountId !== named!.accountId) return { policies: [], tags: {} };
    return {
      policies: [{ name: 'key', document: texts.document(key.policy, 'resource') }],
      tags: {},
      rule: 'key-policy',
    };
  }

  private async secretPolicies(resourceArn: string): Promise<ResourcePolicies> {
    const secret = await this.store.secrets.getByArn(resourceArn);
    if (!secret) return { policies: [], tags: {} };
    return {
      policies: secret.policy === null ? [] : [{ name: 'secret', document: texts.document(secret.policy, 'resource') }],
      tags: Object.fromEntries(secret.tags.map((t) => [t.key, t.value])),
    };
  }

  proposed(resourceArn: string, policyText: string): ResourcePolicies {
    const policies = [
      { name: 'key', document: parsePolicy(policyText, { kind: 'resource', maxLength: Number.MAX_SAFE_INTEGER }) },
    ];
    return this.keyOf(resourceArn) ? { policies, tags: {}, rule: 'key-policy' } : { policies, tags: {} };
  }

  /** Forgets what this node read (after it changed a policy or tags). */
  forget(): void {
    this.cache.clear();
  }
}
