import assert from 'node:assert/strict';
import { constants, createHash, createPublicKey, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import {
  newPrivateKey,
  privateKeyOf,
  publicKeyDer,
  SIGNING_KEY_SPECS,
  signMessage,
  verifyMessage,
} from './key-pairs.js';

const message = Buffer.from('the manifest bytes');

/** What node:crypto (OpenSSL) checks for the algorithm, over the message itself. */
function opensslVerify(publicDer: Buffer, algorithm: string, signature: Buffer): boolean {
  const hash = `sha${algorithm.slice(-3)}`;
  const key = createPublicKey({ key: publicDer, format: 'der', type: 'spki' });
  if (algorithm.startsWith('RSASSA_PSS'))
    return verify(
      hash,
      message,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(algorithm.slice(-3)) / 8 },
      signature,
    );
  return verify(hash, message, key, signature);
}

for (const spec of ['ECC_NIST_P256', 'RSA_2048']) {
  const privateKey = privateKeyOf(newPrivateKey(spec));
  const publicDer = publicKeyDer(privateKey);
  for (const algorithm of SIGNING_KEY_SPECS[spec]!) {
    const digest = createHash(`sha${algorithm.slice(-3)}`)
      .update(message)
      .digest();

    test(`${spec} ${algorithm}: a DIGEST signature is one OpenSSL accepts over the message, and the reverse`, () => {
      const byDigest = signMessage(privateKey, algorithm, digest, 'DIGEST');
      assert.ok(opensslVerify(publicDer, algorithm, byDigest));
      assert.ok(verifyMessage(privateKey, algorithm, message, 'RAW', byDigest));
      const byRaw = signMessage(privateKey, algorithm, message, 'RAW');
      assert.ok(opensslVerify(publicDer, algorithm, byRaw));
      assert.ok(verifyMessage(privateKey, algorithm, digest, 'DIGEST', byRaw));
    });

    test(`${spec} ${algorithm}: a changed message or signature does not verify`, () => {
      const signature = signMessage(privateKey, algorithm, digest, 'DIGEST');
      const other = createHash(`sha${algorithm.slice(-3)}`)
        .update('another manifest')
        .digest();
      assert.equal(verifyMessage(privateKey, algorithm, other, 'DIGEST', signature), false);
      const flipped = Buffer.from(signature);
      flipped[flipped.length - 3]! ^= 1;
      assert.equal(verifyMessage(privateKey, algorithm, digest, 'DIGEST', flipped), false);
      assert.equal(verifyMessage(privateKey, algorithm, message, 'RAW', flipped), false);
    });
  }
}

test('an OpenSSL ECDSA signature of the message verifies as one of its digest', () => {
  const privateKey = privateKeyOf(newPrivateKey('ECC_NIST_P256'));
  const signature = sign('sha256', message, privateKey);
  assert.ok(
    verifyMessage(privateKey, 'ECDSA_SHA_256', createHash('sha256').update(message).digest(), 'DIGEST', signature),
  );
});
