// ECR's scanning on the API: StartImageScan (once a day per image), DescribeImageScanFindings,
// the repository's scan-on-push flag, the registry's scanning configuration (BASIC, rules of
// SCAN_ON_PUSH / CONTINUOUS_SCAN with wildcard filters), and scan on push: a push the rules or
// the repository's flag cover asks for a scan, which a worker runs after the push was answered.
import { Actions } from '../domain/actions.js';
import { RegistryError } from '../domain/errors.js';
import { resolveImageId } from '../domain/image-id.js';
import { ManagementError } from '../domain/management-errors.js';
import type { PushListener, PushedImage } from '../domain/push-listener.js';
import type { ImageScan, RegistryScanningConfiguration, ScanningRule } from '../domain/records/scanning.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RepositoryGate } from '../domain/repository-access.js';
import type { RequestContext } from '../domain/request-context.js';
import { ScanningError } from '../domain/scanning-errors.js';
import { wildcardMatches } from '../domain/wildcard.js';
import type { MetadataStore } from '../metadata/store.js';
import { isScannableImage } from './scanner.js';

/** ECR's quota: one StartImageScan per image per 24 hours. */
export const SCAN_INTERVAL_MS = 24 * 3_600_000;

const DEFAULT_CONFIGURATION: RegistryScanningConfiguration = { scanType: 'BASIC', rules: [] };

/** The rule of the registry's configuration that covers the repository (continuous scanning first, as ECR applies it). */
export function ruleFor(
  configuration: RegistryScanningConfiguration,
  repositoryName: string,
): ScanningRule | undefined {
  const matching = configuration.rules.filter((r) =>
    r.repositoryFilters.some((f) => wildcardMatches(f.filter, repositoryName)),
  );
  return matching.find((r) => r.scanFrequency === 'CONTINUOUS_SCAN') ?? matching[0];
}

const SCANNABLE_MANIFESTS = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
const IMAGE_CONFIGS = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

/** An artifact (an SBOM, a signature: a subject or another artifact type), not an image to scan. */
function isArtifact(image: { artifactType: string | null; subjectDigest: string | null }): boolean {
  return image.subjectDigest !== null || (image.artifactType !== null && !IMAGE_CONFIGS.has(image.artifactType));
}

export interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

type ScanStore = Pick<MetadataStore, 'scanning' | 'tags' | 'manifests' | 'repositories'>;

export class ScanService implements PushListener {
  readonly name = 'scan-on-push';

  constructor(
    private readonly store: ScanStore,
    private readonly gate: RepositoryGate<Repository>,
    /** Told when a scan was asked for on this node (the worker looks at once). */
    private readonly requested: () => void = () => undefined,
  ) {}

  private image(ctx: RequestContext, repository: Repository, imageId: ImageId) {
    return resolveImageId(this.store, repository, ctx.registry.accountId, imageId);
  }

  async start(
    ctx: RequestContext,
    repositoryName: string,
    imageId: ImageId,
  ): Promise<{ digest: string; scan: ImageScan }> {
    const repository = await this.gate.existing(ctx, repositoryName, Actions.StartImageScan);
    const image = await this.image(ctx, repository, imageId);
    if (isArtifact(image) || !SCANNABLE_MANIFESTS.has(image.mediaType))
      throw new ScanningError(
        'UnsupportedImageTypeException',
        `The image type '${image.mediaType}' is not supported for scanning.`,
      );
    const scan = await this.store.scanning.request(
      ctx.registry.accountId,
      repositoryName,
      image.digest,
      Date.now(),
      SCAN_INTERVAL_MS,
    );
    if (scan === 'limited')
      throw new ManagementError(
        'LIMIT_EXCEEDED',
        `The scan quota per image has been exceeded. Wait and try again. (one scan per image per 24 hours)`,
      );
    this.requested();
    return { digest: image.digest, scan };
  }

