// What the tls settings mean for the listeners: the files to serve — the configured ones, or
// those of the local CA under <dataDir>/tls (--tls-self-signed) — checked once before anything
// else starts; or undefined, for plain HTTP.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { readTlsCredentials, type TlsCredentials, type TlsFiles } from './credentials.js';
import { ensureSelfSigned, serverNames, type SelfSigned } from './self-signed.js';

export interface TlsSetup {
  files: TlsFiles;
  /** What the files held at start. */
  credentials: TlsCredentials;
  /** The local CA, with --tls-self-signed. */
  selfSigned: SelfSigned | undefined;
}

export function tlsSetup(config: Pick<Config, 'tls' | 'dataDir'>, listenHost: string): TlsSetup | undefined {
  const { tls } = config;
  if (tls.selfSigned) {
    const selfSigned = ensureSelfSigned(join(resolve(config.dataDir), 'tls'), serverNames(hostname(), listenHost));
    return { files: selfSigned.files, credentials: readTlsCredentials(selfSigned.files), selfSigned };
  }
  if (!tls.cert) return undefined;
  const files = { cert: resolve(tls.cert), key: resolve(tls.key) };
  return { files, credentials: readTlsCredentials(files), selfSigned: undefined };
}

/** How to make clients trust the local CA: printed when `berth serve --tls-self-signed` starts. */
export function trustInstructions(selfSigned: SelfSigned, registryHost: string): string {
  const ca = selfSigned.caFile;
  return [
    '',
    `Berth serves HTTPS with a certificate of its local CA (for ${selfSigned.names.join(', ')}).`,
    `Trust the CA certificate ${ca}${selfSigned.createdCa ? ' (created now)' : ''}:`,
    `  skopeo, podman, buildah: --cert-dir DIR (or --src-cert-dir/--dest-cert-dir) with DIR holding ca.crt, or /etc/containers/certs.d/${registryHost}/ca.crt`,
    `  docker:                  cp ${ca} /etc/docker/certs.d/${registryHost}/ca.crt`,
    `  the whole machine:       cp ${ca} /usr/local/share/ca-certificates/berth-local-ca.crt && update-ca-certificates`,
    `  the AWS CLI:             --ca-bundle ${ca} (or AWS_CA_BUNDLE=${ca})`,
    `  berth login, Node tools: NODE_EXTRA_CA_CERTS=${ca} (berth login also reads AWS_CA_BUNDLE)`,
    '',
  ].join('\n');
}
