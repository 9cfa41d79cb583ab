// What a pushed manifest is, before anything about it is looked up or stored: within the size
// limit, parsed, and the digest it is stored under (the one pushed to, when it was pushed by
// digest), with the tags it is pushed to.
import { digestOf } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import { parseManifest, type ParsedManifest } from '../domain/manifest.js';
import { assertTag, parseReference } from '../domain/names.js';

export interface PushedManifest {
  manifest: ParsedManifest;
  /** Its digest: of its bytes, or of a signed schema 1 manifest's payload. */
  digest: string;
  /** The digest of its bytes, when that is not `digest` (a signed schema 1 manifest). */
  contentDigest: string | undefined;
  tags: string[];
}

/** The manifest pushed as `bytes` to `reference` (a tag or a digest) and to `extraTags`; throws the registry's error for each refusal. */
export async function parsePushed(
  bytes: Buffer,
  contentType: string | undefined,
  reference: string,
  extraTags: string[],
  maxBytes: number,
): Promise<PushedManifest> {
  if (bytes.length > maxBytes) {
    throw new RegistryError(
      'SIZE_INVALID',
      `manifest exceeds the limit of ${maxBytes} bytes`,
      { limit: maxBytes },
      { status: 413 },
    );
  }
  const ref = parseReference(reference);
  const tags = [...(ref.kind === 'tag' ? [ref.tag] : []), ...extraTags.map(assertTag)];
  const algorithm = ref.kind === 'digest' ? ref.digest.algorithm : 'sha256';
  const bytesDigest = digestOf(bytes, algorithm);
  const digestMismatch = (actual: string) =>
    new RegistryError('DIGEST_INVALID', `manifest has digest ${actual}, not ${reference}`, {
      expected: reference,
      actual,
    });
  let manifest: ParsedManifest;
  try {
    manifest = await parseManifest(bytes, contentType);
  } catch (err) {
    // Bytes that are not the digest pushed to are refused as such, whatever else is wrong.
    if (ref.kind === 'digest' && ref.digest.value !== bytesDigest) throw digestMismatch(bytesDigest);
    throw err;
  }
  // A signed schema 1 manifest's digest is that of its signed payload, not of its bytes.
  const digest = manifest.canonicalDigest ?? bytesDigest;
  if (ref.kind === 'digest' && ref.digest.value !== digest) throw digestMismatch(digest);
  const contentDigest = digest === bytesDigest ? undefined : digestOf(bytes);
  return { manifest, digest, contentDigest, tags };
}
