// The pull-time signature requirement (a Berth setting beyond ECR): a repository may require that
// the images pulled from it carry a valid signature by one of a list of KMS keys, i.e. a Sigstore
// bundle referrer (signing-bundle.ts) that Sigstore's verifier accepts for the manifest with one
// of the keys' public keys. An image without one is refused with DENIED saying why. Referrers
// (signatures, SBOMs) themselves are not gated, so verifiers can fetch them. A verified image is
// remembered per repository, digest and key list (manifests are immutable) with the key that
// verified it, and a public key is kept once derived; but the key's state is asked on every use,
// so a key disabled or scheduled for deletion stops verifying at once. Requirements are read at
// most every few seconds per repository.
import { RegistryError } from '../domain/errors.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { Repository } from '../domain/records/repositories.js';
import { arnAccount } from '../domain/principal.js';
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
  /** Images verified: the cache key, and the key that verified the image. */
  private readonly verified = new Map<string, string>();
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
    const verifiedBy = this.verified.get(cacheKey);
    if (verifiedBy !== undefined && (await this.usable(verifiedBy))) return;
    this.verified.delete(cacheKey);
    const record = await this.store.manifests.get(repository.id, digest);
    if (!record || record.subjectDigest !== null) return;
    const outcome = await this.verify(repository, record, requirement.keyArns);
    if (outcome.reason !== undefined)
      throw new RegistryError(
        'DENIED',
        `pulls from ${repository.name} require a valid signature by ${requirement.keyArns.join(' or ')}: ${digest} ${outcome.reason}`,
        { digest, reason: outcome.reason },
      );
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(cacheKey, outcome.keyArn);
  }

  /** Forgets cached requirements (after a change made on this node). */
  forget(repositoryId: string): void {
    this.requirements.delete(repositoryId);
  }

  /** The key whose signature verifies; else why none does. */
  private async verify(
    repository: Repository,
    record: ManifestRecord,
    keyArns: string[],
  ): Promise<{ keyArn: string; reason?: undefined } | { reason: string }> {
    const referrers = await this.store.manifests.referrers(repository.id, record.digest, SIGSTORE_BUNDLE_TYPE);
    if (referrers.length === 0) return { reason: 'has no signature' };
    const keys = new Map<string, Buffer>();
    for (const arn of keyArns) {
      const key = await this.publicKey(arn);
      if (key) keys.set(arn, key);
    }
    if (keys.size === 0) return { reason: 'cannot be verified: none of the keys is usable' };
    const artifact = await this.reader.manifest(repository, record);
    for (const referrer of referrers) {
      const layer = bundleLayerOf(await this.reader.manifest(repository, referrer));
      if (!layer) continue;
      const bundle = await this.reader.blob(repository, layer).catch(() => undefined);
      const keyArn = bundle && verifyBundle(bundle, artifact, keys);
      if (keyArn) return { keyArn };
    }
    return {
      reason: `has ${referrers.length} signature${referrers.length === 1 ? '' : 's'}, none valid for the image and these keys`,
    };
  }

  /** Whether the key may verify now (enabled, not pending deletion, a signing key): asked on every use. */
  private async usable(arn: string): Promise<boolean> {
    const account = arnAccount(arn);
    if (account === undefined) return false;
    return this.keys.signingKey(account, arn).then(
      () => true,
      () => false,
    );
  }

  private async publicKey(arn: string): Promise<Buffer | undefined> {
    if (!(await this.usable(arn))) return undefined;
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
