// Table types of the audit trail (migrations 0024, 0030, 0035); schema.ts gathers every table.

/**
 * A run of CloudTrail events as compact columns (those LookupEvents filters on, and the rest of
 * the event): the first event's, and the others' times and request ids (see AuditRun).
 */
export interface AuditTrailTable {
  event_id: string;
  event_time: number;
  account_id: string;
  event_name: string;
  event_source: string;
  read_only: number;
  username: string | null;
  access_key_id: string | null;
  resource_type: string | null;
  resource_name: string | null;
  /** userIdentity as JSON; null for an anonymous caller. */
  identity: string | null;
  source_ip: string;
  user_agent: string | null;
  request_id: string;
  /** The redacted requestParameters as JSON. */
  parameters: string | null;
  error_code: string | null;
  error_message: string | null;
  /** The last event's time (the first's for a run of one). */
  last_time: number;
  event_count: number;
  /** The events after the first, their times and request ids (audit-others.ts); null for a run of one. */
  others: string | null;
}

/** Pulls or pushes of a repository in one minute (CloudWatch's AWS/ECR metrics). */
export interface RepositoryMetricCountsTable {
  account_id: string;
  repository_name: string;
  /** RepositoryPullCount or RepositoryPushCount. */
  metric: string;
  /** The minute's start, epoch milliseconds. */
  minute: number;
  count: number;
}
