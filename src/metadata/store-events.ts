// The events index of the metadata port: an account's rules and their webhook targets, and the
// outbox of deliveries that workers on any node lease, retry, finish or give up (the dead letters,
// which can be replayed). Adapter: kysely-events.ts.
import type { EventDelivery, EventDeliveryInput, EventRule, EventTarget } from '../domain/records/events.js';

export interface EventIndex {
  /** Creates or replaces a rule (its targets stay). */
  putRule(rule: EventRule): Promise<void>;
  getRule(accountId: string, name: string): Promise<EventRule | undefined>;
  /** The account's rules by name. */
  rules(accountId: string): Promise<EventRule[]>;
  /** Deletes a rule that has no targets left; false when there was no such rule. */
  deleteRule(accountId: string, name: string): Promise<boolean>;
  /** Adds or replaces targets of a rule (by id). */
  putTargets(targets: EventTarget[]): Promise<void>;
  /** A rule's targets by id. */
  targets(accountId: string, ruleName: string): Promise<EventTarget[]>;
  getTarget(accountId: string, ruleName: string, targetId: string): Promise<EventTarget | undefined>;
  removeTargets(accountId: string, ruleName: string, ids: string[]): Promise<void>;
  /** Every target's stored secret, by account, rule and id, after `after` (a master key rotation's pages). */
  targetSecrets(
    after: Pick<EventTarget, 'accountId' | 'ruleName' | 'id'> | undefined,
    limit: number,
  ): Promise<Pick<EventTarget, 'accountId' | 'ruleName' | 'id' | 'secret'>[]>;
  /** Replaces a target's stored secret if it is still `from`; false when it changed meanwhile (or the target went). */
  replaceSecret(target: Pick<EventTarget, 'accountId' | 'ruleName' | 'id'>, from: string, to: string): Promise<boolean>;
  /** Adds deliveries, PENDING and due at `at` (a change writes them in its own transaction through its index). */
  enqueue(deliveries: EventDeliveryInput[], at: number): Promise<void>;
  /** Leases one due PENDING delivery that nobody holds (or whose lease expired) to `node` until `leaseUntil`. */
  claim(node: string, now: number, leaseUntil: number): Promise<EventDelivery | undefined>;
  /** Finishes a delivery `node` holds: DELIVERED, or DEAD with the last error. */
  finish(id: string, node: string, at: number, error: string | null): Promise<void>;
  /** Puts a delivery `node` holds back for another attempt at `nextAttemptAt`. */
  retry(id: string, node: string, at: number, nextAttemptAt: number, error: string): Promise<void>;
  /** An account's deliveries in one status (all accounts' without one), oldest first. */
  deliveries(status: EventDelivery['status'], accountId?: string, limit?: number): Promise<EventDelivery[]>;
  /** Puts DEAD deliveries (these, or all of the account's or everyone's) back to PENDING, due at `at`; how many. */
  replay(at: number, accountId?: string, ids?: string[]): Promise<number>;
}
