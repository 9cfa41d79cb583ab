// The UpstreamSource the registry asks on a cache miss: the account's rule for a repository name
// (the longest prefix, else ROOT: the default mirror), the upstream repository it maps to
// (Docker Hub's one-part names under library/), and a client of that upstream with the rule's
// credentials, kept while the rule is unchanged.
import type { PullThroughRule } from '../domain/records/pull-through.js';
import { ROOT_RULE_PREFIX } from '../domain/records/pull-through.js';
import type {
  EcrUpstreamLogin,
  ExpiringCredential,
  UpstreamCredential,
  UpstreamCredentials,
  UpstreamRepository,
  UpstreamSource,
} from '../domain/upstream-source.js';
import { UpstreamError } from '../domain/upstream-source.js';
import type { MetadataStore } from '../metadata/store.js';
import { UpstreamClient } from './upstream-client.js';
import { parseUpstreamUrl, upstreamOrigin } from './upstream-host.js';
import { ClientRepository } from './upstream-repository.js';
import { readBody } from './upstream-client.js';

export interface SourceOptions {
  plainHttpLoopback: boolean;
  timeoutMs: number;
  ca?: Buffer[];
}

/** Rules an account may have: all are read at once to find the one for a name. */
const MAX_RULES_READ = 1000;
/** How long an account's rules are kept in memory (a rule changed on another node shows this much later). */
const RULES_TTL_MS = 5000;
/** How long a client keeps the credentials it read (a new value of the secret is used after this). */
const CLIENT_TTL_MS = 10 * 60_000;
/** An ecr upstream's login is asked for again this long before it expires. */
const LOGIN_MARGIN_MS = 5 * 60_000;

/** The upstream repository `name` is under `rule` (undefined when the rule's prefix is not name's). */
export function upstreamName(rule: PullThroughRule, name: string): string | undefined {
  let rest: string;
  if (rule.prefix === ROOT_RULE_PREFIX) rest = name;
  else if (name.startsWith(`${rule.prefix}/`)) rest = name.slice(rule.prefix.length + 1);
  else return undefined;
  if (rest === '') return undefined;
  const mapped = rule.upstreamRepositoryPrefix === ROOT_RULE_PREFIX ? rest : `${rule.upstreamRepositoryPrefix}/${rest}`;
  // Docker Hub's official images: `alpine` is `library/alpine`.
  return rule.upstreamRegistry === 'docker-hub' && !mapped.includes('/') ? `library/${mapped}` : mapped;
}

/** The rule for `name`: the longest prefix it is under, else ROOT. */
export function ruleFor(rules: PullThroughRule[], name: string): PullThroughRule | undefined {
  let best: PullThroughRule | undefined;
  for (const rule of rules) {
    if (rule.prefix === ROOT_RULE_PREFIX) {
      best ??= rule;
      continue;
    }
    if (!name.startsWith(`${rule.prefix}/`)) continue;
    if (!best || best.prefix === ROOT_RULE_PREFIX || rule.prefix.length > best.prefix.length) best = rule;
  }
  return best;
}

export class PullThroughSource implements UpstreamSource {
  private readonly clients = new Map<string, { version: number; until: number; client: UpstreamClient }>();
  /** Every pull of the account's repositories asks for its rules: kept a few seconds. */
  private readonly rules = new Map<string, { rules: PullThroughRule[]; until: number }>();

  constructor(
    private readonly store: Pick<MetadataStore, 'pullThrough'>,
    private readonly credentials: UpstreamCredentials,
    private readonly options: SourceOptions,
    /** ECR's login through a rule's customRoleArn (ecr upstreams). */
    private readonly ecrLogin?: EcrUpstreamLogin,
  ) {}

  async resolve(accountId: string, name: string): Promise<UpstreamRepository | undefined> {
    const rule = ruleFor(await this.rulesOf(accountId), name);
    const upstream = rule && upstreamName(rule, name);
    if (!rule || !upstream) return undefined;
    const host = parseUpstreamUrl(rule.upstreamRegistryUrl)!;
    return new ClientRepository(await this.client(rule), host.host, upstream, rule.prefix);
  }

