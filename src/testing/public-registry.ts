// Test helpers for the public registry: the ECR Public API signed for ecr-public, bearer tokens
// from the token endpoint, and pushes and pulls over the public listener as a client does them.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { MediaTypes } from '../domain/media-types.js';
import { callApi } from './api-client.js';
import type { Credentials } from './aws-signer.js';

/** Calls an ECR Public action (or, with `prefix`, a Berth alias action); asserts 200 unless told. */
export async function publicApi(
  app: FastifyInstance,
  action: string,
  input: unknown = {},
  options: { credentials?: Credentials; status?: number; prefix?: string } = {},
): Promise<Record<string, any>> {
  const res = await callApi(app, action, input, {
    target: `${options.prefix ?? 'SpencerFrontendService'}.${action}`,
    service: 'ecr-public',
    ...(options.credentials && { credentials: options.credentials }),
  });
  assert.equal(res.statusCode, options.status ?? 200, `${action}: ${res.body}`);
  return res.json() as Record<string, any>;
}

/** The registry password of ECR Public's GetAuthorizationToken (what `aws ecr-public get-login-password` prints). */
export async function publicPassword(app: FastifyInstance, credentials?: Credentials): Promise<string> {
  const body = await publicApi(app, 'GetAuthorizationToken', {}, credentials ? { credentials } : {});
  return Buffer.from(body.authorizationData.authorizationToken, 'base64').toString('utf8').slice('AWS:'.length);
}

/** A bearer token from the public registry's token endpoint: anonymous, or for a registry password. */
export async function bearerToken(publicUrl: string, scope: string, password?: string): Promise<string> {
  const headers: Record<string, string> = password
    ? { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` }
    : {};
  const res = await fetch(`${publicUrl}/token?service=berth&scope=${encodeURIComponent(scope)}`, { headers });
  assert.equal(res.status, 200, `token: ${res.status} ${await res.clone().text()}`);
  return ((await res.json()) as { token: string }).token;
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Pushes a new single-layer image to <alias>/<name>:<tag> with a bearer token; its manifest digest. */
export async function pushPublicImage(
  publicUrl: string,
  token: string,
  reference: string,
  tag: string,
): Promise<string> {
  const auth = { authorization: `Bearer ${token}` };
  const blob = async (bytes: Buffer) => {
    const digest = sha256(bytes);
    const res = await fetch(`${publicUrl}/v2/${reference}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    assert.equal(res.status, 201, `blob: ${res.status} ${await res.text()}`);
    return { digest, size: bytes.length };
  };
  const config = await blob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [] },
        nonce: randomBytes(6).toString('hex'),
      }),
    ),
  );
  const layer = await blob(randomBytes(512));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    }),
  );
  const res = await fetch(`${publicUrl}/v2/${reference}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': MediaTypes.ociManifest },
    body: manifest,
  });
  assert.equal(res.status, 201, `manifest: ${res.status} ${await res.text()}`);
  return sha256(manifest);
}
