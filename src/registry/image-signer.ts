// Managed signing on push: a push to a repository that a signing rule matches is signed by the
// rule's KMS key and the signature stored as a referrer of the image (signing-bundle.ts). The
// push writes the image's IN_PROGRESS statuses in its own transaction (the outbox: `signingsFor`,
// through ManifestOptions.signings); the push listener then signs them at once, off the push's
// path, and a recurring job signs what a node that stopped left IN_PROGRESS. Referrers
// (signatures, SBOMs) and public repositories' images are not signed.
import { createHash } from 'node:crypto';
import { KmsError } from '../domain/kms-errors.js';
import { MediaTypes } from '../domain/media-types.js';
import type { PushedImage, PushListener } from '../domain/push-listener.js';
import type { ImageSigningRecord } from '../domain/records/signing.js';
import type { SigningKeys } from '../domain/signing-keys.js';
import type { MetadataStore } from '../metadata/store.js';
import { registryOfKey } from '../metadata/registry-key.js';
import { accountContext } from './replication-copy.js';
import type { RegistryServices } from './services.js';
import { matchingRules, profileKey } from './signing-configuration.js';
import { EMPTY_CONFIG, signatureBundle, signatureManifest } from './signing-bundle.js';

/**
 * The IN_PROGRESS statuses a push of the image starts, one per signing rule matching its
 * repository (none for a referrer or a public repository's image): written in the push's own
 * transaction (ManifestOptions.signings).
 */
export async function signingsFor(
  store: Pick<MetadataStore, 'signing'>,
  image: { accountId: string; id: string; name: string },
  record: { digest: string; subjectDigest: string | null },
  now = Date.now(),
): Promise<ImageSigningRecord[]> {
  if (record.subjectDigest !== null || registryOfKey(image.accountId).visibility !== 'private') return [];
  const rules = await store.signing.configuration(image.accountId);
  if (!rules) return [];
  return matchingRules(rules, image.name).map((rule) => ({
    accountId: image.accountId,
    repositoryId: image.id,
    repositoryName: image.name,
    digest: record.digest,
    signingProfileArn: rule.signingProfileArn,
    keyArn: profileKey(rule.signingProfileArn)?.alias ?? '',
    status: 'IN_PROGRESS',
    failureCode: null,
    failureReason: null,
    signatureDigest: null,
    updatedAt: now,
  }));
}

/** How long a signing may stay IN_PROGRESS before the recovery job takes it as a stopped node's. */
export const SIGNING_RECOVERY_MS = 60_000;

export class ImageSigner implements PushListener {
  readonly name = 'signing';
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: Pick<MetadataStore, 'signing' | 'manifests' | 'repositories'>,
    private readonly keys: SigningKeys,
    private readonly services: () => Pick<RegistryServices, 'uploads' | 'manifests'>,
    private readonly log?: { error(obj: object, msg: string): void },
  ) {}

  /** The push's statuses were written in its transaction: sign them now. */
  async pushed(image: PushedImage): Promise<void> {
    if (image.subjectDigest !== null || registryOfKey(image.accountId).visibility !== 'private') return;
    const statuses = await this.store.signing.statuses(image.repositoryId, image.digest);
    for (const record of statuses) if (record.status === 'IN_PROGRESS') this.spawn(record);
  }

  /** Signs what stayed IN_PROGRESS past the recovery time (a recurring job); returns how many. */
  async recover(now = Date.now()): Promise<number> {
    const pending = await this.store.signing.pending(now - SIGNING_RECOVERY_MS, 100);
    for (const record of pending) await this.sign(record);
    return pending.length;
  }

  /** Resolves when the signings started so far are done (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private spawn(record: ImageSigningRecord): void {
    const run = this.sign(record).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Signs the image for one rule and stores its final status; never throws. */
  async sign(record: ImageSigningRecord): Promise<void> {
    let done: ImageSigningRecord;
    try {
      done = { ...record, ...(await this.signatureOf(record)) };
    } catch (err) {
      this.log?.error({ err, repository: record.repositoryName, digest: record.digest }, 'signing an image failed');
      const kms = err instanceof KmsError;
      done = {
        ...record,
        status: 'FAILED',
        failureCode: kms ? 'KMS_KEY_UNUSABLE' : 'SIGNING_FAILED',
        failureReason: kms ? `${err.type}: ${err.message}` : err instanceof Error ? err.message : String(err),
        updatedAt: Date.now(),
      };
    }
    await this.store.signing
      .putStatuses([done])
      .catch((err) => this.log?.error({ err }, 'storing a signing status failed'));
  }

  private async signatureOf(record: ImageSigningRecord): Promise<Partial<ImageSigningRecord>> {
    const named = profileKey(record.signingProfileArn);
    if (!named) throw new Error(`${record.signingProfileArn} is not a signing profile ARN`);
    const key = await this.keys.signingKey(record.accountId, named.alias);
    const image = await this.store.manifests.get(record.repositoryId, record.digest);
    if (!image) throw new Error(`the image ${record.digest} is no longer in ${record.repositoryName}`);
    const { signature } = await this.keys.signDigest(
      key.arn,
      Buffer.from(record.digest.slice('sha256:'.length), 'hex'),
    );
    const bundle = signatureBundle(record.digest, signature, key.arn);
    const subject = { digest: image.digest, mediaType: image.mediaType, size: image.size };
    const manifest = signatureManifest(subject, bundle, key.arn, Date.now());
    const ctx = accountContext(record.accountId);
    const { uploads, manifests } = this.services();
    for (const blob of [EMPTY_CONFIG, bundle]) {
      await uploads.start(ctx, record.repositoryName, {
        digest: `sha256:${createHash('sha256').update(blob).digest('hex')}`,
        chunk: {
          body: (async function* () {
            yield blob;
          })(),
        },
      });
    }
    const stored = await manifests.put(
      ctx,
      record.repositoryName,
      digestOf(manifest),
      manifest,
      MediaTypes.ociManifest,
    );
    return { keyArn: key.arn, status: 'COMPLETE', signatureDigest: stored.digest, updatedAt: Date.now() };
  }
}

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
