// Events: the outbox the registry's changes write to, the rules and targets of the events API,
// and this node's delivery worker (leased: any number of nodes share the outbox).
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Authorizer } from '../domain/authorizer.js';
import { DeliveryWorker } from '../events/delivery-worker.js';
import { EventOutboxService } from '../events/outbox.js';
import { EventRules } from '../events/rules.js';
import type { MetadataStore } from '../metadata/store.js';

export interface EventsWiring {
  readonly outbox: EventOutboxService;
  readonly rules: EventRules;
}

export function wireEvents(config: Config, store: MetadataStore, authorizer: Authorizer): EventsWiring {
  const region = config.registry.region;
  return {
    outbox: new EventOutboxService(store, region),
    rules: new EventRules(store, authorizer, region, config.events.allowHttpLoopback),
  };
}

export function startEventDelivery(config: Config, store: MetadataStore, nodeId: string, log: Logger): DeliveryWorker {
  const worker = new DeliveryWorker(store, {
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
