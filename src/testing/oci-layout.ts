// Builds real OCI image layouts on disk for client tests: gzip-compressed tar layers made by
// the system's tar, a real image config, single images and multi-platform indexes.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaTypes } from '../domain/media-types.js';
import type { Descriptor } from '../domain/manifest.js';

export interface Platform {
  architecture: string;
  os: string;
}

export class OciLayout {
  readonly dir: string;
  private readonly refs: { descriptor: Descriptor; ref: string }[] = [];

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  /** Writes a blob; returns its descriptor. */
  addBlob(bytes: Buffer, mediaType: string): Descriptor {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(this.dir, 'blobs', 'sha256', hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  }

  readBlob(digest: string): Buffer {
    return readFileSync(join(this.dir, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
  }

  /** A gzipped tar holding one file of `size` random bytes. */
  addLayer(size: number): Descriptor {
    const work = mkdtempSync(join(tmpdir(), 'berth-layer-'));
    try {
      mkdirSync(join(work, 'root', 'data'), { recursive: true });
      writeFileSync(join(work, 'root', 'data', `file-${randomBytes(4).toString('hex')}`), randomBytes(size));
      execFileSync('tar', ['-czf', join(work, 'layer.tar.gz'), '-C', join(work, 'root'), '.']);
      return this.addBlob(readFileSync(join(work, 'layer.tar.gz')), 'application/vnd.oci.image.layer.v1.tar+gzip');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** An image manifest with `layerSizes.length` layers; returns the manifest's descriptor. */
  addImage(layerSizes: number[], platform: Platform = { architecture: 'amd64', os: 'linux' }): Descriptor {
    const layers = layerSizes.map((size) => this.addLayer(size));
    const config = {
      created: '2026-01-01T00:00:00Z',
      architecture: platform.architecture,
      os: platform.os,
      config: { Env: ['PATH=/usr/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map(() => `sha256:${randomBytes(32).toString('hex')}`) },
      history: layers.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `layer ${i}` })),
    };
    const configDescriptor = this.addBlob(Buffer.from(JSON.stringify(config)), MediaTypes.ociConfig);
    const manifest = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: configDescriptor, layers };
    return { ...this.addBlob(Buffer.from(JSON.stringify(manifest)), MediaTypes.ociManifest), platform };
  }

  /** A multi-platform index over one image per platform. */
  addIndex(platforms: Platform[], layerSizes: number[]): Descriptor {
    const manifests = platforms.map((p) => this.addImage(layerSizes, p));
    const index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests };
    return this.addBlob(Buffer.from(JSON.stringify(index)), MediaTypes.ociIndex);
  }

  /** Names a manifest in index.json so `oci:<dir>:<ref>` finds it. */
  tag(descriptor: Descriptor, ref: string): void {
    const { platform: _platform, ...plain } = descriptor;
    this.refs.push({ descriptor: plain, ref });
    const index = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: this.refs.map(({ descriptor: d, ref: r }) => ({
        ...d,
        annotations: { 'org.opencontainers.image.ref.name': r },
      })),
    };
    writeFileSync(join(this.dir, 'index.json'), JSON.stringify(index));
  }
}
