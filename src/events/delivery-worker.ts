// The event delivery worker: on every node, leases the outbox's due deliveries through the
// database (one node at a time per delivery; a lease that expires lets another node send it
// again: a receiver deduplicates by the event id), POSTs each to its target's webhook signed
// with the target's secret (opened with the master key: target-secrets.ts), and finishes it DELIVERED on a 2xx; otherwise it retries with
// exponential backoff until the delivery is older than the retry window, then gives it up to
// the dead letters (DEAD), which can be listed and replayed.
import type { EcrEvent } from '../domain/events.js';
import type { EventDelivery, EventTarget } from '../domain/records/events.js';
import type { MetadataStore } from '../metadata/store.js';
import { exponentialBackoffMs, LeasedWorker, LeasedWorkerHost } from '../runtime/leased-worker.js';
import { DOCKER_EVENTS_MEDIA_TYPE, dockerEnvelope } from './docker-envelope.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, sign } from './signing.js';
import type { TargetSecrets } from './target-secrets.js';
import { webhookUrlProblem } from './webhook-urls.js';

export interface DeliveryWorkerOptions {
  node: string;
  leaseMs: number;
  pollMs: number;
  timeoutMs: number;
  /** How long a delivery is retried before it is dead. */
  maxRetryMs: number;
  allowHttpLoopback: boolean;
  /** The first retry's delay (doubling after each failure, at most an hour). */
  baseBackoffMs?: number;
  onError?: (err: unknown, delivery: EventDelivery) => void;
}

/** Backoff before attempt n+1: base, 2×base, 4×base … at most an hour. */
export function deliveryBackoffMs(attempts: number, baseMs = 1000): number {
  return exponentialBackoffMs(attempts, baseMs, 60 * 60 * 1000);
}

class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly final = false,
  ) {
    super(message);
  }
}

/** A delivery's body and content type in its target's format. */
export function deliveryBody(delivery: Pick<EventDelivery, 'event'>, target: Pick<EventTarget, 'format'>) {
  if (target.format === 'docker-distribution')
    return {
      body: JSON.stringify(dockerEnvelope(JSON.parse(delivery.event) as EcrEvent)),
      contentType: DOCKER_EVENTS_MEDIA_TYPE,
    };
  return { body: delivery.event, contentType: 'application/json' };
}

export class DeliveryWorker extends LeasedWorkerHost<EventDelivery> {
  protected readonly loop: LeasedWorker<EventDelivery>;

  constructor(
    private readonly store: Pick<MetadataStore, 'events'>,
    private readonly secrets: Pick<TargetSecrets, 'open'>,
    private readonly options: DeliveryWorkerOptions,
  ) {
    super();
    const { node, leaseMs, pollMs } = options;
    this.loop = new LeasedWorker({
      pollMs,
      claim: () => {
        const now = Date.now();
        return this.store.events.claim(node, now, now + leaseMs);
      },
      run: (delivery) => this.deliver(delivery),
    });
  }

  private async send(delivery: EventDelivery): Promise<void> {
    const target = await this.store.events.getTarget(delivery.accountId, delivery.ruleName, delivery.targetId);
    if (!target) throw new DeliveryFailure(`the target ${delivery.ruleName}/${delivery.targetId} was removed`, true);
    const problem = webhookUrlProblem(target.url, this.options.allowHttpLoopback);
    if (problem) throw new DeliveryFailure(problem, true);
    const { body, contentType } = deliveryBody(delivery, target);
    const timestamp = Math.floor(Date.now() / 1000);
    let response: Response;
    try {
      response = await fetch(target.url, {
        method: 'POST',
        headers: {
          ...target.headers,
          'content-type': contentType,
          'user-agent': 'Berth-Events/1',
          [EVENT_ID_HEADER]: delivery.eventId,
          [SIGNATURE_HEADER]: sign(this.secrets.open(target), timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new DeliveryFailure(`POST ${target.url}: ${cause ?? (err as Error).message}`);
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299)
      throw new DeliveryFailure(`POST ${target.url}: HTTP ${response.status}`);
  }

  /** Sends a leased delivery: finished DELIVERED, retried with backoff, or DEAD once out of time. */
  private async deliver(delivery: EventDelivery): Promise<void> {
    const { node } = this.options;
    try {
      await this.send(delivery);
      await this.store.events.finish(delivery.id, node, Date.now(), null);
    } catch (err) {
      this.options.onError?.(err, delivery);
      const reason = (err as Error)?.message ?? String(err);
      const at = Date.now();
      const next = at + deliveryBackoffMs(delivery.attempts, this.options.baseBackoffMs);
      const final = err instanceof DeliveryFailure && err.final;
      if (!final && next <= delivery.createdAt + this.options.maxRetryMs)
        await this.store.events.retry(delivery.id, node, at, next, reason);
      else await this.store.events.finish(delivery.id, node, at, reason);
    }
  }
}
