// How the IAM and STS services ask the one authorization call: an `iam:`/`sts:` action on an IAM
// resource ARN, and the names IAM gives its resources.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestFacts } from '../domain/request-facts.js';
import type { AuthenticatedPrincipal, Principal } from '../domain/principal.js';
import type { Authorizer } from '../domain/authorizer.js';
import { IdentityError } from './identities.js';

/**
 * The authorization call for IAM actions (iam:CreateUser on arn:aws:iam::ACCOUNT:user/NAME, …);
 * `resourceAccount` where the ARN names none of an account (AWS managed policies, arn:aws:iam::aws:…).
 */
export type IamAuthorize = (
  principal: AuthenticatedPrincipal,
  action: string,
  resource: string,
  resourceAccount?: string,
) => Promise<void>;

/**
 * The facts of the request being served (aws:SourceIp, …), so that the services' authorization
 * calls carry them without every service method taking them.
 */
const currentFacts = new AsyncLocalStorage<RequestFacts>();

export function withRequestFacts<T>(facts: RequestFacts, run: () => Promise<T>): Promise<T> {
  return currentFacts.run(facts, run);
}

export function iamAuthorizer(authorizer: Authorizer): IamAuthorize {
  // The authorizer's action type names ECR's actions; IAM's travel through the same call.
  return (principal, action, resource, resourceAccount) => {
    const facts = currentFacts.getStore();
    return authorizer.authorize({
      principal,
      action: action as never,
      resource,
      ...(resourceAccount !== undefined && { resourceAccount }),
      ...(facts && { facts }),
    });
  };
}

export const userArn = (accountId: string, name: string, path = '/') => `arn:aws:iam::${accountId}:user${path}${name}`;
export const roleArn = (accountId: string, name: string, path = '/') => `arn:aws:iam::${accountId}:role${path}${name}`;
export const policyArn = (accountId: string, name: string, path = '/') =>
  `arn:aws:iam::${accountId}:policy${path}${name}`;
export const oidcProviderArn = (accountId: string, url: string) => `arn:aws:iam::${accountId}:oidc-provider/${url}`;

/** The caller as a signed principal; the query faces only hand signed principals to IAM actions. */
export function signed(principal: Principal): AuthenticatedPrincipal {
  if (principal.kind === 'anonymous') throw new IdentityError('InvalidInput', 'this action needs a signed request');
  return principal;
}

/** IAM's names (users, roles, policies): 1 to 64 (128 for policies) of letters, digits and + = , . @ _ - */
export const IAM_NAME = /^[\w+=,.@-]+$/;
/** IAM paths: / or /segments/ of printable ASCII. */
export const IAM_PATH = /^\/(?:[\x21-\x7e]+\/)?$/;
