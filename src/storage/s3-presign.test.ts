// Pre-signed GET URLs: the same URL, byte for byte, as the AWS SDK's own SigV4 signer makes for
// the object (so any S3 that checks signatures accepts it), in path style and virtual-hosted style.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presignUrl } from '../testing/aws-signer.js';
import type { S3Settings } from './s3-client.js';
import { presignGetUrl } from './s3-presign.js';

const settings: S3Settings = {
  endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', bucket: 'berth', prefix: '', forcePathStyle: true,
  accessKeyId: '', secretAccessKey: '', sessionToken: '', serverSideEncryption: 'AES256', kmsKeyId: '', partSize: 5 << 20, bufferDir: '/tmp',
};
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const date = new Date('2026-12-03T06:00:00Z');
const key = 'tenant/blobs/sha256/ab/ab12/store-encrypted';

/** Origin, path and the sorted query parameters: the order of parameters in a URL is not signed. */
function parts(url: string): [string, string[][]] {
  const parsed = new URL(url);
  return [`${parsed.origin}${parsed.pathname}`, [...parsed.searchParams.entries()].sort()];
}

describe('presignGetUrl', () => {
  it('signs a path-style GET exactly as the SDK signer does', async () => {
    const url = presignGetUrl(settings, credentials, key, 1200, date);
    const expected = await presignUrl(
      { method: 'GET', url: `/berth/${key}`, host: '127.0.0.1:9000', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } },
      { credentials, region: 'eu-west-1', service: 's3', date, expiresIn: 1200 },
    );
    assert.deepEqual(parts(url), parts(`http://127.0.0.1:9000${expected}`));
    assert.match(url, /X-Amz-Expires=1200&/);
  });

  it('signs a virtual-hosted GET with a session token, and a different key or time gives another signature', async () => {
    const withToken = { ...credentials, sessionToken: 'token/with+chars=' };
    const virtual = { ...settings, endpoint: '', forcePathStyle: false };
    const url = presignGetUrl(virtual, withToken, key, 60, date);
    const expected = await presignUrl(
      { method: 'GET', url: `/${key}`, host: 'berth.s3.eu-west-1.amazonaws.com', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } },
      { credentials: withToken, region: 'eu-west-1', service: 's3', date, expiresIn: 60 },
    );
    assert.deepEqual(parts(url), parts(`https://berth.s3.eu-west-1.amazonaws.com${expected}`));
    const signature = (u: string) => new URL(u).searchParams.get('X-Amz-Signature');
    assert.notEqual(signature(presignGetUrl(virtual, withToken, `${key}x`, 60, date)), signature(url));
    assert.notEqual(signature(presignGetUrl(virtual, withToken, key, 60, new Date(date.getTime() + 1000))), signature(url));
  });
});
