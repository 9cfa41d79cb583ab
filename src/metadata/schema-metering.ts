// Table types of metering (migration 0026); schema.ts gathers every table.

/** Each node's transfer-out count per hour and series (repository, listener, endpoint, principal). */
export interface MeteringTransferTable {
  node: string;
  hour: number;
  series: string;
  account_id: string;
  repository_id: string;
  repository_name: string;
  listener: string;
  endpoint: string;
  principal: string;
  bytes: number;
  requests: number;
}

/** One repository's storage at a sample. */
export interface MeteringStorageTable {
  sampled_at: number;
  account_id: string;
  repository_id: string;
  repository_name: string;
  physical_bytes: number;
  shared_bytes: number;
  attributed_bytes: number;
  archive_bytes: number;
  image_count: number;
  tag_count: number;
}
