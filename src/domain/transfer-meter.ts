// Where the registry tells metering of bytes it serves (blob downloads, redirects to the object
// store, manifest GETs). The composition root passes the implementation in, one per listener; the
// call only adds to counters in memory (a pull never writes a row, nor waits).

/** A repository as the meter keys it: its id, registry key (a Repository's accountId) and name. */
export interface MeteredRepository {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
}

/** Who a transfer went to when no principal is known: a signed layer URL's bearer. */
export const SIGNED_URL_CALLER = 'signed-url';
export const ANONYMOUS_CALLER = 'anonymous';

export interface TransferMeter {
  /**
   * Counts `bytes` served out of the repository to `caller` (an identity ARN, ANONYMOUS_CALLER or
   * SIGNED_URL_CALLER), through the private endpoint `endpoint` (its id) or, without one, the public network.
   */
  served(repository: MeteredRepository, caller: string, bytes: number, endpoint?: string): void;
}
