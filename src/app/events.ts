// Events: the outbox the registry's changes write to, the rules and targets of the events API,
// and this node's delivery worker (leased: any number of nodes share the outbox).
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Authorizer } from '../domain/authorizer.js';
import { DeliveryWorker } from '../events/delivery-worker.js';
import { EventOutboxService } from '../events/outbox.js';
import { EventRules } from '../events/rules.js';
import { sealPlainSecrets, TargetSecrets } from '../events/target-secrets.js';
import type { MasterKey } from '../keys/master-key.js';
import type { MetadataStore } from '../metadata/store.js';

export interface EventsWiring {
  readonly outbox: EventOutboxService;
  readonly rules: EventRules;
  /** Webhook signing secrets, sealed with the master key. */
  readonly secrets: TargetSecrets;
}

export function wireEvents(
  config: Config,
  store: MetadataStore,
  authorizer: Authorizer,
  masterKey: MasterKey,
): EventsWiring {
  const region = config.registry.region;
  const secrets = new TargetSecrets(masterKey);
  return {
    outbox: new EventOutboxService(store, region),
    rules: new EventRules(store, authorizer, region, config.events.allowHttpLoopback, secrets),
    secrets,
  };
}

export function startEventDelivery(
  config: Config,
  store: MetadataStore,
  nodeId: string,
  log: Logger,
  secrets: TargetSecrets,
): DeliveryWorker {
  // Secrets stored in plain text before they were sealed are sealed now (once; a no-op after).
  sealPlainSecrets(store, secrets).catch((err) => log.error({ err }, 'sealing webhook secrets failed'));
  const worker = new DeliveryWorker(store, secrets, {
    node: nodeId,
    leaseMs: config.events.leaseSeconds * 1000,
    pollMs: config.events.pollMilliseconds,
    timeoutMs: config.events.timeoutSeconds * 1000,
    maxRetryMs: config.events.maxRetryHours * 3600 * 1000,
    allowHttpLoopback: config.events.allowHttpLoopback,
    baseBackoffMs: config.events.retryBaseMilliseconds,
    onError: (err, delivery) =>
      log.warn(
        { err: (err as Error)?.message, event: delivery.eventId, rule: delivery.ruleName, target: delivery.targetId },
        'an event delivery attempt failed',
      ),
  });
  worker.start();
  return worker;
}
