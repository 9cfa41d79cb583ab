// What the registry asks of the key service (kms/), declared here so that neither service imports
// the other: KMS keys wrapping blobs' data keys, the key a KMS repository is created with, and the
// grant ECR keeps on it. kms/key-service.ts and kms/grant-service.ts implement them; the
// composition root passes them in.
import type { KmsKey } from './records/kms.js';
import type { Repository } from './records/repositories.js';
import type { Principal } from './principal.js';
import type { RequestFacts } from './request-facts.js';

/** Wraps and unwraps data keys with a KMS key (by ARN), refusing a key that cannot be used now. */
export interface KeyWrapping {
  /** Throws the KMS error that explains why the key (an ARN) cannot be used now. */
  assertUsable(keyArn: string): Promise<KmsKey>;
  wrap(keyArn: string, plaintext: Buffer, context: Record<string, string>): Promise<Buffer>;
  unwrap(keyArn: string, blob: Buffer, context: Record<string, string>): Promise<Buffer>;
}

/** Who asks KMS for a key, and in which account. */
export interface KeyCaller {
  principal: Principal;
  accountId: string;
  facts?: RequestFacts;
}

/** The KMS key a repository is created with: the one named (usable by the creator) or the account's default ECR key. */
export interface RepositoryKeys {
  forRepository(caller: KeyCaller, reference: string | undefined): Promise<KmsKey>;
}

/** The grant ECR keeps on a KMS repository's key: added when the repository is created, retired when it is deleted. */
export interface RepositoryKeyGrants {
  grantToEcr(repository: Repository, key: KmsKey): Promise<void>;
  retireEcrGrant(repository: Repository): Promise<void>;
}
