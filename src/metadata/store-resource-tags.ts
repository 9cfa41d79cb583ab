// The resource tag and account setting indexes of the metadata port: what the ECR API keeps on
// repositories by ARN and per account. Adapter: kysely-resource-tags.ts.
import type { ResourceTag } from '../domain/resource-tags.js';

/** Tags on resources (repositories), by the resource's ARN. */
export interface ResourceTagIndex {
  /** The resource's tags, by key. */
  list(resourceArn: string): Promise<ResourceTag[]>;
  /**
   * Adds the tags, replacing the values of keys it has; false (and nothing changes) when the
   * resource would then have more than `limit` tags.
   */
  put(resourceArn: string, tags: ResourceTag[], limit: number): Promise<boolean>;
  /** Removes the tags with these keys; keys it does not have are ignored. */
  remove(resourceArn: string, keys: string[]): Promise<void>;
}

/** Per-account settings (the ECR API's account settings), by name. */
export interface AccountSettingIndex {
  get(accountId: string, name: string): Promise<string | undefined>;
  put(accountId: string, name: string, value: string): Promise<void>;
}
