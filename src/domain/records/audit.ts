// The audit trail's records (issue 24): one CloudTrail event per API call or registry request,
// kept as compact columns (the fields LookupEvents filters on, and what the rest of the event is
// made of); the CloudTrail event's JSON is built from them when LookupEvents reads it back.

/** The attributes LookupEvents filters on (CloudTrail's LookupAttributeKey). */
export type AuditAttribute =
  | 'EventId'
  | 'EventName'
  | 'ReadOnly'
  | 'Username'
  | 'ResourceType'
  | 'ResourceName'
  | 'EventSource'
  | 'AccessKeyId';

export interface AuditRecord {
  eventId: string;
  /** Epoch milliseconds. */
  eventTime: number;
  /** The account the event belongs to (CloudTrail's recipientAccountId). */
  accountId: string;
  eventName: string;
  eventSource: string;
  readOnly: boolean;
  username: string | null;
  accessKeyId: string | null;
  resourceType: string | null;
  resourceName: string | null;
  /** CloudTrail's userIdentity as JSON; null for an anonymous caller. */
  identity: string | null;
  sourceIp: string;
  userAgent: string | null;
  requestId: string;
  /** The redacted requestParameters as JSON; null when there are none. */
  parameters: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** One more event of a run: its time and request id (everything else is the run's). */
export interface AuditMember {
  eventTime: number;
  requestId: string;
}

/**
 * Events that differ only in their time and request id (a CI job pulling one image again and
 * again), kept as one row: the record is the run's first event, `others` the rest in time order.
 * Pulls come in such runs, so a flush writes a few rows instead of one per pull.
 */
export interface AuditRun extends AuditRecord {
  others?: readonly AuditMember[];
}

/** Events in a run at most: its events' ids number them in 12 bits (see memberEventId). */
export const MAX_RUN_EVENTS = 4096;
/** A run's last event is at most this much later than its first (lookups bound their scans by it). */
export const MAX_RUN_SPAN_MS = 60_000;

/**
 * The id of the run's event number `k` (0 is the first, whose id is the run's): the run's id with
 * `k` in the 12 bits after the version digit, `xxxxxxxx-xxxx-7kkk-…` (a run's id has 000 there).
 */
export function memberEventId(runId: string, k: number): string {
  if (k === 0) return runId;
  return `${runId.slice(0, 15)}${k.toString(16).padStart(3, '0')}${runId.slice(18)}`;
}

/** The id of the run an event id names, when the event is not its run's first (its number cleared). */
export function runIdOf(eventId: string): string {
  return `${eventId.slice(0, 15)}000${eventId.slice(18)}`;
}

/** The number of events in the run. */
export function runLength(run: AuditRun): number {
  return 1 + (run.others?.length ?? 0);
}

/** The time of the run's event number `k` (0 is the first). */
export function runEventTime(run: AuditRun, k: number): number {
  return k === 0 ? run.eventTime : run.others![k - 1]!.eventTime;
}

/** The run's event number `k` (0 is the first). */
export function runEvent(run: AuditRun, k: number): AuditRecord {
  const { others, ...first } = run;
  if (k === 0) return first;
  const other = others![k - 1]!;
  return { ...first, eventId: memberEventId(run.eventId, k), eventTime: other.eventTime, requestId: other.requestId };
}

/** The run's events, first to last. */
export function runEvents(run: AuditRun): AuditRecord[] {
  return Array.from({ length: runLength(run) }, (_, k) => runEvent(run, k));
}

/** A record with its CloudTrail event's JSON (LookupEvents' CloudTrailEvent). */
export interface AuditEvent extends AuditRecord {
  event: string;
}

/**
 * How an event id starts: its millisecond as 12 hex digits, `xxxxxxxx-xxxx` (ids are UUIDv7, so
 * they sort by time, and the retention deletes by the primary key: ids below the prefix of a time).
 */
export function auditIdPrefix(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}

/** Where a lookup resumes: after this event in newest-first order. */
export interface AuditCursor {
  eventTime: number;
  eventId: string;
}

export interface AuditQuery {
  accountId: string;
  attribute?: { key: AuditAttribute; value: string };
  /** Inclusive bounds, epoch milliseconds. */
  startTime: number;
  endTime: number;
  after?: AuditCursor;
  limit: number;
}

/** ECR's CloudWatch metrics (namespace AWS/ECR, dimension RepositoryName). */
export type RepositoryMetric = 'RepositoryPullCount' | 'RepositoryPushCount';

/** How many pulls or pushes a repository had in one minute. */
export interface RepositoryCount {
  accountId: string;
  repositoryName: string;
  metric: RepositoryMetric;
  /** The minute's start, epoch milliseconds. */
  minute: number;
  count: number;
}
