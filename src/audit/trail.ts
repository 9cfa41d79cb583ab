// The audit trail (issue 24): the HTTP host hands it every request it may record, which it keeps
// in memory and writes in batches — a pull never waits for a row, and the buffer is flushed
// every flushIntervalMs, or sooner once it holds a batch. Turning requests into CloudTrail events
// happens at the flush. LookupEvents reads the events back, authorized as cloudtrail:LookupEvents.
import type { Logger } from 'pino';
import { CloudTrailActions } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import type { AuditQuery, AuditRecord } from '../domain/records/audit.js';
import type { RequestFacts } from '../domain/request-facts.js';
import type { AuditIndex } from '../metadata/store-audit.js';
import type { AuditCall } from './call.js';
import { toAuditRecord } from './event.js';

export interface AuditSettings {
  region: string;
  flushIntervalMs: number;
  /** Events kept waiting for the database at most; beyond that new ones are dropped and counted. */
  maxBuffered: number;
  retentionDays: number;
}

/** Events written per flush statement batch; a buffer this full is flushed at once. */
const BATCH = 1000;
/** Events deleted per statement by the retention job. */
const PURGE_BATCH = 5000;

export class AuditTrail {
  private buffer: AuditCall[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Requests dropped because the buffer was full (the database could not keep up). */
  dropped = 0;
  /** Events written since the start. */
  written = 0;

  constructor(
    private readonly index: AuditIndex,
    private readonly authorizer: Authorizer,
    private readonly log: Logger,
    private readonly settings: AuditSettings,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.settings.flushIntervalMs);
    this.timer.unref();
  }

  /** Keeps the request for the next flush (the request path's only cost). */
  record(call: AuditCall): void {
    if (this.buffer.length >= this.settings.maxBuffered) {
      this.dropped++;
      return;
    }
    this.buffer.push(call);
    if (this.buffer.length === BATCH) void this.flush();
  }

  /** Requests waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Writes what is buffered now (waits for a flush under way first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const calls = this.buffer;
    this.buffer = [];
    this.flushing = this.write(calls).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async write(calls: AuditCall[]): Promise<void> {
    const records: AuditRecord[] = [];
    for (const call of calls) {
      try {
        const record = toAuditRecord(call, this.settings.region);
        if (record) records.push(record);
      } catch (err) {
        this.log.warn({ err, url: call.url }, 'an audit event could not be made');
      }
    }
    try {
      for (let at = 0; at < records.length; at += BATCH) await this.index.insert(records.slice(at, at + BATCH));
      this.written += records.length;
    } catch (err) {
      // Kept for the next flush while there is room: a database that is down for a moment loses nothing.
      const room = this.settings.maxBuffered - this.buffer.length;
      this.dropped += Math.max(0, calls.length - room);
      this.buffer = [...calls.slice(0, Math.max(0, room)), ...this.buffer];
      this.log.warn({ err, events: records.length }, 'writing audit events failed; kept for the next flush');
    }
  }

  /** LookupEvents: the caller's account's events, after this node's buffer is written. */
  async lookup(
    caller: { principal: AuthenticatedPrincipal; facts?: RequestFacts },
    query: Omit<AuditQuery, 'accountId'>,
  ): Promise<AuditRecord[]> {
    await this.authorizer.authorize({
      principal: caller.principal,
      action: CloudTrailActions.LookupEvents,
      resource: '*',
      resourceAccount: caller.principal.accountId,
      ...(caller.facts && { facts: caller.facts }),
    });
    await this.flush();
    return this.index.lookup({ ...query, accountId: caller.principal.accountId });
  }

  /** Deletes events past the retention; how many went (the periodic job). */
  async purge(now: number): Promise<number> {
    const before = now - this.settings.retentionDays * 86_400_000;
    let deleted = 0;
    for (;;) {
      const batch = await this.index.deleteBefore(before, PURGE_BATCH);
      deleted += batch;
      if (batch < PURGE_BATCH) return deleted;
    }
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
