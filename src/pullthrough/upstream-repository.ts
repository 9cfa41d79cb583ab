// One upstream repository through its registry's client: a manifest by tag or digest (with an
// Accept of every manifest type; the bytes' digest checked against a digest reference), and a
// blob streamed as it arrives.
import type { IncomingMessage } from 'node:http';
import { digestOf } from '../domain/digest.js';
import { MediaTypes } from '../domain/media-types.js';
import {
  type UpstreamBlob,
  UpstreamError,
  type UpstreamManifest,
  type UpstreamRepository,
} from '../domain/upstream-source.js';
import { readBody, type UpstreamClient } from './upstream-client.js';

export const MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifestList,
  MediaTypes.dockerManifest,
  MediaTypes.dockerSchema1Signed,
  MediaTypes.dockerSchema1,
].join(', ');

export class ClientRepository implements UpstreamRepository {
  readonly location: string;

  constructor(
    private readonly client: UpstreamClient,
    host: string,
    private readonly name: string,
    readonly rulePrefix: string,
  ) {
    this.location = `${host}/${name}`;
  }

  private get scope(): string {
    return `repository:${this.name}:pull`;
  }

  async manifest(reference: string): Promise<UpstreamManifest> {
    const what = `${this.location}:${reference}`;
    const res = await this.client.send(
      'GET',
      `/v2/${this.name}/manifests/${reference}`,
      { Accept: MANIFEST_ACCEPT },
      this.scope,
    );
    if (res.statusCode !== 200) throw await refusal(res, `manifest ${what}`);
    const bytes = await readBody(res);
    const algorithm = reference.startsWith('sha512:') ? 'sha512' : 'sha256';
    const digest = digestOf(bytes, algorithm);
    if (reference.includes(':') && reference !== digest)
      throw new UpstreamError(`the upstream sent bytes of digest ${digest} for ${what}`, 502);
    const mediaType = String(res.headers['content-type'] ?? '')
      .split(';', 1)[0]!
      .trim();
    return { bytes, mediaType, digest };
  }

  async blob(digest: string): Promise<UpstreamBlob> {
    const res = await this.client.send('GET', `/v2/${this.name}/blobs/${digest}`, {}, this.scope);
    if (res.statusCode !== 200) throw await refusal(res, `blob ${this.location}@${digest}`);
    const size = Number(res.headers['content-length']);
    if (!Number.isSafeInteger(size) || size < 0) {
      res.destroy();
      throw new UpstreamError(`the upstream sent blob ${this.location}@${digest} without its length`, 502);
    }
    // The response itself: its iterator destroys it (closing the connection) when broken off.
    return { size, chunks: res };
  }

  async referrers(digest: string): Promise<string[]> {
    const res = await this.client.send(
      'GET',
      `/v2/${this.name}/referrers/${digest}`,
      { Accept: MediaTypes.ociIndex },
      this.scope,
    );
    // A registry without the referrers API (Distribution 2.8) answers 404: no referrers to cache.
    if (res.statusCode === 404) {
      res.resume();
      return [];
    }
    if (res.statusCode !== 200) throw await refusal(res, `referrers of ${this.location}@${digest}`);
    const index = JSON.parse((await readBody(res)).toString('utf8')) as { manifests?: { digest?: unknown }[] };
    return (index.manifests ?? []).map((m) => m.digest).filter((d): d is string => typeof d === 'string');
  }
}

/** The upstream's answer as an UpstreamError: its status, and its error envelope's code and message. */
async function refusal(res: IncomingMessage, what: string): Promise<UpstreamError> {
  const status = res.statusCode ?? 0;
  let detail = '';
  try {
    const body = (await readBody(res, 64 * 1024)).toString('utf8');
    const entry = (JSON.parse(body) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
    detail = entry ? `${entry.code ?? ''}${entry.message ? ` ${entry.message}` : ''}`.trim() : body.slice(0, 200);
  } catch {
    /* no body, or not the envelope */
  }
  return new UpstreamError(`the upstream answered ${status}${detail ? ` (${detail})` : ''} for ${what}`, status);
}
