// How a replicating push names itself to a peer deployment: every /v2 request of the peer
// session carries the Berth-Replication header with the destination registry and the source's
// region. The header claims nothing by itself: the request is signed in with the peer
// credentials (an identity of the source account at the peer), its writes are authorized as
// ecr:ReplicateImage instead of the push actions (so the destination registry's policy must
// grant that to the source account, as ECR requires), and a missing repository is created with
// the REPLICATION creation template. A push without a grant of ecr:ReplicateImage that adds the
// header is refused (DENIED): it cannot pass for a replication.
import { RegistryError } from './errors.js';

export const REPLICATION_HEADER = 'berth-replication';

export interface ReplicationClaim {
  /** The account whose registry the replica is written to. */
  registryId: string;
  /** The region (deployment) the image is replicated from. */
  sourceRegion: string;
}

export function formatReplicationHeader(claim: ReplicationClaim): string {
  return `registry=${claim.registryId}; source-region=${claim.sourceRegion}`;
}

/** The claim of a header value; a malformed one is refused with the protocol's error. */
export function parseReplicationHeader(value: string): ReplicationClaim {
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const registryId = fields.get('registry') ?? '';
  const sourceRegion = fields.get('source-region') ?? '';
  if (!/^\d{12}$/.test(registryId) || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(sourceRegion))
    throw new RegistryError(
      'DENIED',
      `malformed ${REPLICATION_HEADER} header: it is "registry=<12-digit account>; source-region=<region>"`,
    );
  return { registryId, sourceRegion };
}
