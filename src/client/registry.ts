// A small client of the registry protocol (/v2) for bundles: manifests, tags, referrers, and
// blobs streamed both ways (a blob's body is piped, never held), with the registry password of
// `berth login` as Basic credentials. node:http rather than fetch: an upload needs its
// Content-Length with a streamed body, and a download its back-pressure.
import type { Agent as HttpAgentType, IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestOf } from '../domain/digest.js';
import type { Descriptor } from '../domain/manifest.js';
import { MediaTypes } from '../domain/media-types.js';
import { readAll } from './tar.js';

// node:http through getBuiltinModule rather than an import: an ES import reads every export of
// the module, and node:http's lazy WebSocket ones load Node's fetch (undici) into the server
// (~2.5 MiB of heap, ~14 MiB of RSS) for nothing.
const { request: httpRequest, Agent: HttpAgent } = process.getBuiltinModule('node:http');

/** A refusal or failure of the registry, said as its error envelope says it. */
export class RegistryProblem extends Error {
  override name = 'RegistryProblem';
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface RegistryConnection {
  /** The registry's origin, e.g. http://127.0.0.1:5000. */
  registry: string;
  /** The Authorization header (Basic AWS:password), absent for an open registry. */
  authorization?: string;
  /** More CAs to trust for https. */
  ca?: (string | Buffer)[];
  /** Headers every request to the registry carries (a replication's Berth-Replication). */
  headers?: Record<string, string>;
}

export const MANIFEST_ACCEPT = [
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
  MediaTypes.dockerManifest,
  MediaTypes.dockerManifestList,
].join(', ');

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

interface Sent {
  headers?: Record<string, string | number>;
  body?: Buffer | Readable;
}

const repoPath = (repository: string) => `/v2/${repository}`;

export class RegistryClient {
  private readonly origin: URL;
  private readonly agent: HttpAgentType | HttpsAgent;

