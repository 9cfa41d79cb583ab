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
