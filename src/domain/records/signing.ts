// The records of the signing index (metadata/store-signing.ts): a registry's signing
// configuration (ECR managed signing), each image's signing status per rule's signing profile,
// and the repositories whose pulls require a valid signature.

export interface SigningRepositoryFilter {
  filter: string;
  filterType: 'WILDCARD_MATCH';
}

/** A rule of ECR's SigningConfiguration: a signing profile (here: a KMS signing key) and the repositories it signs. */
export interface SigningRule {
  signingProfileArn: string;
  repositoryFilters?: SigningRepositoryFilter[];
}

export type SigningStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';

/** An image's signing by one signing profile: in progress (the outbox of signing), done, or failed with why. */
export interface ImageSigningRecord {
  accountId: string;
  repositoryId: string;
  repositoryName: string;
  digest: string;
  signingProfileArn: string;
  keyArn: string;
  status: SigningStatus;
  failureCode: string | null;
  failureReason: string | null;
  /** The digest of the signature (the referrer manifest) once COMPLETE. */
  signatureDigest: string | null;
  updatedAt: number;
}

/** A repository whose pulls require a valid signature by one of these KMS keys (a Berth setting). */
export interface SignatureRequirement {
  accountId: string;
  repositoryId: string;
  keyArns: string[];
  updatedAt: number;
}
