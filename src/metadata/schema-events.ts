// Table types of the events (EventBridge-shaped rules, their webhook targets, the delivery
// outbox; migration 0025); schema.ts gathers every table.

/** One per account and name, with its event pattern. */
export interface EventRulesTable {
  account_id: string;
  name: string;
  pattern: string;
  state: string;
  description: string | null;
  created_at: number;
}

/** A rule's webhook targets. */
export interface EventTargetsTable {
  account_id: string;
  rule_name: string;
  target_id: string;
  url: string;
  secret: string;
  format: string;
  /** JSON: {name: value}. */
  headers: string;
}

/** The events outbox: one event to one target, leased by a delivery worker. */
export interface EventDeliveriesTable {
  id: string;
  event_id: string;
  account_id: string;
  rule_name: string;
  target_id: string;
  event: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
}
