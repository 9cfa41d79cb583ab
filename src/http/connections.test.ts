// What a client can hold over raw sockets: a body the server must not take before it knows the
// caller may send it (manifest PUT, the AWS JSON POST /), connections where nothing moves (closed
// after http.idleTimeoutSeconds, while a slow transfer that keeps moving is not), headers that
// never end, connections over the per-address limit, and a client that resets its connection
// right after its request.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { basicAuth, registryPassword } from '../testing/api-client.js';
import { digestOf, randomBlob } from '../testing/registry-client.js';
import { startBerth, type TestBerth } from '../testing/server.js';

interface RawAnswer {
  /** What the server sent before it closed the connection (or before `waitMs`). */
  text: string;
  /** Whether the server closed the connection. */
  closed: boolean;
  /** Milliseconds from connecting to the close (or to giving up). */
  ms: number;
}

/** Connects, writes `head` (and `body`), and collects what comes back until the server closes or `waitMs` passes. */
function raw(port: number, head: string, options: { body?: Buffer; waitMs: number }): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (options.body) socket.write(options.body);
    });
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.waitMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
  });
}

function statusOf(answer: RawAnswer): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer.text)?.[1] ?? 0);
}

const FOUR_MIB = 4 * 1024 * 1024;

describe('bodies and stalls', () => {
  let server: TestBerth;
  let port: number;
  let password: string;

  before(async () => {
    server = await startBerth({
      settings: { auth: { mode: 'iam' }, http: { idleTimeoutSeconds: 1, headersTimeoutSeconds: 2 } },
    });
    port = Number(new URL(server.url).port);
    password = await registryPassword(server.berth.app);
  });
  after(() => server.close());

  it('an anonymous manifest PUT is refused with 401 before its body is sent, and the connection closed', async () => {
    const answer = await raw(
      port,
      `PUT /v2/held/app/manifests/latest HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: ${FOUR_MIB}\r\n\r\n`,
      { body: Buffer.from('{"schemaVersion":'), waitMs: 5000 },
    );
    assert.equal(statusOf(answer), 401, answer.text);
    assert.match(answer.text, /WWW-Authenticate: Basic realm="Berth"/i);
    assert.match(answer.text, /Connection: close/i);
    assert.ok(answer.closed, 'the server closes the connection instead of reading the rest');
  });

  it('an unsigned POST / (AWS JSON) is refused before its body is sent', async () => {
    const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonEC2ContainerRegistry_V20150921.DescribeRepositories\r\nContent-Length: ${FOUR_MIB}\r\n\r\n`;
    const answer = await raw(port, head, { body: Buffer.from('{"a":'), waitMs: 5000 });
    assert.equal(statusOf(answer), 403, answer.text);
    assert.match(answer.text, /MissingAuthenticationTokenException/);
    assert.ok(answer.closed, 'closed instead of reading the body');
  });

  it('a POST / signed by an access key that does not exist is refused before its body is sent', async () => {
    const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const authorization = `AWS4-HMAC-SHA256 Credential=AKIAAAAAAAAAAAAAAAAA/${date.slice(0, 8)}/us-east-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
    const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonEC2ContainerRegistry_V20150921.DescribeRepositories\r\nX-Amz-Date: ${date}\r\nAuthorization: ${authorization}\r\nContent-Length: ${FOUR_MIB}\r\n\r\n`;
    const answer = await raw(port, head, { waitMs: 5000 });
    assert.equal(statusOf(answer), 400, answer.text);
    assert.match(answer.text, /UnrecognizedClientException/);
    assert.ok(answer.closed, 'closed instead of reading the body');
  });

  it('a logged-in manifest PUT whose body stalls is closed after the idle timeout', async () => {
    const head = `PUT /v2/held/app/manifests/latest HTTP/1.1\r\nHost: x\r\nAuthorization: ${basicAuth(password)}\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 100000\r\n\r\n`;
    const answer = await raw(port, head, { body: Buffer.from('{"schemaVersion":2,'), waitMs: 6000 });
    assert.ok(answer.closed, 'closed by the server');
    assert.ok(answer.ms >= 900 && answer.ms < 4000, `after about a second: ${answer.ms} ms`);
  });

  it('headers that never end are closed after the headers timeout', async () => {
    const answer = await raw(port, 'GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Slow: ', { waitMs: 8000 });
    // Bytes trickle in no more: the idle timeout (1 s) or the headers timeout (2 s) closes it.
    assert.ok(answer.closed, 'closed by the server');
    assert.ok(answer.ms < 4000, `${answer.ms} ms`);
  });

  it('an upload that keeps moving slowly for longer than the idle timeout completes', async () => {
    const start = await fetch(`${server.url}/v2/held/slow/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: basicAuth(password) },
    });
    assert.equal(start.status, 202);
    const location = start.headers.get('location')!;
    const data = randomBlob(12 * 1024);
    const parts = 8;
    const size = data.length / parts;
    const answer = await new Promise<RawAnswer>((resolve) => {
      const started = Date.now();
      const chunks: Buffer[] = [];
      const socket: Socket = connect(port, '127.0.0.1', async () => {
        socket.write(
          `PATCH ${location} HTTP/1.1\r\nHost: x\r\nAuthorization: ${basicAuth(password)}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${data.length}\r\nConnection: close\r\n\r\n`,
        );
        for (let i = 0; i < parts; i++) {
          await sleep(400); // 3.2 s in all, each pause shorter than the 1 s idle timeout
          socket.write(data.subarray(i * size, (i + 1) * size));
        }
      });
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', () => {});
      socket.on('close', () =>
        resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true, ms: Date.now() - started }),
      );
    });
    assert.equal(statusOf(answer), 202, answer.text);
    assert.ok(answer.ms > 3000, `${answer.ms} ms`);
    const done = await fetch(`${server.url}${location}${location.includes('?') ? '&' : '?'}digest=${digestOf(data)}`, {
      method: 'PUT',
      headers: { authorization: basicAuth(password) },
    });
    assert.equal(done.status, 201, await done.text());
  });
});

