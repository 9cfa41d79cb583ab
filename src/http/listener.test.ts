// Every face over HTTPS, on both protocols a TLS listener speaks: HTTP/2 (a node:http2 client
// offering h2) and HTTP/1.1 (a client offering http/1.1, and one offering nothing). Each protocol
// logs in through the ECR API (SigV4 over the protocol's own host header), pushes monolithic,
// chunked and streamed uploads, reads with HEAD and Range, and puts, lists and deletes a manifest.
import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders as Http2Headers } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signHeaders } from '../testing/aws-signer.js';
import { digestOf, randomBlob } from '../testing/registry-client.js';
import { startBerth, type TestBerth } from '../testing/server.js';
import { MediaTypes } from '../domain/media-types.js';

type Protocol = 'h2' | 'http/1.1';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The protocol ALPN chose. */
  alpn: string | false | undefined;
}

let server: TestBerth;
let ca: Buffer;
let authority: string;
const sessions: ClientHttp2Session[] = [];

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' }, tls: { selfSigned: true } } });
  ca = readFileSync(join(server.dataDir, 'tls', 'ca.crt'));
  authority = new URL(server.url).host;
});
after(async () => {
  for (const session of sessions) session.close();
  await server.close();
});

/** One request; `body` parts are written one by one with no length announced (a streamed body) unless headers give one. */
function send(
  protocol: Protocol,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | Buffer[],
  alpn = true,
): Promise<Answer> {
  const parts = body === undefined ? [] : Array.isArray(body) ? body : [body];
  if (protocol === 'h2') {
    let session = sessions[0];
    if (!session || session.closed || session.destroyed) {
      session = connect(server.url, { ca });
      sessions[0] = session;
    }
    const opened = session;
    return new Promise((resolve, reject) => {
      const stream = opened.request(
        { ':method': method, ':path': path, ...headers },
        { endStream: parts.length === 0 },
      );
      const chunks: Buffer[] = [];
      let responseHeaders: Http2Headers = {};
      stream.on('response', (h) => (responseHeaders = h));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () =>
        resolve({
          status: Number(responseHeaders[':status']),
          headers: responseHeaders,
          body: Buffer.concat(chunks),
          alpn: opened.alpnProtocol,
        }),
      );
      stream.on('error', reject);
      void (async () => {
        for (const part of parts) {
          stream.write(part);
          await new Promise((r) => setTimeout(r, 10));
        }
        if (parts.length > 0) stream.end();
      })();
    });
  }
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers,
        ca,
        agent: false,
        ...(alpn && { ALPNProtocols: ['http/1.1'] }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            alpn: (res.socket as { alpnProtocol?: string | false }).alpnProtocol,
          }),
        );
      },
    );
    req.on('error', reject);
    void (async () => {
      for (const part of parts) {
        req.write(part);
        await new Promise((r) => setTimeout(r, 10));
      }
      req.end();
    })();
  });
}

