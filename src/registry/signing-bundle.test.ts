// Managed signing's bundles, made and checked with Sigstore's libraries (loaded on first use).
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { BUNDLE_V03_MEDIA_TYPE } from '@sigstore/bundle';
import { test } from 'node:test';
import { SIGSTORE_BUNDLE_TYPE, signatureBundle, verifyBundle } from './signing-bundle.js';

test('the bundle media type is the one @sigstore/bundle names', () => {
  assert.equal(SIGSTORE_BUNDLE_TYPE, BUNDLE_V03_MEDIA_TYPE);
});

test('a bundle verifies against the key that signed the manifest, and no other', () => {
  const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const arn = 'arn:aws:kms:us-east-1:111122223333:key/signer';
  const der = (key: typeof signer.publicKey) => key.export({ format: 'der', type: 'spki' });
  const bundle = signatureBundle(digest, sign('sha256', manifest, signer.privateKey), arn);

  assert.equal(verifyBundle(bundle, manifest, new Map([[arn, der(signer.publicKey)]])), arn);
  assert.equal(verifyBundle(bundle, manifest, new Map([[arn, der(other.publicKey)]])), undefined);
  assert.equal(verifyBundle(bundle, Buffer.from('{}'), new Map([[arn, der(signer.publicKey)]])), undefined);
});
