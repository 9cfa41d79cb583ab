// What `berth config verify` may print: the configuration with its secrets replaced, so the
// output can be pasted into an issue or a log. A set secret shows as "<redacted>", an empty one
// as "" (so "is it set?" is still answered).
import type { Config } from './schema.js';

export const REDACTED = '<redacted>';

const hide = (value: string) => (value ? REDACTED : '');

/** The URL with its password hidden (postgres://user:<redacted>@host/db). */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = 'REDACTED';
    return parsed.toString().replace(':REDACTED@', `:${REDACTED}@`);
  } catch {
    return url;
  }
}

export function redactConfig(config: Config): Config {
  return {
    ...config,
    admin: { ...config.admin, secretAccessKey: hide(config.admin.secretAccessKey) },
    keys: { ...config.keys, masterKey: hide(config.keys.masterKey) },
    metadata: { ...config.metadata, url: withoutPassword(config.metadata.url) },
    metrics: { ...config.metrics, token: hide(config.metrics.token) },
    replication: {
      ...config.replication,
      peers: config.replication.peers.map((peer) => ({ ...peer, secretAccessKey: hide(peer.secretAccessKey) })),
    },
    storage: {
      ...config.storage,
      s3: {
        ...config.storage.s3,
        secretAccessKey: hide(config.storage.s3.secretAccessKey),
        sessionToken: hide(config.storage.s3.sessionToken),
      },
    },
  };
}
