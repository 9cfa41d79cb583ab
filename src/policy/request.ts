// What the engine knows of a request: who calls (as IAM describes a principal), and the values
// of the condition keys (aws:SourceIp, aws:PrincipalTag/…), which the faces gather.

import type { RequestFacts } from '../domain/request-facts.js';

/** A caller as policies see it. */
export interface Caller {
  /** aws:PrincipalType: Account (the root), User, AssumedRole, FederatedUser, Anonymous. */
  type: 'Account' | 'User' | 'AssumedRole' | 'FederatedUser' | 'Anonymous';
  /** The caller's ARN: arn:aws:iam::A:root, …:user/name, arn:aws:sts::A:assumed-role/role/session. */
  arn?: string;
  accountId?: string;
  /** For a role session, the role's ARN (a policy naming the role matches its sessions). */
  roleArn?: string;
  /** aws:userid: the account id (root), the user's unique id, or `roleId:sessionName`. */
  userId?: string;
  /** aws:username (IAM users only). */
  username?: string;
  /** aws:PrincipalTag/*: the user's tags or the session's tags. */
  tags?: Readonly<Record<string, string>>;
  /** A web-identity caller's provider ARN (matched by Principal {"Federated": …} in trust policies). */
  federated?: string;
  /** A service principal (Principal {"Service": …}). */
  service?: string;
}

export const ANONYMOUS_CALLER: Caller = { type: 'Anonymous' };

/** Condition key values by lower-case key name (keys are case-insensitive, values are not). */
export type ContextValues = ReadonlyMap<string, string | readonly string[]>;

export function contextValue(context: ContextValues, key: string): string | readonly string[] | undefined {
  return context.get(key.toLowerCase());
}

/** The condition keys of a request, at time `now` (ms), on a resource with `resourceTags`. */
export function buildContext(
  caller: Caller,
  facts: RequestFacts,
  now: number,
  resourceTags: Readonly<Record<string, string>> = {},
): Map<string, string | readonly string[]> {
  const context = new Map<string, string | readonly string[]>();
  const set = (key: string, value: string | readonly string[] | undefined) => {
    if (value !== undefined) context.set(key.toLowerCase(), value);
  };
  set('aws:CurrentTime', new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  set('aws:EpochTime', String(Math.floor(now / 1000)));
  set('aws:SecureTransport', facts.secureTransport === undefined ? undefined : String(facts.secureTransport));
  set('aws:SourceIp', facts.sourceIp);
  set('aws:SourceVpce', facts.sourceVpce);
  set('aws:SourceVpc', facts.sourceVpc);
  set('aws:UserAgent', facts.userAgent);
  set('aws:Referer', facts.referer);
  if (caller.type !== 'Anonymous') {
    set('aws:PrincipalType', caller.type);
    set('aws:PrincipalArn', caller.type === 'AssumedRole' ? caller.roleArn : caller.arn);
    set('aws:PrincipalAccount', caller.accountId);
    set('aws:userid', caller.userId);
    set('aws:username', caller.username);
    for (const [key, value] of Object.entries(caller.tags ?? {})) set(`aws:PrincipalTag/${key}`, value);
  }
  for (const [key, value] of Object.entries(resourceTags)) {
    set(`aws:ResourceTag/${key}`, value);
    set(`ecr:ResourceTag/${key}`, value);
  }
  for (const [key, value] of Object.entries(facts.requestTags ?? {})) set(`aws:RequestTag/${key}`, value);
  const tagKeys = facts.tagKeys ?? (facts.requestTags ? Object.keys(facts.requestTags) : undefined);
  set('aws:TagKeys', tagKeys);
  for (const [key, value] of Object.entries(facts.serviceValues ?? {})) set(key, value);
  return context;
}