  private async rulesOf(accountId: string): Promise<PullThroughRule[]> {
    const kept = this.rules.get(accountId);
    if (kept && kept.until > Date.now()) return kept.rules;
    const rules = await this.store.pullThrough.listRules(accountId, { limit: MAX_RULES_READ });
    this.rules.set(accountId, { rules, until: Date.now() + RULES_TTL_MS });
    return rules;
  }

  /** Forgets the account's rules (this node changed them): the next pull reads them again. */
  forget(accountId: string): void {
    this.rules.delete(accountId);
  }

  /** Why the rule's upstream cannot be used (GET /v2/ with its credentials), or undefined when it can. */
  async check(rule: PullThroughRule): Promise<string | undefined> {
    try {
      const client = await this.client(rule);
      const res = await client.send('GET', '/v2/', {}, 'registry:catalog:*');
      const body = await readBody(res, 64 * 1024);
      if (res.statusCode === 200) return undefined;
      return `the upstream answered ${res.statusCode} to GET /v2/: ${body.toString('utf8').slice(0, 200)}`;
    } catch (err) {
      if (err instanceof UpstreamError) return err.message;
      if (err instanceof Error) return `${err.name}: ${err.message}`;
      throw err;
    }
  }

  /** The client of the rule's upstream, made again when the rule changed, and every few minutes (the secret's value may have). */
  private async client(rule: PullThroughRule): Promise<UpstreamClient> {
    const key = `${rule.accountId}/${rule.prefix}`;
    const kept = this.clients.get(key);
    if (kept && kept.version === rule.updatedAt && kept.until > Date.now()) return kept.client;
    // Downloads through the old client may be under way: it is closed only once they have had time.
    if (kept) setTimeout(() => kept.client.close(), CLIENT_TTL_MS).unref();
    const host = parseUpstreamUrl(rule.upstreamRegistryUrl);
    if (!host) throw new UpstreamError(`the rule ${rule.prefix} names no upstream host`, 400);
    const origin = upstreamOrigin(host, this.options.plainHttpLoopback);
    const credential =
      rule.upstreamRegistry === 'ecr' && rule.customRoleArn
        ? this.roleLogin(rule, rule.customRoleArn, origin, host.hostname)
        : rule.credentialArn
          ? await this.credentials.read(rule.accountId, rule.credentialArn)
          : undefined;
    const client = new UpstreamClient(origin, credential, {
      timeoutMs: this.options.timeoutMs,
      ...(this.options.ca && { ca: this.options.ca }),
    });
    this.clients.set(key, { version: rule.updatedAt, until: Date.now() + CLIENT_TTL_MS, client });
    return client;
  }

  /**
   * An ecr upstream's registry login through the rule's role, asked for when the upstream first
   * challenges (so cached content is served while the upstream or its STS is down), kept until
   * a few minutes before it expires, one login at a time.
   */
  private roleLogin(
    rule: PullThroughRule,
    roleArn: string,
    origin: string,
    hostname: string,
  ): () => Promise<UpstreamCredential> {
    const login = this.ecrLogin;
    const region = /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(hostname)?.[1];
    let kept: ExpiringCredential | undefined;
    let flight: Promise<ExpiringCredential> | undefined;
    return async () => {
      if (!login) throw new UpstreamError('this deployment cannot log in to ecr upstreams', 400);
      if (kept && kept.expiresAt - LOGIN_MARGIN_MS > Date.now()) return kept;
      flight ??= login
        .login({
          accountId: rule.accountId,
          roleArn,
          origin,
          ...(rule.credentialArn && { credentialArn: rule.credentialArn }),
          ...(region && { region }),
        })
        .finally(() => {
          flight = undefined;
        });
      kept = await flight;
      return kept;
    };
  }

  close(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }
}
