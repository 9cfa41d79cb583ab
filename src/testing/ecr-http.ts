// Test helpers for the ECR API: an SDK client signed with a test key, and the registry protocol
// over fetch with the Basic login that GetAuthorizationToken gives (as docker login does).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { GetAuthorizationTokenCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { MediaTypes } from '../domain/media-types.js';
import { sha256 } from './ecr.js';

export { ecrClient } from './ecr.js';

/** Calls `run` expecting the API to refuse with exception `name`; returns the error. */
export async function refused(
  run: Promise<unknown>,
  name: string,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await run;
  } catch (err) {
    assert.equal((err as Error).name, name, `expected ${name}, got ${(err as Error).name}: ${(err as Error).message}`);
    assert.ok((err as Error).message.length > 0, 'an exception carries a message');
    return err as Error;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

/** The registry protocol (/v2) as a logged-in client speaks it. */
export class RegistryHttp {
  private constructor(
    readonly url: string,
    private readonly authorization: string,
  ) {}

  /** Logs in the way `docker login` with `aws ecr get-login-password` does. */
  static async login(url: string, client: ECRClient): Promise<RegistryHttp> {
    const { authorizationData } = await client.send(new GetAuthorizationTokenCommand({}));
    const token = authorizationData?.[0]?.authorizationToken;
    assert.ok(token);
    return new RegistryHttp(url, `Basic ${token}`);
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      ...init,
      headers: { authorization: this.authorization, ...(init.headers as Record<string, string> | undefined) },
    });
  }

  async blob(name: string, data: Buffer): Promise<{ mediaType: string; digest: string; size: number }> {
    const digest = sha256(data);
    const res = await this.fetch(`/v2/${name}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    assert.equal(res.status, 201, `blob ${name}: ${res.status} ${await res.text()}`);
    return { mediaType: MediaTypes.ociConfig, digest, size: data.length };
  }

  /** A new image manifest (its config and one layer pushed first): its bytes and digest. */
  async image(name: string): Promise<{ bytes: Buffer; digest: string }> {
    const config = await this.blob(
      name,
      Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') })),
    );
    const layer = {
      ...(await this.blob(name, randomBytes(64))),
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    };
    const bytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [layer] }),
    );
    return { bytes, digest: sha256(bytes) };
  }

  putManifest(name: string, reference: string, bytes: Buffer): Promise<Response> {
    return this.fetch(`/v2/${name}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': MediaTypes.ociManifest },
      body: bytes,
    });
  }

  /** Pushes a new image under `tag`; asserts 201. */
  async push(name: string, tag: string): Promise<{ bytes: Buffer; digest: string }> {
    const image = await this.image(name);
    const res = await this.putManifest(name, tag, image.bytes);
    assert.equal(res.status, 201, `push ${name}:${tag}: ${res.status} ${await res.text()}`);
    return image;
  }

  /** The digest a tag points at, or the status when it does not resolve. */
  async resolve(name: string, tag: string): Promise<string | number> {
    const res = await this.fetch(`/v2/${name}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: MediaTypes.ociManifest },
    });
    return res.status === 200 ? res.headers.get('docker-content-digest')! : res.status;
  }
}
