// Image scanning, built once: the scan service (the ECR actions, and scan on push as a push
// listener), the scanner reading images through the registry's services as the account's own
// root (so encrypted blobs read as stored, and the SBOM goes through the push path), and the
// worker that runs the scans asked for, on every node.
import type { EventOutboxService } from '../events/outbox.js';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { ImageContent } from '../domain/image-content.js';
import { accountContext, bytesOf } from '../registry/replication-copy.js';
import type { BlobContent } from '../registry/blobs.js';
import type { RegistryServices } from '../registry/services.js';
import type { RepositoryAccess } from '../registry/access.js';
import { storeLookup } from '../scanning/advisories.js';
import { DEFAULT_PACING, ScanPacer } from '../scanning/pacing.js';
import { ScanService } from '../scanning/scan-service.js';
import { Scanner } from '../scanning/scanner.js';
import { ScanWorker } from '../scanning/scan-worker.js';
import type { RegistryParts } from './registry-parts.js';

export interface ScanningWiring {
  readonly service: ScanService;
  readonly worker: ScanWorker;
  /** Slows this node's scans while pushes arrive. */
  readonly pacer: ScanPacer;
}

const SCAN_READ = 1024 * 1024;

/**
 * A blob's bytes as the scanner reads them: a file is read into two buffers in turn, each piece
 * valid until the next but one is asked for (LayerSource.open; the layer walk copies what it
 * keeps), so a large image's scan leaves no megabyte of garbage per read for the collector.
 */
async function* scanReads(blob: BlobContent): AsyncIterable<Uint8Array> {
  const { body } = blob;
  if (body.kind !== 'file') {
    yield* bytesOf(blob);
    return;
  }
  const buffers = [Buffer.allocUnsafe(SCAN_READ), Buffer.allocUnsafe(SCAN_READ)];
  try {
    for (let position = 0, turn = 0; position < body.file.size; turn ^= 1) {
      const buffer = buffers[turn]!.subarray(0, Math.min(SCAN_READ, body.file.size - position));
      const n = await body.file.read(buffer, position);
      if (n === 0) break;
      position += n;
      yield buffer.subarray(0, n);
    }
  } finally {
    await body.file.close();
  }
}

/** The account's images as the scanner reads and writes them, through the registry's services. */
export function imageContent(services: Pick<RegistryServices, 'manifests' | 'blobs' | 'uploads'>): ImageContent {
  return {
    async manifest(accountId, repositoryName, digest) {
      try {
        const { bytes, mediaType } = await services.manifests.get(accountContext(accountId), repositoryName, digest);
        return { bytes, mediaType };
      } catch {
        return undefined;
      }
    },
    async *blob(accountId, repositoryName, digest) {
      yield* scanReads(await services.blobs.openThrough(accountContext(accountId), repositoryName, digest));
    },
    async pushBlob(accountId, repositoryName, digest, bytes) {
      const ctx = accountContext(accountId);
      if ((await services.blobs.sizes(ctx, repositoryName, [digest])).has(digest)) return;
      await services.uploads.start(ctx, repositoryName, {
        digest,
        chunk: {
          body: (async function* () {
            yield bytes;
          })(),
        },
      });
    },
    async pushManifest(accountId, repositoryName, digest, mediaType, bytes) {
      await services.manifests.put(accountContext(accountId), repositoryName, digest, bytes, mediaType);
    },
  };
}

export function wireScanning(
  config: Config,
  parts: RegistryParts,
  services: RegistryServices,
  access: RepositoryAccess,
  log: Pick<Logger, 'warn'>,
  events?: Pick<EventOutboxService, 'imageScanned'>,
): ScanningWiring {
  const { store } = parts;
  let worker: ScanWorker | undefined;
  const service = new ScanService(store, access, () => worker?.wake());
  parts.pushListeners.push(service);
  // Every stored push, scanned or not, makes this node's scans read in short turns for a while.
  const pacer = new ScanPacer({ activeMs: config.scanning.settleMilliseconds, ...DEFAULT_PACING });
  parts.pushListeners.push({ name: 'scan-pacing', pushed: async () => pacer.pushed() });
  const scanner = new Scanner(imageContent(services), storeLookup(store), {
    maxFileBytes: config.scanning.maxFileMegabytes * 1024 * 1024,
    maxJarBytes: config.scanning.maxJarMegabytes * 1024 * 1024,
    maxBinaryBytes: 512 * 1024 * 1024,
    advisoriesAt: () => store.scanning.advisoriesImportedAt(),
    pacer,
  });
  worker = new ScanWorker(store, scanner, {
    node: parts.uploadOptions.node,
    leaseMs: config.scanning.leaseSeconds * 1000,
    pollMs: config.scanning.pollMilliseconds,
    settleMs: config.scanning.settleMilliseconds,
    maxDeferMs: 10_000,
    onError: (err, scan) =>
      log.warn({ err, repository: scan.repositoryName, digest: scan.digest }, 'an image scan failed'),
    // "ECR Image Scan" events, for a scan that completed or failed (not for an unsupported image).
    ...(events && {
      events: async (scan, status, findings) => {
        if (status !== 'COMPLETE' && status !== 'FAILED') return [];
        const repository = await store.repositories.get(scan.accountId, scan.repositoryName);
        const tags = repository ? ((await store.images.get(repository.id, [scan.digest]))[0]?.tags ?? []) : [];
        const findingSeverityCounts: Record<string, number> = {};
        for (const finding of findings)
          findingSeverityCounts[finding.severity] = (findingSeverityCounts[finding.severity] ?? 0) + 1;
        return events.imageScanned(scan.accountId, {
          repositoryName: scan.repositoryName,
          digest: scan.digest,
          tags,
          scanStatus: status,
          findingSeverityCounts,
        });
      },
    }),
  });
  return { service, worker, pacer };
}
