// `berth serve --tls-self-signed`: a local certificate authority made once under <dataDir>/tls
// and a server certificate it signs for the names this host answers to. The CA is kept across
// restarts so that clients trust it once; the server certificate is issued again (by the same
// CA) only when it lacks a name, nears its end, or was not signed by this CA.
//
//   <dataDir>/tls/
//     ca.crt       the CA certificate: what clients trust
//     ca.key       its private key (0600)
//     server.crt   the server certificate, signed by the CA
//     server.key   its private key (0600)
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type forge from 'node-forge';
import { TlsError, type TlsFiles } from './credentials.js';

// Loaded on first use: only --tls-self-signed needs it, and it stays out of every other server's memory.
let loaded: typeof forge | undefined;
const lib = (): typeof forge => (loaded ??= createRequire(import.meta.url)('node-forge') as typeof forge);

const DAY_MS = 24 * 3_600_000;
const CA_DAYS = 3650;
const SERVER_DAYS = 825;
/** A server certificate this close to its end is issued again at start. */
const RENEW_BEFORE_DAYS = 30;

export interface SelfSigned {
  /** The server certificate and key to serve. */
  files: TlsFiles;
  /** The CA certificate clients trust. */
  caFile: string;
  /** True when this start created the CA (clients must be told to trust it). */
  createdCa: boolean;
  /** True when this start issued the server certificate. */
  issuedServer: boolean;
  /** The DNS names and IP addresses the server certificate is for. */
  names: string[];
}

/** The names a self-signed server certificate covers: loopback, the host name, and the listen host when it names one. */
export function serverNames(hostname: string, listenHost: string): string[] {
  const names = ['localhost', '127.0.0.1', '::1', hostname.toLowerCase()];
  const host = listenHost.replace(/^\[|\]$/g, '').toLowerCase();
  if (host && host !== '0.0.0.0' && host !== '::') names.push(host);
  return [...new Set(names.filter((name) => name.length > 0))];
}

function writePrivate(path: string, text: string, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode });
  renameSync(temp, path);
}

/** A positive serial number of 16 random bytes, as hex. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function newKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  // Node generates the key (natively, quickly); forge only builds and signs the certificate.
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = lib().pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: lib().pki.setRsaPublicKey(key.n, key.e), pem: privateKey };
}

function validity(cert: forge.pki.Certificate, days: number, now: Date): void {
  // An hour back, for clocks a little behind.
  cert.validity.notBefore = new Date(now.getTime() - 3_600_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

function createCa(dir: string, now: Date): void {
  const keys = newKeyPair();
  const cert = lib().pki.createCertificate();
  cert.serialNumber = serialNumber();
  cert.publicKey = keys.publicKey;
  validity(cert, CA_DAYS, now);
  const subject = [
    { name: 'commonName', value: 'Berth local CA' },
    { name: 'organizationName', value: 'Berth' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, lib().md.sha256.create());
  writePrivate(join(dir, 'ca.key'), keys.pem, 0o600);
  writePrivate(join(dir, 'ca.crt'), lib().pki.certificateToPem(cert), 0o644);
}

function issueServer(dir: string, names: string[], now: Date): void {
  let caCert: forge.pki.Certificate;
  let caKey: forge.pki.rsa.PrivateKey;
  try {
    caCert = lib().pki.certificateFromPem(readFileSync(join(dir, 'ca.crt'), 'utf8'));
    caKey = lib().pki.privateKeyFromPem(readFileSync(join(dir, 'ca.key'), 'utf8')) as forge.pki.rsa.PrivateKey;
  } catch (err) {
    throw new TlsError(
      `the local CA in ${dir} cannot be read (${(err as Error).message}): remove ca.crt and ca.key there to create a new one (clients must then trust the new ca.crt)`,
    );
  }
  const keys = newKeyPair();
  const cert = lib().pki.createCertificate();
  cert.serialNumber = serialNumber();
  cert.publicKey = keys.publicKey;
  validity(cert, SERVER_DAYS, now);
  cert.setSubject([
    { name: 'commonName', value: names[0]! },
    { name: 'organizationName', value: 'Berth' },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  // The CA's own subjectKeyIdentifier, so that verifiers find the issuer by key id.
  const caKeyId = lib().util.hexToBytes(
    (caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string }).subjectKeyIdentifier,
  );
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyId },
  ]);
  cert.sign(caKey, lib().md.sha256.create());
  writePrivate(join(dir, 'server.key'), keys.pem, 0o600);
  writePrivate(join(dir, 'server.crt'), lib().pki.certificateToPem(cert), 0o644);
}

/** True when the server certificate in `dir` is signed by the CA there, covers every name and is not near its end. */
function serverCertificateFits(dir: string, names: string[], now: Date): boolean {
  if (!existsSync(join(dir, 'server.crt')) || !existsSync(join(dir, 'server.key'))) return false;
  try {
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
    const server = new X509Certificate(readFileSync(join(dir, 'server.crt')));
    if (!server.verify(ca.publicKey)) return false;
    if (new Date(server.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return false;
    return names.every(
      (name) => (isIP(name) ? server.checkIP(name) : server.checkHost(name, { wildcards: false })) !== undefined,
    );
  } catch {
    return false;
  }
}

/**
 * Makes sure `dir` holds a local CA and a server certificate for `names` (the first is the
 * certificate's common name); creates only what is missing or no longer fits.
 */
export function ensureSelfSigned(dir: string, names: string[], now = new Date()): SelfSigned {
  if (names.length === 0) throw new TlsError('a self-signed certificate needs at least one name');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.crt');
  const hasCa = existsSync(caFile) && existsSync(join(dir, 'ca.key'));
  if (!hasCa) createCa(dir, now);
  const issuedServer = !hasCa || !serverCertificateFits(dir, names, now);
  if (issuedServer) issueServer(dir, names, now);
  return {
    files: { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') },
    caFile,
    createdCa: !hasCa,
    issuedServer,
    names,
  };
}
