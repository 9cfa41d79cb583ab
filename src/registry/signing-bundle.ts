// Managed signing's signature format: a Sigstore bundle (v0.3) holding a message signature over
// the image manifest (its message digest is the manifest's SHA-256 digest, which the KMS key
// signs as a DIGEST) with a public key hint (the key's ARN), stored as a referrer of the image: an
// OCI manifest of artifact type application/vnd.dev.sigstore.bundle.v0.3+json whose one layer is
// the bundle and whose subject is the image. Verified with @sigstore/verify (no transparency log
// or timestamp authority offline: the key is the trust).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type * as SigstoreBundle from '@sigstore/bundle';
import type * as SigstoreVerify from '@sigstore/verify';
import { MediaTypes } from '../domain/media-types.js';
import { lazyModule } from '../runtime/lazy-module.js';

// Loaded by the first signature made or checked (runtime/lazy-module.ts): a deployment without
// managed signing never needs Sigstore's libraries in its heap.
const sigstoreBundle = lazyModule<typeof SigstoreBundle>('@sigstore/bundle');
const sigstoreVerify = lazyModule<typeof SigstoreVerify>('@sigstore/verify');

/** @sigstore/bundle's BUNDLE_V03_MEDIA_TYPE (signing-bundle.test.ts checks they agree). */
export const SIGSTORE_BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The OCI empty descriptor's content ({}), the config of an artifact manifest. */
export const EMPTY_CONFIG = Buffer.from('{}');
const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
/** The annotation naming the KMS key that signed (also the bundle's public key hint). */
export const SIGNING_KEY_ANNOTATION = 'dev.berth.signing.key';

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Subject {
  digest: string;
  mediaType: string;
  size: number;
}

/** The bundle for a signature of the manifest whose digest is `digest` (sha256:…). */
export function signatureBundle(digest: string, signature: Buffer, keyArn: string): Buffer {
  const { bundleToJSON, toMessageSignatureBundle } = sigstoreBundle();
  const bundle = toMessageSignatureBundle({
    digest: Buffer.from(digest.slice('sha256:'.length), 'hex'),
    signature,
    keyHint: keyArn,
  });
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)));
}

/** The referrer manifest that stores a bundle for its subject. */
export function signatureManifest(subject: Subject, bundle: Buffer, keyArn: string, at: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: SIGSTORE_BUNDLE_TYPE,
      config: { mediaType: EMPTY_MEDIA_TYPE, digest: digestOf(EMPTY_CONFIG), size: EMPTY_CONFIG.length },
      layers: [{ mediaType: SIGSTORE_BUNDLE_TYPE, digest: digestOf(bundle), size: bundle.length }],
      subject,
      annotations: {
        'dev.sigstore.bundle.content': 'message-signature',
        [SIGNING_KEY_ANNOTATION]: keyArn,
        'org.opencontainers.image.created': new Date(at).toISOString(),
      },
    }),
  );
}

/** The bundle's layer digest of a signature manifest, when it is one (else undefined). */
export function bundleLayerOf(manifest: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(manifest.toString('utf8')) as {
      artifactType?: string;
      layers?: { mediaType?: string; digest?: string }[];
    };
    if (parsed.artifactType !== SIGSTORE_BUNDLE_TYPE) return undefined;
    return parsed.layers?.find((l) => l.mediaType === SIGSTORE_BUNDLE_TYPE)?.digest;
  } catch {
    return undefined;
  }
}

/**
 * Whether the bundle is a valid signature of `artifact` (the manifest bytes) by one of `keys`
 * (public keys by hint, DER SubjectPublicKeyInfo): Sigstore's verifier decides, with no
 * transparency log entry or timestamp required. Returns the hint of the key that verified.
 */
export function verifyBundle(bundleBytes: Buffer, artifact: Buffer, keys: Map<string, Buffer>): string | undefined {
  // Loaded outside the try: a library that fails to load is an error, not an invalid signature.
  const { bundleFromJSON } = sigstoreBundle();
  const { toSignedEntity, toTrustMaterial, Verifier } = sigstoreVerify();
  try {
    const bundle = bundleFromJSON(JSON.parse(bundleBytes.toString('utf8')));
    const objects = new Map<string, KeyObject>(
      [...keys].map(([hint, der]) => [hint, createPublicKey({ key: der, format: 'der', type: 'spki' })]),
    );
    const trust = toTrustMaterial(
      {
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        certificateAuthorities: [],
        ctlogs: [],
        tlogs: [],
        timestampAuthorities: [],
      },
      (hint: string) => {
        const publicKey = objects.get(hint);
        if (!publicKey) throw new Error(`no trusted key ${hint}`);
        return { publicKey, validFor: () => true };
      },
    );
    const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    const signer = verifier.verify(toSignedEntity(bundle, artifact));
    return [...objects].find(([, key]) => key.equals(signer.key))?.[0];
  } catch {
    return undefined;
  }
}