/** An ECR API call signed for this host; over HTTP/2 the host travels as :authority only. */
async function ecr(
  protocol: Protocol,
  action: string,
  input: object,
): Promise<Answer & { json: Record<string, unknown> }> {
  const body = JSON.stringify(input);
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${action}`,
  };
  const signed = await signHeaders({ method: 'POST', url: '/', host: authority, headers, body }, { service: 'ecr' });
  if (protocol === 'h2') delete signed.host;
  const answer = await send(protocol, 'POST', '/', signed, Buffer.from(body));
  return { ...answer, json: JSON.parse(answer.body.toString('utf8')) as Record<string, unknown> };
}

for (const protocol of ['h2', 'http/1.1'] as const) {
  describe(`over ${protocol}`, () => {
    let auth: Record<string, string>;
    const repo = `tls/${protocol === 'h2' ? 'two' : 'one'}`;

    it('negotiates the protocol and asks for credentials', async () => {
      const anonymous = await send(protocol, 'GET', '/v2/');
      assert.equal(anonymous.alpn, protocol);
      assert.equal(anonymous.status, 401);
      assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm=/);
      assert.equal((await send(protocol, 'GET', '/healthz')).status, 200);
    });

    it('the ECR API signs and answers with https registry URIs', async () => {
      const token = await ecr(protocol, 'GetAuthorizationToken', {});
      assert.equal(token.status, 200, token.body.toString());
      const data = (token.json.authorizationData as { authorizationToken: string; proxyEndpoint: string }[])[0]!;
      assert.equal(data.proxyEndpoint, `https://${authority}`);
      auth = { authorization: `Basic ${data.authorizationToken}` };
      const created = await ecr(protocol, 'CreateRepository', { repositoryName: repo });
      assert.equal(created.status, 200, created.body.toString());
      assert.equal((created.json.repository as { repositoryUri: string }).repositoryUri, `${authority}/${repo}`);
      assert.equal((await send(protocol, 'GET', '/v2/', auth)).status, 200);
    });

    it('uploads: monolithic, chunked with Content-Range, and streamed without a length', async () => {
      const whole = randomBlob(3 * 1024 * 1024 + 17);
      const mono = await send(
        protocol,
        'POST',
        `/v2/${repo}/blobs/uploads/?digest=${digestOf(whole)}`,
        { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(whole.length) },
        whole,
      );
      assert.equal(mono.status, 201, mono.body.toString());

      const chunked = randomBlob(100_000);
      let started = await send(protocol, 'POST', `/v2/${repo}/blobs/uploads/`, auth);
      assert.equal(started.status, 202);
      let location = String(started.headers.location);
      const first = await send(
        protocol,
        'PATCH',
        location,
        { ...auth, 'content-type': 'application/octet-stream', 'content-range': '0-59999', 'content-length': '60000' },
        chunked.subarray(0, 60_000),
      );
      assert.equal(first.status, 202, first.body.toString());
      assert.equal(first.headers.range, '0-59999');
      const outOfOrder = await send(
        protocol,
        'PATCH',
        String(first.headers.location),
        {
          ...auth,
          'content-type': 'application/octet-stream',
          'content-range': '70000-79999',
          'content-length': '10000',
        },
        chunked.subarray(70_000, 80_000),
      );
      assert.equal(outOfOrder.status, 416);
      const second = await send(
        protocol,
        'PATCH',
        String(first.headers.location),
        {
          ...auth,
          'content-type': 'application/octet-stream',
          'content-range': '60000-99999',
          'content-length': '40000',
        },
        chunked.subarray(60_000),
      );
      assert.equal(second.status, 202);
      const done = await send(
        protocol,
        'PUT',
        `${String(second.headers.location)}&digest=${digestOf(chunked)}`.replace(/^([^?]*)&/, '$1?'),
        auth,
      );
      assert.equal(done.status, 201, done.body.toString());

      const streamed = randomBlob(200_000);
      started = await send(protocol, 'POST', `/v2/${repo}/blobs/uploads/`, auth);
      location = String(started.headers.location);
      const parts = [streamed.subarray(0, 50_000), streamed.subarray(50_000, 120_000), streamed.subarray(120_000)];
      const patched = await send(
        protocol,
        'PATCH',
        location,
        { ...auth, 'content-type': 'application/octet-stream' },
        parts,
      );
      assert.equal(patched.status, 202, patched.body.toString());
      assert.equal(patched.headers.range, '0-199999');
      const put = await send(
        protocol,
        'PUT',
        `${String(patched.headers.location)}${String(patched.headers.location).includes('?') ? '&' : '?'}digest=${digestOf(streamed)}`,
        auth,
      );
      assert.equal(put.status, 201, put.body.toString());

      for (const blob of [whole, chunked, streamed]) {
        const head = await send(protocol, 'HEAD', `/v2/${repo}/blobs/${digestOf(blob)}`, auth);
        assert.equal(head.status, 200);
        assert.equal(head.headers['content-length'], String(blob.length));
        assert.equal(head.headers['docker-content-digest'], digestOf(blob));
        assert.equal(head.body.length, 0);
        const got = await send(protocol, 'GET', `/v2/${repo}/blobs/${digestOf(blob)}`, auth);
        assert.equal(got.status, 200);
        assert.ok(got.body.equals(blob), 'the whole blob comes back');
      }
      const ranged = await send(protocol, 'GET', `/v2/${repo}/blobs/${digestOf(whole)}`, {
        ...auth,
        range: 'bytes=1048570-2097160',
      });
      assert.equal(ranged.status, 206);
      assert.equal(ranged.headers['content-range'], `bytes 1048570-2097160/${whole.length}`);
      assert.ok(ranged.body.equals(whole.subarray(1048570, 2097161)));

      // An upload's status, then its cancel; a blob's delete.
      started = await send(protocol, 'POST', `/v2/${repo}/blobs/uploads/`, auth);
      const status = await send(protocol, 'GET', String(started.headers.location), auth);
      assert.equal(status.status, 204);
      assert.equal((await send(protocol, 'DELETE', String(started.headers.location), auth)).status, 204);
      assert.equal((await send(protocol, 'GET', String(started.headers.location), auth)).status, 404);
      assert.equal((await send(protocol, 'DELETE', `/v2/${repo}/blobs/${digestOf(streamed)}`, auth)).status, 202);
      assert.equal((await send(protocol, 'HEAD', `/v2/${repo}/blobs/${digestOf(streamed)}`, auth)).status, 404);
    });

    it('manifests: PUT, GET, HEAD, tags, the ECR image list, DELETE', async () => {
      const config = Buffer.from(
        JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
      );
      const pushed = await send(
        protocol,
        'POST',
        `/v2/${repo}/blobs/uploads/?digest=${digestOf(config)}`,
        { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(config.length) },
        config,
      );
      assert.equal(pushed.status, 201);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaTypes.ociManifest,
          config: { mediaType: MediaTypes.ociConfig, digest: digestOf(config), size: config.length },
          layers: [],
        }),
      );
      const put = await send(
        protocol,
        'PUT',
        `/v2/${repo}/manifests/v1`,
        { ...auth, 'content-type': MediaTypes.ociManifest, 'content-length': String(manifest.length) },
        manifest,
      );
      assert.equal(put.status, 201, put.body.toString());
      assert.equal(put.headers['docker-content-digest'], digestOf(manifest));
      const got = await send(protocol, 'GET', `/v2/${repo}/manifests/v1`, { ...auth, accept: MediaTypes.ociManifest });
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(manifest));
      const head = await send(protocol, 'HEAD', `/v2/${repo}/manifests/v1`, {
        ...auth,
        accept: MediaTypes.ociManifest,
      });
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(manifest.length));
      const tags = await send(protocol, 'GET', `/v2/${repo}/tags/list`, auth);
      assert.deepEqual(JSON.parse(tags.body.toString()), { name: repo, tags: ['v1'] });
      const images = await ecr(protocol, 'DescribeImages', { repositoryName: repo });
      assert.equal(images.status, 200);
      assert.deepEqual(
        (images.json.imageDetails as { imageTags: string[] }[]).map((d) => d.imageTags),
        [['v1']],
      );
      const referrers = await send(protocol, 'GET', `/v2/${repo}/referrers/${digestOf(manifest)}`, auth);
      assert.equal(referrers.status, 200);
      assert.deepEqual((JSON.parse(referrers.body.toString()) as { manifests: unknown[] }).manifests, []);
      const catalog = await send(protocol, 'GET', '/v2/_catalog', auth);
      assert.ok((JSON.parse(catalog.body.toString()) as { repositories: string[] }).repositories.includes(repo));
      // The layer URL the ECR API hands out is https on this host and serves over this protocol.
      const url = await ecr(protocol, 'GetDownloadUrlForLayer', {
        repositoryName: repo,
        layerDigest: digestOf(config),
      });
      assert.equal(url.status, 200, url.body.toString());
      const downloadUrl = new URL(url.json.downloadUrl as string);
      assert.equal(downloadUrl.origin, `https://${authority}`);
      const layer = await send(protocol, 'GET', downloadUrl.pathname + downloadUrl.search);
      assert.equal(layer.status, 200);
      assert.ok(layer.body.equals(config));
      const deleted = await send(protocol, 'DELETE', `/v2/${repo}/manifests/${digestOf(manifest)}`, auth);
      assert.equal(deleted.status, 202);
      assert.equal(
        (await send(protocol, 'GET', `/v2/${repo}/manifests/v1`, { ...auth, accept: MediaTypes.ociManifest })).status,
        404,
      );
    });
  });
}

it('a client that offers no ALPN protocol is served HTTP/1.1', async () => {
  const answer = await send('http/1.1', 'GET', '/healthz', {}, undefined, false);
  assert.equal(answer.status, 200);
  assert.equal(answer.alpn, false);
});
