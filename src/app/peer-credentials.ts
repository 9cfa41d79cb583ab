// The access key a replication signs in with at a peer: as the configuration gives it, or read
// from a Secrets Manager secret of the deployment's default account (`credentialsSecret`), whose
// value is sealed at rest by the master key or a KMS key like any secret and whose changes are
// seen by the next replication, without a restart.
import type { PeerCredentials } from '../client/replica-peer.js';
import type { Config } from '../config/schema.js';
import { ReplicationFailure } from '../domain/replication.js';
import { rootOf } from '../registry/replication-copy.js';
import type { SecretService } from '../secrets/secret-service.js';

type Peer = Config['replication']['peers'][number];

export function peerCredentials(peer: Peer, secrets: SecretService, accountId: string): () => Promise<PeerCredentials> {
  if (!peer.credentialsSecret) {
    const fixed = { accessKeyId: peer.accessKeyId, secretAccessKey: peer.secretAccessKey };
    return async () => fixed;
  }
  const name = peer.credentialsSecret;
  const failure = (why: string) =>
    new ReplicationFailure('PEER_CREDENTIALS', `the credentials of the peer ${peer.region} (secret ${name}): ${why}`);
  return async () => {
    let text: string | undefined;
    try {
      const { value } = await secrets.getValue({ principal: rootOf(accountId), accountId }, name, {});
      text = 'string' in value ? value.string : value.binary.toString('utf8');
    } catch (err) {
      throw failure((err as Error).message);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw failure('the value is not JSON: it must be {"accessKeyId": "...", "secretAccessKey": "..."}');
    }
    const { accessKeyId, secretAccessKey } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || !accessKeyId || !secretAccessKey)
      throw failure('the value must be {"accessKeyId": "...", "secretAccessKey": "..."}');
    return { accessKeyId, secretAccessKey };
  };
}
