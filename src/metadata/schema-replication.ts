// Table types of replication's ordering (migration 0033): the tags of the replication tasks in
// progress, by which a worker takes a task only after the older ones of its repository,
// destination and tag. The tasks and configurations themselves are in schema-services.ts.

/** One tag of an IN_PROGRESS replication task (its row is deleted when the task finishes). */
export interface ReplicationTaskTagsTable {
  task_id: string;
  account_id: string;
  repository_name: string;
  dest_region: string;
  dest_registry_id: string;
  tag: string;
}
