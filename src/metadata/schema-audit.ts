// Table types of the audit trail (migration 0024); schema.ts gathers every table.

/** One CloudTrail event, with the columns LookupEvents filters on. */
export interface AuditEventsTable {
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
  /** The CloudTrail event as JSON. */
  event: string;
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
