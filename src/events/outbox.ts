// The events outbox (domain/events.ts's EventOutbox): an event becomes one delivery row per
// target of each enabled rule of its account whose pattern it matches. A change writes the rows
// in its own transaction (pushes, deletions, repositories, replications, images the pull-through
// cache stores, finished scans: `deliveries` gives the rows the change passes to its store call),
// so that no event is lost to a crash after its change nor sent for one that did not commit. The
// functions other services call for ECR's events of the pull-through cache, the scanner and
// replication live here too.
import { randomUUID } from 'node:crypto';
import { matchesPattern, parseEventPattern, type EventPattern } from '../domain/event-patterns.js';
import {
  type EcrEvent,
  type EventOutbox,
  type ImageScanFacts,
  imageScanEvent,
  type PullThroughCacheFacts,
  pullThroughCacheEvent,
  type ReplicationFacts,
  replicationEvent,
} from '../domain/events.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { MetadataStore } from '../metadata/store.js';
import { hasDockerForm } from './docker-envelope.js';

export class EventOutboxService implements EventOutbox {
  /** Compiled patterns by their text: parsing is done once per pattern, not per event. */
  private readonly compiled = new Map<string, EventPattern>();

  constructor(
    private readonly store: Pick<MetadataStore, 'events'>,
    readonly region: string,
    private readonly now: () => number = Date.now,
  ) {}

  private pattern(text: string): EventPattern | undefined {
    let pattern = this.compiled.get(text);
    if (!pattern) {
      try {
        pattern = parseEventPattern(text);
      } catch {
        return undefined;
      }
      if (this.compiled.size > 1000) this.compiled.clear();
      this.compiled.set(text, pattern);
    }
    return pattern;
  }

  async deliveries(events: EcrEvent[]): Promise<EventDeliveryInput[]> {
    const rows: EventDeliveryInput[] = [];
    const byAccount = new Map<string, Awaited<ReturnType<MetadataStore['events']['rules']>>>();
    for (const event of events) {
      let rules = byAccount.get(event.account);
      if (!rules) {
        rules = (await this.store.events.rules(event.account)).filter((r) => r.state === 'ENABLED');
        byAccount.set(event.account, rules);
      }
      for (const rule of rules) {
        const pattern = this.pattern(rule.pattern);
        if (!pattern || !matchesPattern(pattern, event)) continue;
        const body = JSON.stringify(event);
        for (const target of await this.store.events.targets(event.account, rule.name)) {
          if (target.format === 'docker-distribution' && !hasDockerForm(event)) continue;
          rows.push({
            eventId: event.id,
            accountId: event.account,
            ruleName: rule.name,
            targetId: target.id,
            event: body,
          });
        }
      }
    }
    return rows;
  }

  private origin(account: string) {
    return { id: randomUUID(), account, region: this.region, at: this.now() };
  }

  /**
   * "ECR Pull Through Cache Action": the rows the pull-through cache writes in the transaction
   * that stores an image landed from upstream.
   */
  pullThroughCache(account: string, facts: PullThroughCacheFacts): Promise<EventDeliveryInput[]> {
    return this.deliveries([pullThroughCacheEvent(this.origin(account), facts)]);
  }

  /** "ECR Image Scan": the rows the scan worker writes in the transaction that finishes a scan. */
  imageScanned(account: string, facts: ImageScanFacts): Promise<EventDeliveryInput[]> {
    return this.deliveries([imageScanEvent(this.origin(account), facts)]);
  }

  /**
   * "ECR Replication Action", in the destination's account: the rows the replication worker
   * writes in the transaction that completes the task.
   */
  replicated(account: string, facts: ReplicationFacts[]): Promise<EventDeliveryInput[]> {
    return this.deliveries(facts.map((f) => replicationEvent(this.origin(account), f)));
  }
}
