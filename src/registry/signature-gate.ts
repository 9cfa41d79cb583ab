// The pull-time signature requirement (a Berth setting beyond ECR): a repository may require that
// the images pulled from it carry a valid signature by one of a list of KMS keys, i.e. a Sigstore
// bundle referrer (signing-bundle.ts) that Sigstore's verifier accepts for the manifest with one
// of the keys' public keys. An image without one is refused with DENIED saying why. Referrers
// (signatures, SBOMs) themselves are not gated, so verifiers can fetch them. A verified image is
// remembered per repository, digest and key list (manifests are immutable); requirements are
// read at most every few seconds per repository.
import { RegistryError } from '../domain/errors.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { Repository } from '../domain/records/repositories.js';
import type { SignatureRequirement } from '../domain/records/signing.js';
import type { SigningKeys } from '../domain/signing-keys.js';
import type { MetadataStore } from '../metadata/store.js';
import { bundleLayerOf, SIGSTORE_BUNDLE_TYPE, verifyBundle } from './signing-bundle.js';

const VERIFIED_MAX = 10_000;

export interface SignedContentReader {
  manifest(repository: Repository, record: ManifestRecord): Promise<Buffer>;
  blob(repository: Repository, digest: string): Promise<Buffer>;
}

export class SignatureGate {
  private readonly verified = new Set<string>();
  private readonly requirements = new Map<string, { at: number; requirement: SignatureRequirement | undefined }>();
  private readonly publicKeys = new Map<string, Buffer>();

  constructor(
    private readonly store: Pick<MetadataStore, 'signing' | 'manifests'>,
    private readonly keys: SigningKeys,
    private readonly reader: SignedContentReader,
    private readonly requirementTtlMs = 5_000,
  ) {}

  /** Throws DENIED unless the manifest (by its stored digest) may be pulled from the repository. */
  async check(repository: Repository, digest: string): Promise<void> {
    const requirement = await this.requirement(repository.id);
    if (!requirement || requirement.keyArns.length === 0) return;
    const cacheKey = `${repository.id} ${digest} ${requirement.keyArns.join(',')}`;
    if (this.verified.has(cacheKey)) return;
    const record = await this.store.manifests.get(repository.id, digest);
    if (!record || record.subjectDigest !== null) return;
    const reason = await this.verify(repository, record, requirement.keyArns);
    if (reason !== undefined)
      throw new RegistryError(
        'DENIED',
        `pulls from ${repository.name} require a valid signature by ${requirement.keyArns.join(' or ')}: ${digest} ${reason}`,
        { digest, reason },
      );
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.values().next().value as string);
    this.verified.add(cacheKey);
  }

  /** Forgets cached requirements (after a change made on this node). */
  forget(repositoryId: string): void {
    this.requirements.delete(repositoryId);
  }

  /** Undefined when a signature verifies; else why none does. */
  private async verify(repository: Repository, record: ManifestRecord, keyArns: string[]): Promise<string | undefined> {
    const referrers = await this.store.manifests.referrers(repository.id, record.digest, SIGSTORE_BUNDLE_TYPE);
    if (referrers.length === 0) return 'has no signature';
    const keys = new Map<string, Buffer>();
    for (const arn of keyArns) {
      const key = await this.publicKey(arn);
      if (key) keys.set(arn, key);
    }
    if (keys.size === 0) return 'cannot be verified: none of the keys is usable';
    const artifact = await this.reader.manifest(repository, record);
    for (const referrer of referrers) {
      const layer = bundleLayerOf(await this.reader.manifest(repository, referrer));
      if (!layer) continue;
      const bundle = await this.reader.blob(repository, layer).catch(() => undefined);
      if (bundle && verifyBundle(bundle, artifact, keys) !== undefined) return undefined;
    }
    return `has ${referrers.length} signature${referrers.length === 1 ? '' : 's'}, none valid for the image and these keys`;
  }

  private async publicKey(arn: string): Promise<Buffer | undefined> {
    let key = this.publicKeys.get(arn);
    if (!key) {
      key = await this.keys.publicKey(arn).catch(() => undefined);
      if (key) this.publicKeys.set(arn, key);
    }
    return key;
  }

  private async requirement(repositoryId: string): Promise<SignatureRequirement | undefined> {
    const now = Date.now();
    const cached = this.requirements.get(repositoryId);
    if (cached && now - cached.at < this.requirementTtlMs) return cached.requirement;
    const requirement = await this.store.signing.requirement(repositoryId);
    this.requirements.set(repositoryId, { at: now, requirement });
    return requirement;
  }
}
