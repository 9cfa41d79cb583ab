// The local CA of --tls-self-signed: a chain that verifies for every name, made once and reused,
// a server certificate issued again (by the same CA) when a name is missing or its end is near.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../testing/server.js';
import { readTlsCredentials, TlsError } from './credentials.js';
import { ensureSelfSigned, serverNames } from './self-signed.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function dir(): string {
  const made = tempDir('berth-tls-');
  dirs.push(made);
  return join(made, 'tls');
}
const cert = (path: string) => new X509Certificate(readFileSync(path));
const NAMES = ['localhost', '127.0.0.1', '::1', 'registry.test'];

describe('ensureSelfSigned', () => {
  it('creates a CA and a server certificate it signs, for every DNS name and IP address', () => {
    const tls = dir();
    const made = ensureSelfSigned(tls, NAMES);
    assert.deepEqual([made.createdCa, made.issuedServer], [true, true]);
    const ca = cert(made.caFile);
    const server = cert(made.files.cert);
    assert.ok(ca.ca, 'the CA certificate is a CA');
    assert.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
    assert.ok(!server.ca, 'the server certificate is not a CA');
    assert.ok(server.verify(ca.publicKey), 'the CA signed the server certificate');
    assert.ok(server.checkIssued(ca));
    assert.equal(server.checkHost('localhost', { wildcards: false }), 'localhost');
    assert.equal(server.checkHost('registry.test'), 'registry.test');
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(server.checkIP('::1'));
    assert.equal(server.checkHost('other.test'), undefined);
    assert.match(server.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'extended key usage: serverAuth');
    for (const key of ['ca.key', 'server.key'])
      assert.equal(statSync(join(tls, key)).mode & 0o777, 0o600, `${key} is readable by its owner only`);
    const credentials = readTlsCredentials(made.files);
    assert.equal(credentials.fingerprint, server.fingerprint256);
  });

  it('reuses what it made on the next start', () => {
    const tls = dir();
    const first = ensureSelfSigned(tls, NAMES);
    const again = ensureSelfSigned(tls, NAMES);
    assert.deepEqual([again.createdCa, again.issuedServer], [false, false]);
    assert.equal(cert(again.caFile).fingerprint256, cert(first.caFile).fingerprint256);
    assert.equal(readFileSync(again.files.cert, 'utf8'), readFileSync(first.files.cert, 'utf8'));
  });

  it('issues the server certificate again, from the same CA, for a new name or near its end', () => {
    const tls = dir();
    const first = ensureSelfSigned(tls, NAMES);
    const caBefore = cert(first.caFile).fingerprint256;
    const renamed = ensureSelfSigned(tls, [...NAMES, 'other.test']);
    assert.deepEqual([renamed.createdCa, renamed.issuedServer], [false, true]);
    assert.equal(cert(renamed.caFile).fingerprint256, caBefore, 'clients keep trusting the same CA');
    assert.ok(cert(renamed.files.cert).checkHost('other.test'));
    assert.ok(cert(renamed.files.cert).verify(cert(renamed.caFile).publicKey));
    const later = ensureSelfSigned(tls, [...NAMES, 'other.test'], new Date(Date.now() + 800 * 24 * 3_600_000));
    assert.deepEqual(
      [later.createdCa, later.issuedServer],
      [false, true],
      'a certificate within 30 days of its end is renewed',
    );
  });

  it('refuses a CA it cannot read instead of replacing what clients trust', () => {
    const tls = dir();
    ensureSelfSigned(tls, NAMES);
    writeFileSync(join(tls, 'ca.crt'), 'not a certificate');
    assert.throws(
      () => ensureSelfSigned(tls, NAMES),
      (err: unknown) => err instanceof TlsError && /local CA .* cannot be read/.test(err.message),
    );
  });

  it('names loopback, the host name and a specific listen host, not a wildcard address', () => {
    assert.deepEqual(serverNames('Build-Host', '0.0.0.0'), ['localhost', '127.0.0.1', '::1', 'build-host']);
    assert.deepEqual(serverNames('h', '[::]'), ['localhost', '127.0.0.1', '::1', 'h']);
    assert.deepEqual(serverNames('h', 'registry.internal'), [
      'localhost',
      '127.0.0.1',
      '::1',
      'h',
      'registry.internal',
    ]);
    assert.deepEqual(serverNames('h', '10.1.2.3'), ['localhost', '127.0.0.1', '::1', 'h', '10.1.2.3']);
  });
});
