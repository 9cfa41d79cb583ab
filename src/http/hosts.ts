// Which account's registry a request addresses, from its Host: an explicit host map, then
// <12-digit account>.<domain>; otherwise the deployment's default account.

export interface HostRules {
  domain: string;
  hosts: Record<string, string>;
}

export function accountForHost(host: string | undefined, rules: HostRules): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const mapped = rules.hosts[name];
  if (mapped) return mapped;
  if (rules.domain && name.endsWith(`.${rules.domain}`)) {
    const label = name.slice(0, -(rules.domain.length + 1));
    if (/^\d{12}$/.test(label)) return label;
  }
  return undefined;
}

/** The registry host of an account, as clients should name it (for proxyEndpoint and repository URIs). */
export function hostForAccount(
  accountId: string,
  defaultAccountId: string,
  requestHost: string,
  rules: HostRules,
): string {
  const explicit = Object.entries(rules.hosts).find(([, id]) => id === accountId)?.[0];
  if (explicit) return explicit + portOf(requestHost);
  if (rules.domain && accountId !== defaultAccountId) return `${accountId}.${rules.domain}${portOf(requestHost)}`;
  return requestHost;
}

function portOf(host: string): string {
  const match = /:\d+$/.exec(host);
  return match ? match[0] : '';
}

/**
 * Whether an account has a registry host of its own: the default account (every host no rule
 * names), or one named by accounts.hosts or accounts.domain. Another account's users reach only
 * other accounts' registries until one of those is set.
 */
export function hasOwnHost(accountId: string, defaultAccountId: string, rules: HostRules): boolean {
  return accountId === defaultAccountId || Boolean(rules.domain) || Object.values(rules.hosts).includes(accountId);
}
