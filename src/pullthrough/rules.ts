// ECR's pull-through cache rules (CreatePullThroughCacheRule and its siblings): which upstream
// registry a prefix of repository names caches. Each action is authorized on the registry; an
// upstream must be a host the allowedHosts setting lists; a rule's secret must be readable.
import { Actions } from '../domain/actions.js';
import type { Action } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import { ManagementError } from '../domain/management-errors.js';
import { PullThroughError } from '../domain/pull-through-errors.js';
import { type PullThroughRule, ROOT_RULE_PREFIX, type UpstreamRegistry } from '../domain/records/pull-through.js';
import { registryArn } from '../domain/registry.js';
import type { RequestContext } from '../domain/request-context.js';
import type { UpstreamCredentials } from '../domain/upstream-source.js';
import { registryKey } from '../metadata/registry-key.js';
import type { MetadataStore } from '../metadata/store.js';
import type { PullThroughSource } from './source.js';
import { hostAllowed, kindOfHost, NEEDS_CREDENTIALS, parseUpstreamUrl } from './upstream-host.js';

/** Rules per registry (ECR's quota); past it, LimitExceededException. */
export const MAX_RULES = 50;

export interface RuleRequest {
  ecrRepositoryPrefix: string;
  upstreamRegistryUrl: string;
  upstreamRegistry?: UpstreamRegistry;
  credentialArn?: string;
  customRoleArn?: string;
  upstreamRepositoryPrefix?: string;
}

export interface RulePage {
  rules: PullThroughRule[];
  /** The prefix to continue after, when there may be more. */
  last?: string;
}

export interface RuleOptions {
  region: string;
  allowedHosts: readonly string[];
}