  async findings(
    ctx: RequestContext,
    repositoryName: string,
    imageId: ImageId,
  ): Promise<{ digest: string; scan: ImageScan }> {
    const repository = await this.gate.existing(ctx, repositoryName, Actions.DescribeImageScanFindings);
    const image = await this.image(ctx, repository, imageId);
    const scan = await this.store.scanning.get(ctx.registry.accountId, repositoryName, image.digest);
    if (!scan)
      throw new ScanningError(
        'ScanNotFoundException',
        `Image scan does not exist for image with '{imageDigest:'${image.digest}'}' in repository with name '${repositoryName}' in registry with id '${ctx.registry.accountId}'`,
      );
    return { digest: image.digest, scan };
  }

  async putRepositoryScanOnPush(ctx: RequestContext, repositoryName: string, scanOnPush: boolean): Promise<Repository> {
    const repository = await this.gate.existing(ctx, repositoryName, Actions.PutImageScanningConfiguration);
    return (await this.store.repositories.setScanOnPush(repository.id, scanOnPush)) ?? repository;
  }

  async registryConfiguration(ctx: RequestContext): Promise<RegistryScanningConfiguration> {
    await this.gate.authorizeRegistry(ctx, Actions.GetRegistryScanningConfiguration);
    return (await this.store.scanning.configuration(ctx.registry.accountId)) ?? DEFAULT_CONFIGURATION;
  }

  async putRegistryConfiguration(
    ctx: RequestContext,
    configuration: RegistryScanningConfiguration,
  ): Promise<RegistryScanningConfiguration> {
    await this.gate.authorizeRegistry(ctx, Actions.PutRegistryScanningConfiguration);
    if (configuration.scanType === 'ENHANCED')
      throw new ManagementError(
        'VALIDATION',
        "Invalid parameter at 'scanType': Berth scans with BASIC scanning only (ENHANCED is Amazon Inspector's)",
      );
    await this.store.scanning.putConfiguration(ctx.registry.accountId, configuration, Date.now());
    return configuration;
  }

  /** BatchGetRepositoryScanningConfiguration: each repository's flag and the rule that covers it. */
  async repositoryConfigurations(ctx: RequestContext, names: string[]) {
    const configuration = (await this.store.scanning.configuration(ctx.registry.accountId)) ?? DEFAULT_CONFIGURATION;
    const found: Array<{ repository: Repository; rule: ScanningRule | undefined }> = [];
    const failures: Array<{ repositoryName: string; failureCode: 'REPOSITORY_NOT_FOUND'; failureReason: string }> = [];
    for (const name of names) {
      try {
        const repository = await this.gate.existing(ctx, name, Actions.BatchGetRepositoryScanningConfiguration);
        found.push({ repository, rule: ruleFor(configuration, name) });
      } catch (err) {
        if (!(err instanceof RegistryError) || err.code !== 'NAME_UNKNOWN') throw err;
        failures.push({
          repositoryName: name,
          failureCode: 'REPOSITORY_NOT_FOUND',
          failureReason: 'REPOSITORY_NOT_FOUND',
        });
      }
    }
    return { found, failures };
  }

  /** The scans of images of a repository the caller may already describe (DescribeImages). */
  async summaries(accountId: string, repositoryName: string, digests: string[]): Promise<Map<string, ImageScan>> {
    if (digests.length === 0) return new Map();
    const scans = await this.store.scanning.many(accountId, repositoryName, digests);
    return new Map(scans.map((s) => [s.digest, s]));
  }

  /** Scan on push: the repository's flag or a rule of its registry covers it; only images, not their referrers. */
  async pushed(image: PushedImage): Promise<void> {
    if (isArtifact(image)) return;
    if (!isScannableImage(image.mediaType, { config: { mediaType: 'application/vnd.oci.image.config.v1+json' } }))
      return;
    const repository = await this.store.repositories.get(image.accountId, image.repositoryName);
    if (!repository) return;
    let scan = repository.scanOnPush;
    if (!scan) {
      const configuration = await this.store.scanning.configuration(image.accountId);
      const rule = configuration && ruleFor(configuration, image.repositoryName);
      scan = rule !== undefined && rule.scanFrequency !== 'MANUAL';
    }
    if (!scan) return;
    await this.store.scanning.request(image.accountId, image.repositoryName, image.digest, image.pushedAt);
    this.requested();
  }
}
