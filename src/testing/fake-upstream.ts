// A small OCI registry on loopback for the pull-through cache's tests: images added by name and
// tag, every GET counted by path, and answers that can be switched to 429 (a rate-limited
// upstream) for manifests.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MediaTypes } from '../domain/media-types.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface FakeImage {
  digest: string;
  manifest: Buffer;
  config: { digest: string; bytes: Buffer };
  layers: { digest: string; bytes: Buffer }[];
}

export class FakeUpstream {
  /** GETs by path (manifests and blobs), with the status answered. */
  readonly gets: { path: string; status: number }[] = [];
  /** Manifests answer 429 while this is set. */
  limited = false;
  private readonly manifests = new Map<string, Buffer>();
  private readonly blobs = new Map<string, Buffer>();
  private server: Server | undefined;
  host = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?', 1)[0]!;
      const answer = (status: number, headers: Record<string, string | number>, body?: Buffer) => {
        this.gets.push({ path, status });
        res.writeHead(status, headers);
        res.end(body);
      };
      if (path === '/v2/') return answer(200, { 'Content-Type': 'application/json' }, Buffer.from('{}'));
      const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
      if (manifest && this.limited)
        return answer(
          429,
          { 'Content-Type': 'application/json' },
          Buffer.from('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}'),
        );
      const bytes = manifest ? this.manifests.get(`${manifest[1]}:${manifest[2]}`) : undefined;
      if (bytes) return answer(200, { 'Content-Type': MediaTypes.ociManifest, 'Content-Length': bytes.length }, bytes);
      const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
      const blobBytes = blob && this.blobs.get(blob[1]!);
      if (blobBytes)
        return answer(
          200,
          { 'Content-Type': 'application/octet-stream', 'Content-Length': blobBytes.length },
          blobBytes,
        );
      answer(
        404,
        { 'Content-Type': 'application/json' },
        Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"not here"}]}'),
      );
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Adds an image of random layers of `sizes` as `name:tag` (and by digest). */
  add(name: string, tag: string, sizes: number[]): FakeImage {
    const layers = sizes.map((size) => {
      const bytes = randomBytes(size);
      return { digest: sha256(bytes), bytes };
    });
    const configBytes = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', seed: randomBytes(8).toString('hex') }),
    );
    const config = { digest: sha256(configBytes), bytes: configBytes };
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: config.digest, size: configBytes.length },
        layers: layers.map((l) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: l.digest,
          size: l.bytes.length,
        })),
      }),
    );
    const digest = sha256(manifest);
    this.manifests.set(`${name}:${tag}`, manifest);
    this.manifests.set(`${name}:${digest}`, manifest);
    for (const blob of [config, ...layers]) this.blobs.set(blob.digest, blob.bytes);
    return { digest, manifest, config, layers };
  }

  /** How many GETs of `path` were answered 200. */
  served(path: string): number {
    return this.gets.filter((g) => g.path === path && g.status === 200).length;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
