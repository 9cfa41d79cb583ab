// What the console shows of an image beyond its record, read through the registry's services as
// the signed-in identity: its platforms (an index's children, or an image's config os/arch), its
// config and history, and its scan summary for the images list.
import type { ImageScan } from '../../domain/records/scanning.js';
import type { Repository } from '../../domain/records/repositories.js';
import type { RequestContext } from '../../domain/request-context.js';
import type { DescribedImage } from '../../registry/images.js';
import { bytesOf } from '../../registry/replication-copy.js';
import { severityCounts } from '../../scanning/findings.js';
import type { ConsoleOptions } from './plugin.js';

/** A config larger than this is not shown (a runaway artifact config). */
const CONFIG_MAX = 256 * 1024;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageConfig {
  text: string;
  platform?: Platform;
  history: { created?: string; createdBy?: string; comment?: string; emptyLayer?: boolean }[];
}

interface Parsed {
  manifests?: { digest: string; mediaType?: string; size?: number; platform?: Platform; artifactType?: string }[];
  config?: { digest: string; mediaType?: string; size?: number };
  layers?: { digest: string; size: number; mediaType: string }[];
}

export const platformText = (p: Platform | undefined) =>
  p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : '';

const IMAGE_CONFIG_TYPES = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

export function parseManifest(text: string): Parsed {
  try {
    const parsed = JSON.parse(text) as Parsed;
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/** The image's config, when it is an image config and readable by the caller. */
export async function readConfig(
  options: ConsoleOptions,
  ctx: RequestContext,
  name: string,
  manifest: Parsed,
): Promise<ImageConfig | undefined> {
  const config = manifest.config;
  if (!config || typeof config.digest !== 'string' || !IMAGE_CONFIG_TYPES.has(config.mediaType ?? '')) return undefined;
  if ((config.size ?? 0) > CONFIG_MAX) return undefined;
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of bytesOf(await options.services.blobs.open(ctx, name, config.digest))) {
      size += chunk.length;
      if (size > CONFIG_MAX) return undefined;
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const parsed = JSON.parse(text) as {
      os?: string;
      architecture?: string;
      variant?: string;
      history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
    };
    return {
      text,
      ...(typeof parsed.os === 'string' &&
        typeof parsed.architecture === 'string' && {
          platform: {
            os: parsed.os,
            architecture: parsed.architecture,
            ...(typeof parsed.variant === 'string' && { variant: parsed.variant }),
          },
        }),
      history: (Array.isArray(parsed.history) ? parsed.history : []).map((h) => ({
        ...(typeof h.created === 'string' && { created: h.created }),
        ...(typeof h.created_by === 'string' && { createdBy: h.created_by }),
        ...(typeof h.comment === 'string' && { comment: h.comment }),
        ...(h.empty_layer === true && { emptyLayer: true }),
      })),
    };
  } catch {
    return undefined; // not allowed to read layers, or not JSON: no config shown
  }
}

/** The platforms of each image of a page (an index's children; an image's config), by digest. */
export async function platformsOf(
  options: ConsoleOptions,
  ctx: RequestContext,
  repository: Repository,
  images: DescribedImage[],
): Promise<Map<string, string[]>> {
  const name = repository.name;
  const out = new Map<string, string[]>();
  await Promise.all(
    images.map(async (image) => {
      try {
        const manifest = parseManifest((await options.services.manifests.bytes(repository, image)).toString('utf8'));
        if (Array.isArray(manifest.manifests)) {
          out.set(
            image.digest,
            manifest.manifests.map((m) => platformText(m.platform)).filter((p) => p && p !== 'unknown/unknown'),
          );
          return;
        }
        const config = await readConfig(options, ctx, name, manifest);
        if (config?.platform) out.set(image.digest, [platformText(config.platform)]);
      } catch {
        /* shown as unknown */
      }
    }),
  );
  return out;
}

/** An image's scan in a word or two: its state, and when complete its findings by severity. */
export function scanLabel(scan: ImageScan): string {
  if (scan.status !== 'COMPLETE') return scan.status.replace('_', ' ').toLowerCase();
  if (scan.findings.length === 0) return 'no findings';
  const counts = severityCounts(scan.findings);
  return SEVERITIES.filter((s) => counts[s])
    .map((s) => `${counts[s]} ${s.toLowerCase()}`)
    .join(', ');
}

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;
