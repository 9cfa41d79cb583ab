// A refusal on /v2 says why when the cause is the host: a user of an account with no registry host
// of its own (no accounts.domain, no accounts.hosts entry) reaching the deployment's plain host
// addresses the default account's registry, and is refused there. The DENIED message of a push
// (any method but GET and HEAD) then names whose registry the host is and what gives the caller's
// account its own. A refused pull is left as it is: pulling from another account's registry is
// what cross-account sharing does, and its refusal is about that repository's policy.
import type { FastifyInstance } from 'fastify';
import { isRegistryError } from '../domain/errors.js';
import { accountForHost, hasOwnHost, type HostRules } from './hosts.js';
import { identityOf } from './request-log.js';

export function addRegistryHostHint(app: FastifyInstance, defaultAccountId: string, rules: HostRules): void {
  app.addHook('onError', async (request, _reply, error) => {
    if (!request.url.startsWith('/v2/') || request.method === 'GET' || request.method === 'HEAD') return;
    if (!isRegistryError(error) || error.code !== 'DENIED') return;
    const principal = identityOf(request.headers);
    if (!principal || principal.kind === 'anonymous') return;
    const registry = accountForHost(request.host, rules) ?? defaultAccountId;
    if (principal.accountId === registry || hasOwnHost(principal.accountId, defaultAccountId, rules)) return;
    error.message +=
      ` (${request.host} is the registry of account ${registry}, the deployment's default account;` +
      ` account ${principal.accountId} has no registry host of its own: give it one with accounts.domain (${principal.accountId}.<domain>) or accounts.hosts)`;
  });
}