describe('connections per address', () => {
  let server: TestBerth;
  let port: number;
  const statuses: { url: string; status: number }[] = [];

  before(async () => {
    server = await startBerth({ settings: { http: { maxConnectionsPerAddress: 4 } } });
    port = Number(new URL(server.url).port);
    server.berth.app.server.on('request', (req, res) =>
      res.on('close', () => statuses.push({ url: req.url ?? '', status: res.statusCode })),
    );
  });
  after(() => server.close());

  it('refuses connections over the limit with 503, and takes new ones once others close', async () => {
    const held: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      held.push(
        await new Promise<Socket>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
        }),
      );
    }
    await sleep(100);
    const refused = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: 3000 });
    assert.equal(statusOf(refused), 503, refused.text);
    assert.ok(refused.closed);
    assert.equal(statuses.filter((s) => s.url === '/healthz').length, 0, 'the refused connection served nothing');
    const metrics = async () => await (await fetch(`${server.url}/metrics`)).text();
    held.pop()!.destroy();
    await sleep(100);
    const text = await metrics();
    assert.match(text, /^berth_connections_refused_total [1-9]/m, text);
    for (const socket of held) socket.destroy();
    await sleep(100);
    const served = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { waitMs: 3000 });
    assert.equal(statusOf(served), 200, served.text);
  });
});

describe('clients that reset', () => {
  let server: TestBerth;
  let port: number;
  const statuses: { url: string; status: number }[] = [];

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' } } });
    port = Number(new URL(server.url).port);
    server.berth.app.server.on('request', (req, res) =>
      res.on('close', () => statuses.push({ url: req.url ?? '', status: res.statusCode })),
    );
  });
  after(() => server.close());

  it('a client that resets the connection right after its request causes no 5xx', async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`GET /v2/reset/app/tags/list HTTP/1.1\r\nHost: x\r\n\r\n`, () => {
            socket.resetAndDestroy();
            resolve();
          });
        });
        socket.on('error', () => {});
      });
    }
    await sleep(300);
    const seen = statuses.filter((s) => s.url.startsWith('/v2/reset/'));
    assert.ok(seen.length > 0, 'the requests reached the server');
    assert.deepEqual(
      seen.filter((s) => s.status >= 500),
      [],
      'no request ended in a 5xx',
    );
  });
});
