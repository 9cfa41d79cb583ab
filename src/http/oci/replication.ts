// A replicating push from a peer deployment (domain/replication-header.ts): the request context
// addresses the registry the header names, and says that the principal replicates into it from
// its account and the header's region (RepositoryAccess authorizes its writes as
// ecr:ReplicateImage and creates repositories with the REPLICATION template).
import { RegistryError } from '../../domain/errors.js';
import { privateRegistry } from '../../domain/registry.js';
import { parseReplicationHeader, REPLICATION_HEADER } from '../../domain/replication-header.js';
import type { RequestContext } from '../../domain/request-context.js';

type Headers = Record<string, string | string[] | undefined>;

/** The context of a request that carries the replication header; `ctx` unchanged without one. */
export function replicationContext(ctx: RequestContext, headers: Headers, open: boolean): RequestContext {
  const raw = headers[REPLICATION_HEADER];
  if (raw === undefined) return ctx;
  const value = Array.isArray(raw) ? raw.join(';') : raw;
  const claim = parseReplicationHeader(value);
  const { principal } = ctx;
  if (principal.kind === 'anonymous' && !open)
    throw new RegistryError('UNAUTHORIZED', 'a replication signs in with the peer credentials of its source account');
  return {
    ...ctx,
    registry: privateRegistry(claim.registryId),
    replica: true,
    replication: {
      sourceAccount: principal.kind === 'anonymous' ? '' : principal.accountId,
      sourceRegion: claim.sourceRegion,
    },
  };
}
