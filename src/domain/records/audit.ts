// The audit trail's records (issue 24): one CloudTrail event per API call or registry request,
// with the fields LookupEvents filters on kept beside the event's JSON.

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
  /** The CloudTrail event, as JSON (LookupEvents' CloudTrailEvent). */
  event: string;
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