  constructor(private readonly connection: RegistryConnection) {
    this.origin = new URL(connection.registry);
    this.agent =
      this.origin.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, ...(connection.ca && { ca: connection.ca }) })
        : new HttpAgent({ keepAlive: true });
  }

  close(): void {
    this.agent.destroy();
  }

  /** One request; a redirect to another origin (pre-signed storage URLs) goes without the credentials. */
  private async send(method: string, target: string | URL, sent: Sent = {}, hops = 0): Promise<IncomingMessage> {
    const url = new URL(target, this.origin);
    const own = url.origin === this.origin.origin;
    const headers: Record<string, string | number> = { ...(own && this.connection.headers), ...sent.headers };
    if (own && this.connection.authorization) headers.Authorization = this.connection.authorization;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, { method, headers, ...(own && { agent: this.agent }) }, resolve);
      req.on('error', reject);
      if (sent.body instanceof Readable) pipeline(sent.body, req).catch(reject);
      else req.end(sent.body);
    });
    const status = res.statusCode ?? 0;
    if ((method === 'GET' || method === 'HEAD') && [301, 302, 303, 307, 308].includes(status) && hops < 5) {
      res.resume();
      return this.send(method, res.headers.location ?? '', { headers: sent.headers ?? {} }, hops + 1);
    }
    return res;
  }

  /** The response when its status is one of `ok`; else a RegistryProblem from the error envelope. */
  private async expect(res: IncomingMessage, ok: number[], what: string): Promise<IncomingMessage> {
    if (ok.includes(res.statusCode ?? 0)) return res;
    const body = (await readAll(res)).toString('utf8');
    let code: string | undefined;
    let message = body.slice(0, 300);
    try {
      const entry = (JSON.parse(body) as { errors?: { code: string; message: string }[] }).errors?.[0];
      if (entry) ({ code, message } = entry);
    } catch {
      /* not the envelope */
    }
    throw new RegistryProblem(
      `${what}: ${res.statusCode}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
      res.statusCode,
      code,
    );
  }

  /** GET /v2/ : reachable and the credentials are good. */
  async check(): Promise<void> {
    const res = await this.send('GET', '/v2/');
    await this.expect(res, [200], `${this.origin.origin}/v2/`);
    res.resume();
  }

  async manifest(repository: string, reference: string): Promise<FetchedManifest> {
    const what = `manifest ${repository}:${reference}`;
    const res = await this.expect(
      await this.send('GET', `${repoPath(repository)}/manifests/${reference}`, {
        headers: { Accept: MANIFEST_ACCEPT },
      }),
      [200],
      what,
    );
    const bytes = await readAll(res);
    const digest = digestOf(bytes);
    if (reference.includes(':') && reference !== digest)
      throw new RegistryProblem(`${what}: the registry sent bytes of digest ${digest}`);
    const mediaType = String(res.headers['content-type'] ?? '')
      .split(';', 1)[0]!
      .trim();
    return { bytes, mediaType, digest };
  }

  /** Every tag, page after page (the Link header). */
  async tags(repository: string): Promise<string[]> {
    const all: string[] = [];
    for (let next: string | undefined = `${repoPath(repository)}/tags/list?n=1000`; next; ) {
      const res = await this.expect(await this.send('GET', next), [200], `tags of ${repository}`);
      all.push(...((JSON.parse((await readAll(res)).toString('utf8')) as { tags?: string[] }).tags ?? []));
      next = /<([^>]+)>;\s*rel="?next"?/.exec(String(res.headers.link ?? ''))?.[1];
    }
    return all;
  }

  /** The referrers of a manifest (the referrers API). */
  async referrers(repository: string, digest: string): Promise<Descriptor[]> {
    const res = await this.expect(
      await this.send('GET', `${repoPath(repository)}/referrers/${digest}`),
      [200],
      `referrers of ${repository}@${digest}`,
    );
    return (JSON.parse((await readAll(res)).toString('utf8')) as { manifests?: Descriptor[] }).manifests ?? [];
  }

  /** A blob's body, streamed. */
  async blob(repository: string, digest: string): Promise<IncomingMessage> {
    return this.expect(
      await this.send('GET', `${repoPath(repository)}/blobs/${digest}`),
      [200],
      `blob ${repository}@${digest}`,
    );
  }

  private async exists(kind: 'blobs' | 'manifests', repository: string, digest: string): Promise<boolean> {
    const res = await this.send('HEAD', `${repoPath(repository)}/${kind}/${digest}`, {
      ...(kind === 'manifests' && { headers: { Accept: MANIFEST_ACCEPT } }),
    });
    res.resume();
    if (res.statusCode === 404) return false;
    await this.expect(res, [200], `${kind === 'blobs' ? 'blob' : 'manifest'} ${repository}@${digest}`);
    return true;
  }

  hasBlob(repository: string, digest: string): Promise<boolean> {
    return this.exists('blobs', repository, digest);
  }

  hasManifest(repository: string, digest: string): Promise<boolean> {
    return this.exists('manifests', repository, digest);
  }

  /** Uploads `size` bytes from `body` in one PUT (the registry checks the digest as it stores them). */
  async pushBlob(repository: string, digest: string, size: number, body: Readable): Promise<void> {
    const what = `upload of blob ${digest} to ${repository}`;
    const started = await this.expect(
      await this.send('POST', `${repoPath(repository)}/blobs/uploads/`, { headers: { 'Content-Length': 0 } }),
      [202],
      what,
    );
    started.resume();
    const location = new URL(String(started.headers.location ?? ''), this.origin);
    location.searchParams.set('digest', digest);
    const done = await this.expect(
      await this.send('PUT', location, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': size },
        body,
      }),
      [201],
      what,
    );
    done.resume();
  }

  /**
   * A blob in chunks (PATCH with Content-Range, then PUT ?digest=), reading each with `read`.
   * `resume` is the upload URL of an earlier transfer that broke off: the upload continues at the
   * bytes the registry has of it (GET on the upload), or starts again if the registry has no such
   * upload any more. `onLocation` is told the upload URL after each chunk it took, for a resume.
   */
  async pushBlobInChunks(
    repository: string,
    digest: string,
    size: number,
    read: (offset: number, length: number) => Promise<AsyncIterable<Uint8Array>>,
    options: {
      chunkBytes: number;
      resume?: string;
      /** A new upload the registry started (a mount it could not make): sent to from its start. */
      upload?: string;
      onLocation?: (location: string, offset: number) => void | Promise<void>;
    },
  ): Promise<void> {
    const what = `upload of blob ${digest} to ${repository}`;
    let offset = 0;
    const location = options.resume && (await this.uploadOffset(options.resume));
    if (location) offset = location.offset;
    let url = location
      ? location.url
      : options.upload
        ? new URL(options.upload)
        : await this.startUpload(repository, what);
    await options.onLocation?.(url.href, offset);
    while (offset < size) {
      const length = Math.min(options.chunkBytes, size - offset);
      const res = await this.expect(
        await this.send('PATCH', url, {
          headers: {
            'Content-Type': 'application/octet-stream',
            'Content-Length': length,
            'Content-Range': `${offset}-${offset + length - 1}`,
          },
          body: Readable.from(await read(offset, length)),
        }),
        [202],
        what,
      );
      res.resume();
      url = new URL(String(res.headers.location ?? url.href), this.origin);
      offset += length;
      await options.onLocation?.(url.href, offset);
    }
    url.searchParams.set('digest', digest);
    const done = await this.expect(await this.send('PUT', url, { headers: { 'Content-Length': 0 } }), [201], what);
    done.resume();
  }

  /**
   * A cross-repository mount (POST ?mount=<digest>[&from=<repository>]): 'mounted' when the
   * registry linked a blob it has into the repository (201); else the URL of the upload it
   * started instead (202), for the blob to be sent to.
   */
  async mountBlob(repository: string, digest: string, from?: string): Promise<'mounted' | { upload: string }> {
    const query = new URLSearchParams({ mount: digest, ...(from && { from }) });
    const res = await this.expect(
      await this.send('POST', `${repoPath(repository)}/blobs/uploads/?${query}`, { headers: { 'Content-Length': 0 } }),
      [201, 202],
      `mount of blob ${digest} into ${repository}`,
    );
    res.resume();
    if (res.statusCode === 201) return 'mounted';
    return { upload: new URL(String(res.headers.location ?? ''), this.origin).href };
  }

  private async startUpload(repository: string, what: string): Promise<URL> {
    const started = await this.expect(
      await this.send('POST', `${repoPath(repository)}/blobs/uploads/`, { headers: { 'Content-Length': 0 } }),
      [202],
      what,
    );
    started.resume();
    return new URL(String(started.headers.location ?? ''), this.origin);
  }

  /** Where an upload stands (its URL and the bytes the registry has); undefined when it is gone. */
  private async uploadOffset(location: string): Promise<{ url: URL; offset: number } | undefined> {
    const res = await this.send('GET', new URL(location, this.origin));
    res.resume();
    if (res.statusCode !== 204) return undefined;
    const range = /^0-(\d+)$/.exec(String(res.headers.range ?? ''));
    const url = new URL(String(res.headers.location ?? location), this.origin);
    return { url, offset: range ? Number(range[1]) + 1 : 0 };
  }

  async putManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
    const res = await this.expect(
      await this.send('PUT', `${repoPath(repository)}/manifests/${reference}`, {
        headers: { 'Content-Type': mediaType, 'Content-Length': bytes.length },
        body: bytes,
      }),
      [201],
      `manifest ${repository}:${reference}`,
    );
    res.resume();
  }
}
