// What a face knows of a request, for policy conditions (aws:SourceIp, aws:SecureTransport, …).

/** Facts about the request itself, filled by the face that received it. */
export interface RequestFacts {
  /** The client's address (aws:SourceIp). */
  sourceIp?: string;
  /** Whether the request came over TLS (aws:SecureTransport). */
  secureTransport?: boolean;
  /** The private endpoint the request came through (aws:SourceVpce); absent on the public network.
   *  Whatever counts transfer (metering) splits it by this id. */
  sourceVpce?: string;
  /** The network of that endpoint (aws:SourceVpc). */
  sourceVpc?: string;
  userAgent?: string;
  referer?: string;
  /** Tags the request sets (aws:RequestTag/*, aws:TagKeys): CreateRepository, TagResource. */
  requestTags?: Readonly<Record<string, string>>;
  /** Keys of tags the request names (aws:TagKeys) when it only removes them (UntagResource). */
  tagKeys?: readonly string[];
  /** The condition keys of the service that handles the request, by full name (kms:CallerAccount, …). */
  serviceValues?: Readonly<Record<string, string | readonly string[]>>;
}
