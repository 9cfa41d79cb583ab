// A listener's certificate and key files: read and checked, and every way they can be wrong
// reported in one line that names the file.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../testing/server.js';
import { readTlsCredentials, TlsError, type TlsFiles } from './credentials.js';
import { ensureSelfSigned } from './self-signed.js';

let root: string;
let good: TlsFiles;
let other: TlsFiles;
before(() => {
  root = tempDir('berth-tls-files-');
  good = ensureSelfSigned(join(root, 'a'), ['localhost']).files;
  other = ensureSelfSigned(join(root, 'b'), ['localhost']).files;
});
after(() => rmSync(root, { recursive: true, force: true }));

function rejects(files: TlsFiles, message: RegExp): void {
  assert.throws(
    () => readTlsCredentials(files),
    (err: unknown) => {
      assert.ok(err instanceof TlsError, `a TlsError, not ${String(err)}`);
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /\n/, 'one line');
      return true;
    },
  );
}

describe('readTlsCredentials', () => {
  it('reads a certificate and its key, with the fingerprint and serial clients see', () => {
    const credentials = readTlsCredentials(good);
    const x509 = new X509Certificate(readFileSync(good.cert));
    assert.equal(credentials.fingerprint, x509.fingerprint256);
    assert.equal(credentials.serialNumber, x509.serialNumber);
    assert.match(credentials.subjectAltName, /DNS:localhost/);
    assert.ok(credentials.validTo.getTime() > Date.now());
  });

  it('names the file that is missing, a directory, or not PEM', () => {
    rejects(
      { cert: join(root, 'nope.crt'), key: good.key },
      /^cannot read the TLS certificate .*nope\.crt: no such file$/,
    );
    rejects(
      { cert: good.cert, key: join(root, 'nope.key') },
      /^cannot read the TLS private key .*nope\.key: no such file$/,
    );
    mkdirSync(join(root, 'dir.crt'));
    rejects({ cert: join(root, 'dir.crt'), key: good.key }, /dir\.crt: it is a directory/);
    writeFileSync(join(root, 'text.crt'), 'hello');
    rejects({ cert: join(root, 'text.crt'), key: good.key }, /text\.crt is not in PEM format/);
    rejects({ cert: good.cert, key: good.cert }, /private key .* is not in PEM format/);
    writeFileSync(join(root, 'broken.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    rejects({ cert: join(root, 'broken.crt'), key: good.key }, /broken\.crt cannot be parsed/);
  });

  it('refuses a key of another certificate', () => {
    rejects(
      { cert: good.cert, key: other.key },
      /private key .* cannot be used with the certificate .*: the key is not the key of this certificate/,
    );
  });

  it('takes a chain: the server certificate first, then the CA', () => {
    const chain = join(root, 'chain.crt');
    copyFileSync(good.cert, chain);
    writeFileSync(chain, readFileSync(join(root, 'a', 'ca.crt')), { flag: 'a' });
    assert.equal(
      readTlsCredentials({ cert: chain, key: good.key }).fingerprint,
      new X509Certificate(readFileSync(good.cert)).fingerprint256,
    );
  });
});
