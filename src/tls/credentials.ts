// The certificate and private key a listener serves, read from PEM files and checked before the
// first connection: a wrong path, a file that is not PEM, or a key of another certificate stops
// the start (or a SIGHUP reload) with one line that names the file, not a stack trace.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** A TLS problem the operator fixes (a path, a file, a setting). */
export class TlsError extends Error {
  override name = 'TlsError';
}

export interface TlsFiles {
  /** PEM: the server certificate first, then any intermediates. */
  cert: string;
  /** PEM: its private key. */
  key: string;
}

export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint of the server certificate (AA:BB:…), as clients show it. */
  fingerprint: string;
  serialNumber: string;
  /** The names and addresses the certificate is for (subjectAltName), e.g. "DNS:localhost, IP Address:127.0.0.1". */
  subjectAltName: string;
  validTo: Date;
}

function readPem(path: string, what: string, marker: RegExp): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : message;
    throw new TlsError(`cannot read the TLS ${what} ${path}: ${reason}`);
  }
  if (!marker.test(bytes.toString('latin1')))
    throw new TlsError(
      `the TLS ${what} ${path} is not in PEM format (no "-----BEGIN ${what === 'certificate' ? 'CERTIFICATE' : '… PRIVATE KEY'}-----" block)`,
    );
  return bytes;
}

/** Reads and checks a certificate and its key; throws TlsError saying which file is wrong and how. */
export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const cert = readPem(files.cert, 'certificate', /-----BEGIN CERTIFICATE-----/);
  const key = readPem(files.key, 'private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new TlsError(`the TLS certificate ${files.cert} cannot be parsed: ${(err as Error).message}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    const message = (err as Error).message;
    const reason = /key values mismatch/i.test(message) ? 'the key is not the key of this certificate' : message;
    throw new TlsError(`the TLS private key ${files.key} cannot be used with the certificate ${files.cert}: ${reason}`);
  }
  return {
    cert,
    key,
    fingerprint: leaf.fingerprint256,
    serialNumber: leaf.serialNumber,
    subjectAltName: leaf.subjectAltName ?? '',
    validTo: new Date(leaf.validTo),
  };
}
