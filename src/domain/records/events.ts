// The records of the events index (metadata/store-events.ts): an account's rules (an EventBridge
// event pattern each), their webhook targets, and the delivery outbox (one row per event and target).

export const EVENT_FORMATS = ['eventbridge', 'docker-distribution'] as const;
/** How a target wants its events: EventBridge's event, or Docker Distribution's notification envelope. */
export type EventFormat = (typeof EVENT_FORMATS)[number];

export interface EventRule {
  accountId: string;
  name: string;
  /** The pattern's text, as given. */
  pattern: string;
  state: 'ENABLED' | 'DISABLED';
  description: string | null;
  createdAt: number;
}

export interface EventTarget {
  accountId: string;
  ruleName: string;
  id: string;
  /** The webhook: an https URL (http for loopback, when allowed). */
  url: string;
  /** The key of the HMAC-SHA256 signature each delivery carries. */
  secret: string;
  format: EventFormat;
  /** Extra headers sent with each delivery. */
  headers: Record<string, string>;
}

/** One event to one target: what a change writes in its transaction. */
export interface EventDeliveryInput {
  eventId: string;
  accountId: string;
  ruleName: string;
  targetId: string;
  /** The event, as EventBridge's JSON (the Docker envelope is made from it when sent). */
  event: string;
}

export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'DEAD'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface EventDelivery extends EventDeliveryInput {
  id: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}
