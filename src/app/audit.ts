// The audit trail: the service (buffered CloudTrail events, LookupEvents) and its hook on a
// listener's HTTP host. Events of registry requests name the account the host addresses.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import type { Authorizer } from '../domain/authorizer.js';
import { addAuditHook } from '../http/audit.js';
import { accountForHost } from '../http/hosts.js';
import type { MetadataStore } from '../metadata/store.js';

/** Events waiting for the database at most (a database down for a while drops beyond this, counted). */
const MAX_BUFFERED = 100_000;

export function wireAudit(config: Config, store: MetadataStore, authorizer: Authorizer, log: Logger): AuditTrail {
  const trail = new AuditTrail(store.audit, authorizer, log, {
    region: config.registry.region,
    events: config.audit.enabled,
    counts: config.metrics.enabled,
    flushIntervalMs: config.audit.flushIntervalMs,
    maxBuffered: MAX_BUFFERED,
    retentionDays: config.audit.retentionDays,
  });
  if (config.audit.enabled || config.metrics.enabled) trail.start();
  return trail;
}

/**
 * Records a listener's API calls and registry requests (for audit.enabled, and metrics.enabled's
 * repository counts): the main listener's and endpoints' as ecr, the public listener's as ecr-public.
 */
export function auditListener(
  app: FastifyInstance,
  config: Config,
  trail: AuditTrail,
  accountId: string,
  registrySource = 'ecr.amazonaws.com',
): void {
  if (!config.audit.enabled && !config.metrics.enabled) return;
  // The account by Host header, worked out once per host (a registry has a few).
  const accounts = new Map<string, string>();
  addAuditHook(app, {
    record: (call) => trail.record(call),
    registryAccount: (request) => {
      const host = request.host ?? '';
      let found = accounts.get(host);
      if (found === undefined) {
        if (accounts.size >= 1000) accounts.clear();
        found = accountForHost(host, config.accounts) ?? accountId;
        accounts.set(host, found);
      }
      return found;
    },
    registrySource,
  });
}