/** A prefix as rules are keyed: ROOT, or a namespace without its trailing slash. */
export function rulePrefix(prefix: string): string {
  if (prefix === ROOT_RULE_PREFIX) return prefix;
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

function invalid(member: string, reason: string): ManagementError {
  return new ManagementError(
    'INVALID_PARAMETER',
    `Invalid parameter at '${member}' failed to satisfy constraint: '${reason}'`,
  );
}

export class PullThroughRules {
  constructor(
    private readonly store: Pick<MetadataStore, 'pullThrough'>,
    private readonly authorizer: Authorizer,
    private readonly credentials: UpstreamCredentials,
    private readonly source: Pick<PullThroughSource, 'check' | 'forget'>,
    private readonly options: RuleOptions,
  ) {}

  private async authorize(ctx: RequestContext, action: Action): Promise<void> {
    await this.authorizer.authorize({
      principal: ctx.principal,
      action,
      resource: registryArn(ctx.registry, this.options.region),
      ...(ctx.facts && { facts: ctx.facts }),
    });
  }

  async create(ctx: RequestContext, request: RuleRequest): Promise<PullThroughRule> {
    await this.authorize(ctx, Actions.CreatePullThroughCacheRule);
    const prefix = rulePrefix(request.ecrRepositoryPrefix);
    const host = parseUpstreamUrl(request.upstreamRegistryUrl);
    if (!host) throw invalid('upstreamRegistryUrl', `'${request.upstreamRegistryUrl}' is not a registry host`);
    if (!hostAllowed(host, this.options.allowedHosts))
      throw new PullThroughError(
        'UnsupportedUpstreamRegistryException',
        `The upstream registry '${host.host}' is not one this registry may cache (the setting pullThroughCache.allowedHosts lists them)`,
      );
    const kind = request.upstreamRegistry ?? kindOfHost(host.hostname) ?? null;
    if (kind && NEEDS_CREDENTIALS.has(kind) && !request.credentialArn)
      throw invalid('credentialArn', `a credentialArn is required for the upstream registry ${kind}`);
    // An ecr upstream is reached through its customRoleArn; a secret then holds the access key
    // that may assume the role at the upstream's own deployment (a role of this one needs none).
    if (kind === 'ecr' && !request.customRoleArn)
      throw invalid('customRoleArn', 'an ecr upstream is reached through a customRoleArn');
    const account = registryKey(ctx.registry);
    // An ecr upstream's secret holds an access key, read when the role is assumed.
    if (request.credentialArn && kind !== 'ecr') await this.credentials.read(account, request.credentialArn);
    const upstreamPrefix = request.upstreamRepositoryPrefix
      ? rulePrefix(request.upstreamRepositoryPrefix)
      : ROOT_RULE_PREFIX;
    if ((await this.store.pullThrough.countRules(account)) >= MAX_RULES)
      throw new PullThroughError(
        'LimitExceededException',
        `The registry with id '${ctx.registry.accountId}' has the most pull through cache rules it may have (${MAX_RULES})`,
      );
    const now = Date.now();
    const rule: PullThroughRule = {
      accountId: account,
      prefix,
      upstreamRegistryUrl: request.upstreamRegistryUrl,
      upstreamRegistry: kind,
      credentialArn: request.credentialArn ?? null,
      customRoleArn: this.customRole(ctx, request.customRoleArn) ?? null,
      upstreamRepositoryPrefix: upstreamPrefix,
      createdAt: now,
      updatedAt: now,
    };
    const created = await this.store.pullThrough.createRule(rule);
    this.source.forget(account);
    if (!created)
      throw new PullThroughError(
        'PullThroughCacheRuleAlreadyExistsException',
        `A pull through cache rule with prefix '${prefix}' already exists in the registry with id '${ctx.registry.accountId}'`,
      );
    return rule;
  }

  /** The registry's rules in byte order of prefix (those of `prefixes`, each of which must exist), after `last`. */
  async describePage(
    ctx: RequestContext,
    page: { last?: string; limit: number; prefixes?: string[] },
  ): Promise<RulePage> {
    await this.authorize(ctx, Actions.DescribePullThroughCacheRules);
    const account = registryKey(ctx.registry);
    const prefixes = page.prefixes && [...new Set(page.prefixes.map(rulePrefix))];
    if (prefixes) {
      const found = await this.store.pullThrough.listRules(account, { prefixes, limit: prefixes.length });
      const missing = prefixes.find((p) => !found.some((r) => r.prefix === p));
      if (missing !== undefined) throw this.notFound(ctx, missing);
    }
    const rows = await this.store.pullThrough.listRules(account, {
      ...(page.last !== undefined && { last: page.last }),
      ...(prefixes && { prefixes }),
      limit: page.limit + 1,
    });
    if (rows.length <= page.limit) return { rules: rows };
    const rules = rows.slice(0, page.limit);
    return { rules, last: rules[rules.length - 1]!.prefix };
  }

  async update(
    ctx: RequestContext,
    prefix: string,
    change: { credentialArn?: string; customRoleArn?: string },
  ): Promise<PullThroughRule> {
    await this.authorize(ctx, Actions.UpdatePullThroughCacheRule);
    const key = rulePrefix(prefix);
    const account = registryKey(ctx.registry);
    const current = await this.store.pullThrough.getRule(account, key);
    if (!current) throw this.notFound(ctx, key);
    if (change.credentialArn === undefined && change.customRoleArn === undefined)
      throw invalid('credentialArn', 'give a credentialArn or a customRoleArn to change');
    if (change.credentialArn && current.upstreamRegistry !== 'ecr')
      await this.credentials.read(account, change.credentialArn);
    const updated = await this.store.pullThrough.updateRule(
      account,
      key,
      {
        credentialArn: change.credentialArn ?? current.credentialArn,
        customRoleArn:
          change.customRoleArn === undefined
            ? current.customRoleArn
            : (this.customRole(ctx, change.customRoleArn) ?? null),
      },
      Math.max(Date.now(), current.updatedAt + 1),
    );
    this.source.forget(account);
    if (!updated) throw this.notFound(ctx, key);
    return updated;
  }

  async delete(ctx: RequestContext, prefix: string): Promise<PullThroughRule> {
    await this.authorize(ctx, Actions.DeletePullThroughCacheRule);
    const key = rulePrefix(prefix);
    const deleted = await this.store.pullThrough.deleteRule(registryKey(ctx.registry), key);
    this.source.forget(registryKey(ctx.registry));
    if (!deleted) throw this.notFound(ctx, key);
    return deleted;
  }

  /** The rule, and why its upstream cannot be reached with its credentials (undefined: it can). */
  async validate(ctx: RequestContext, prefix: string): Promise<{ rule: PullThroughRule; failure?: string }> {
    await this.authorize(ctx, Actions.ValidatePullThroughCacheRule);
    const key = rulePrefix(prefix);
    const rule = await this.store.pullThrough.getRule(registryKey(ctx.registry), key);
    if (!rule) throw this.notFound(ctx, key);
    let failure: string | undefined;
    try {
      failure = await this.source.check(rule);
    } catch (err) {
      if (err instanceof PullThroughError) failure = `${err.type}: ${err.message}`;
      else throw err;
    }
    return { rule, ...(failure !== undefined && { failure }) };
  }

  /** The role must be an IAM role's ARN (of any account: an ecr upstream's role may be another's). */
  private customRole(_ctx: RequestContext, requested: string | undefined): string | undefined {
    if (requested === undefined || requested === '') return undefined;
    if (!/^arn:aws:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/.test(requested))
      throw invalid('customRoleArn', `'${requested}' is not the ARN of an IAM role`);
    return requested;
  }

  private notFound(ctx: RequestContext, prefix: string): PullThroughError {
    return new PullThroughError(
      'PullThroughCacheRuleNotFoundException',
      `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${ctx.registry.accountId}'`,
    );
  }
}
