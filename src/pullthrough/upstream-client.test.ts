// The upstream client against small registries on loopback: the Bearer token flow (a 401's
// WWW-Authenticate challenge, the token service asked with the Basic credentials, the token kept
// per scope), Basic, a manifest whose bytes are not its digest, and an upstream that does not
// answer in time (unavailable: the cache serves what it has).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { UpstreamError } from '../domain/upstream-source.js';
import { UpstreamClient } from './upstream-client.js';
import { ClientRepository } from './upstream-repository.js';

const servers: Server[] = [];
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const MANIFEST = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }),
);
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the upstream client', () => {
  test('the Bearer token flow: challenge, token asked with the credentials, kept per scope', async () => {
    const tokenAsks: string[] = [];
    let host = '';
    host = await serve((req, res) => {
      const url = new URL(req.url!, `http://${host}`);
      if (url.pathname === '/token') {
        assert.equal(req.headers.authorization, basic('u', 'p'), 'the token service gets the credentials');
        tokenAsks.push(url.searchParams.get('scope')!);
        assert.equal(url.searchParams.get('service'), 'upstream.test');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ token: `t-${url.searchParams.get('scope')}`, expires_in: 300 }));
        return;
      }
      const scope = `repository:${url.pathname.split('/').slice(2, -2).join('/')}:pull`;
      if (req.headers.authorization !== `Bearer t-${scope}`) {
        res.writeHead(401, {
          'WWW-Authenticate': `Bearer realm="http://${host}/token",service="upstream.test",scope="${scope}"`,
        });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json' });
      res.end(MANIFEST);
    });
    const client = new UpstreamClient(`http://${host}`, { username: 'u', password: 'p' }, { timeoutMs: 2000 });
    try {
      const alpine = new ClientRepository(client, host, 'library/alpine', 'hub');
      for (let i = 0; i < 3; i++) {
        const manifest = await alpine.manifest('3');
        assert.equal(manifest.digest, DIGEST);
        assert.equal(manifest.mediaType, 'application/vnd.oci.image.index.v1+json');
      }
      await new ClientRepository(client, host, 'library/busybox', 'hub').manifest(DIGEST);
      assert.deepEqual(tokenAsks, ['repository:library/alpine:pull', 'repository:library/busybox:pull']);
    } finally {
      client.close();
    }
  });

  test('Basic: the credentials go with the request once the upstream asks', async () => {
    const host = await serve((req, res) => {
      if (req.headers.authorization !== basic('u', 'p')) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json' });
      res.end(MANIFEST);
    });
    const client = new UpstreamClient(`http://${host}`, { username: 'u', password: 'p' }, { timeoutMs: 2000 });
    const anonymous = new UpstreamClient(`http://${host}`, undefined, { timeoutMs: 2000 });
    try {
      assert.equal((await new ClientRepository(client, host, 'a/b', 'x').manifest('v')).digest, DIGEST);
      await assert.rejects(
        new ClientRepository(anonymous, host, 'a/b', 'x').manifest('v'),
        (err: unknown) => err instanceof UpstreamError && err.status === 401 && !err.unavailable,
      );
    } finally {
      client.close();
      anonymous.close();
    }
  });

  test('bytes that are not the digest asked for are refused; a silent upstream is unavailable', async () => {
    const host = await serve((req, res) => {
      if (req.url!.includes('/slow/')) return; // never answers
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json' });
      res.end(MANIFEST);
    });
    const client = new UpstreamClient(`http://${host}`, undefined, { timeoutMs: 300 });
    try {
      const other = `sha256:${'0'.repeat(64)}`;
      await assert.rejects(new ClientRepository(client, host, 'a/b', 'x').manifest(other), /digest/);
      const started = Date.now();
      await assert.rejects(
        new ClientRepository(client, host, 'slow/b', 'x').manifest('v'),
        (err: unknown) => err instanceof UpstreamError && err.unavailable,
      );
      assert.ok(Date.now() - started < 2000, 'refused within the timeout');
    } finally {
      client.close();
    }
  });
});
