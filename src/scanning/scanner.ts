// One image's scan: its manifest, its layers walked in order as streams, the packages found
// made into a CycloneDX SBOM that is pushed as a referrer of the image (through the registry's
// push path, so the referrers API lists it), and the findings against the imported advisories.
import { createHash } from 'node:crypto';
import type { ImageContent } from '../domain/image-content.js';
import type { ScanResult } from '../metadata/store.js';
import { type AdvisoryLookup, evaluate } from './findings.js';
import { DEFAULT_INVENTORY_OPTIONS, InventoryBuilder, type InventoryOptions } from './inventory.js';
import type { ScanPacer } from './pacing.js';
import { SBOM_ARTIFACT_TYPE, buildSbom } from './sbom.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const EMPTY_CONFIG = Buffer.from('{}');
const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export class UnsupportedImage extends Error {
  override name = 'UnsupportedImage';
}

export interface ScanTarget {
  accountId: string;
  repositoryName: string;
  digest: string;
}

export interface ScannerOptions extends InventoryOptions {
  /** When the advisories were last imported (the findings' vulnerabilitySourceUpdatedAt). */
  advisoriesAt: () => Promise<number | null>;
  /** Paces the reading of layers while pushes arrive (pacing.ts); unpaced without. */
  pacer?: Pick<ScanPacer, 'paced'>;
}

interface ImageManifest {
  mediaType?: string;
  config?: { mediaType?: string };
  layers?: Array<{ digest: string; mediaType: string; size: number }>;
  subject?: unknown;
  artifactType?: string;
}

/** Whether a manifest is a container image the scanner reads (not an index, not an artifact). */
export function isScannableImage(mediaType: string, manifest: ImageManifest): boolean {
  if (mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST) return false;
  if (manifest.artifactType || manifest.subject) return false;
  const config = manifest.config?.mediaType;
  return (
    config === 'application/vnd.oci.image.config.v1+json' || config === 'application/vnd.docker.container.image.v1+json'
  );
}

export class Scanner {
  constructor(
    private readonly content: ImageContent,
    private readonly lookup: AdvisoryLookup,
    private readonly options: ScannerOptions,
  ) {}

  async scan(target: ScanTarget): Promise<ScanResult> {
    const { accountId, repositoryName, digest } = target;
    const stored = await this.content.manifest(accountId, repositoryName, digest);
    if (!stored) throw new UnsupportedImage(`the image ${digest} is no longer in ${repositoryName}`);
    const manifest = JSON.parse(stored.bytes.toString('utf8')) as ImageManifest;
    if (!isScannableImage(stored.mediaType, manifest))
      return {
        status: 'UNSUPPORTED_IMAGE',
        description: `The operation is not supported for this image (${stored.mediaType}).`,
        inventory: null,
        findings: [],
        advisoriesAt: null,
        sbomDigest: null,
      };
    const builder = new InventoryBuilder({ ...DEFAULT_INVENTORY_OPTIONS, ...this.options });
    const { pacer } = this.options;
    for (const layer of manifest.layers ?? [])
      await builder.addLayer({
        digest: layer.digest,
        open: () => {
          const bytes = this.content.blob(accountId, repositoryName, layer.digest);
          return pacer ? pacer.paced(bytes) : bytes;
        },
      });
    const inventory = builder.result();
    const sbom = Buffer.from(buildSbom({ repositoryName, digest, tags: [] }, inventory, new Date()));
    const sbomDigest = await this.pushSbom(target, stored.mediaType, stored.bytes.length, sbom);
    const findings = await evaluate(inventory, this.lookup);
    return {
      status: 'COMPLETE',
      description: 'The scan was completed successfully.',
      inventory: JSON.stringify(inventory),
      findings,
      advisoriesAt: await this.options.advisoriesAt(),
      sbomDigest,
    };
  }

  /** The SBOM as an OCI artifact whose subject is the image; returns the artifact's digest. */
  private async pushSbom(target: ScanTarget, mediaType: string, size: number, sbom: Buffer): Promise<string> {
    const { accountId, repositoryName, digest } = target;
    const sbomDigest = sha256(sbom);
    await this.content.pushBlob(accountId, repositoryName, sha256(EMPTY_CONFIG), EMPTY_CONFIG);
    await this.content.pushBlob(accountId, repositoryName, sbomDigest, sbom);
    const artifact = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: SBOM_ARTIFACT_TYPE,
        config: { mediaType: EMPTY_MEDIA_TYPE, digest: sha256(EMPTY_CONFIG), size: EMPTY_CONFIG.length, data: 'e30=' },
        layers: [{ mediaType: SBOM_ARTIFACT_TYPE, digest: sbomDigest, size: sbom.length }],
        subject: { mediaType, digest, size },
        annotations: {
          'org.opencontainers.image.created': new Date().toISOString(),
          'dev.berth.sbom.generator': 'berth',
        },
      }),
    );
    const artifactDigest = sha256(artifact);
    await this.content.pushManifest(accountId, repositoryName, artifactDigest, OCI_MANIFEST, artifact);
    return artifactDigest;
  }
}
