// What app.inject cannot express, over a real socket: streamed (chunked) bodies without
// Content-Range, bodies that end early, and raw paths that a URL parser would normalise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBerth, type TestBerth } from '../../testing/server.js';
import { API_VERSION, digestOf, randomBlob } from '../../testing/registry-client.js';

let server: TestBerth;
let port: number;
/** Every status the server set, including on answers a client that went away never read. */
const statuses: { url: string; status: number }[] = [];

before(async () => {
  server = await startBerth();
  port = Number(new URL(server.url).port);
  server.berth.app.server.on('request', (req, res) =>
    res.on('close', () => statuses.push({ url: req.url ?? '', status: res.statusCode })),
  );
});
after(async () => {
  await server.close();
  assert.ok(statuses.length > 20);
  assert.deepEqual(
    statuses.filter((s) => s.status >= 500),
    [],
    'no request may end in a 5xx',
  );
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends a request whose body is written in parts (Transfer-Encoding: chunked), with a pause between parts. */
function streamed(
  method: string,
  path: string,
  parts: Buffer[],
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/octet-stream', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    (async () => {
      for (const part of parts) {
        req.write(part);
        await sleep(5);
      }
      req.end();
    })().catch(reject);
  });
}

/** A request with an exact raw request line (nothing normalised). */
function raw(method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a head and part of a body, then drops the connection. */
async function truncated(head: string, body: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      socket.write(body);
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 100);
    });
    socket.on('error', reject);
  });
}

async function startUpload(name: string): Promise<string> {
  const res = await fetch(`${server.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  assert.equal(res.status, 202);
  return res.headers.get('location')!;
}

/** The upload's size, read after any request still holding the upload has finished (an empty PATCH queues behind it). */
async function settledSize(location: string): Promise<number> {
  await sleep(50);
  const res = await fetch(`${server.url}${location}`, { method: 'PATCH', body: Buffer.alloc(0) });
  assert.equal(res.status, 202);
  const status = await fetch(`${server.url}${location}`);
  assert.equal(status.status, 204);
  assert.equal(status.headers.get('range'), res.headers.get('range'));
  const range = /^0-(\d+)$/.exec(status.headers.get('range') ?? '');
  assert.ok(range, `bad Range ${status.headers.get('range')}`);
  return Number(range[1]) === 0 ? 0 : Number(range[1]) + 1;
}

async function assertBlob(name: string, data: Buffer): Promise<void> {
  const res = await fetch(`${server.url}/v2/${name}/blobs/${digestOf(data)}`);
  assert.equal(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(data));
}

function assertEnvelope(answer: Answer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body.toString());
  assert.equal(answer.headers['docker-distribution-api-version'], API_VERSION);
  const body = JSON.parse(answer.body.toString()) as { errors: { code: string; message: string }[] };
  assert.equal(body.errors.length, 1);
  assert.equal(body.errors[0]!.code, code, answer.body.toString());
  assert.equal(typeof body.errors[0]!.message, 'string');
}

describe('streamed bodies (Transfer-Encoding: chunked)', () => {
  test('PATCH without Content-Range appends the whole stream', async () => {
    const data = randomBlob(256 * 1024 + 11);
    const location = await startUpload('sock/stream');
    const parts = [data.subarray(0, 1000), data.subarray(1000, 100_000), data.subarray(100_000)];
    const res = await streamed('PATCH', location, parts);
    assert.equal(res.status, 202, res.body.toString());
    assert.equal(res.headers['transfer-encoding'], undefined);
    assert.equal(res.headers.range, `0-${data.length - 1}`);
    assert.equal(res.headers.location, location);
    const second = randomBlob(500);
    const again = await streamed('PATCH', location, [second.subarray(0, 100), second.subarray(100)]);
    assert.equal(again.status, 202);
    assert.equal(again.headers.range, `0-${data.length + second.length - 1}`);
    const whole = Buffer.concat([data, second]);
    const put = await fetch(`${server.url}${location}?digest=${digestOf(whole)}`, { method: 'PUT' });
    assert.equal(put.status, 201);
    await assertBlob('sock/stream', whole);
  });

  test('a streamed closing PUT and a streamed monolithic POST', async () => {
    const data = randomBlob(40_000);
    const location = await startUpload('sock/stream-put');
    const put = await streamed('PUT', `${location}?digest=${digestOf(data)}`, [
      data.subarray(0, 20_000),
      data.subarray(20_000),
    ]);
    assert.equal(put.status, 201, put.body.toString());
    assert.equal(put.headers['docker-content-digest'], digestOf(data));
    await assertBlob('sock/stream-put', data);

    const mono = randomBlob(30_000);
    const post = await streamed('POST', `/v2/sock/stream-post/blobs/uploads/?digest=${digestOf(mono)}`, [
      mono.subarray(0, 7),
      mono.subarray(7),
    ]);
    assert.equal(post.status, 201, post.body.toString());
    await assertBlob('sock/stream-post', mono);
  });

  test('a streamed PATCH with a wrong-digest close leaves nothing visible', async () => {
    const data = randomBlob(10_000);
    const location = await startUpload('sock/stream-bad');
    assert.equal((await streamed('PATCH', location, [data])).status, 202);
    const wrong = digestOf(randomBlob());
    const put = await fetch(`${server.url}${location}?digest=${wrong}`, { method: 'PUT' });
    assert.equal(put.status, 400);
    assert.equal(
      (await fetch(`${server.url}/v2/sock/stream-bad/blobs/${digestOf(data)}`, { method: 'HEAD' })).status,
      404,
    );
    assert.equal((await fetch(`${server.url}/v2/sock/stream-bad/blobs/${wrong}`, { method: 'HEAD' })).status, 404);
  });
});

describe('bodies that end early', () => {
  test('a PATCH cut short leaves a consistent upload that resumes at the reported offset', async () => {
    const data = randomBlob(300);
    const location = await startUpload('sock/cut-patch');
    const first = await fetch(`${server.url}${location}`, {
      method: 'PATCH',
      body: data.subarray(0, 100),
      headers: { 'content-range': '0-99' },
    });
    assert.equal(first.status, 202);
    await truncated(
      `PATCH ${location} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Range: 100-299\r\nContent-Length: 200\r\n\r\n`,
      data.subarray(100, 150),
    );
    const size = await settledSize(location);
    // The bytes that arrived may be kept (the client resumes after them) or dropped, never corrupted.
    assert.ok(size === 100 || size === 150, `unexpected size ${size}`);
    const rest = await fetch(`${server.url}${location}`, {
      method: 'PATCH',
      body: data.subarray(size),
      headers: { 'content-range': `${size}-299` },
    });
    assert.equal(rest.status, 202, await rest.text());
    assert.equal(rest.headers.get('range'), '0-299');
    const put = await fetch(`${server.url}${location}?digest=${digestOf(data)}`, { method: 'PUT' });
    assert.equal(put.status, 201, await put.text());
    await assertBlob('sock/cut-patch', data);
  });

  test('a streamed PATCH cut short mid-chunk resumes the same way', async () => {
    const data = randomBlob(200);
    const location = await startUpload('sock/cut-stream');
    const head = `PATCH ${location} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = Buffer.concat([
      Buffer.from('40\r\n'),
      data.subarray(0, 64),
      Buffer.from('\r\n40\r\n'),
      data.subarray(64, 90),
    ]);
    await truncated(head, chunk);
    const size = await settledSize(location);
    assert.ok(size <= 90, `unexpected size ${size}`);
    const rest = await fetch(`${server.url}${location}`, {
      method: 'PATCH',
      body: data.subarray(size),
      headers: { 'content-range': `${size}-199` },
    });
    assert.equal(rest.status, 202, await rest.text());
    const put = await fetch(`${server.url}${location}?digest=${digestOf(data)}`, { method: 'PUT' });
    assert.equal(put.status, 201, await put.text());
    await assertBlob('sock/cut-stream', data);
  });

  test('a monolithic POST cut short stores nothing, and the blob can be pushed afterwards', async () => {
    const data = randomBlob(500);
    const digest = digestOf(data);
    const other = await fetch(`${server.url}/v2/sock/cut-post/blobs/uploads/?digest=${digestOf('other')}`, {
      method: 'POST',
      body: 'other',
    });
    assert.equal(other.status, 201);
    await truncated(
      `POST /v2/sock/cut-post/blobs/uploads/?digest=${digest} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 500\r\n\r\n`,
      data.subarray(0, 200),
    );
    await sleep(50);
    assert.equal((await fetch(`${server.url}/v2/sock/cut-post/blobs/${digest}`, { method: 'HEAD' })).status, 404);
    const post = await fetch(`${server.url}/v2/sock/cut-post/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: data,
    });
    assert.equal(post.status, 201);
    await assertBlob('sock/cut-post', data);
  });

  test('a manifest PUT cut short stores nothing', async () => {
    const body = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }),
    );
    await truncated(
      `PUT /v2/sock/cut-manifest/manifests/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.oci.image.index.v1+json\r\nContent-Length: ${body.length + 10}\r\n\r\n`,
      body,
    );
    await sleep(50);
    const res = await fetch(`${server.url}/v2/sock/cut-manifest/manifests/v1`);
    assert.equal(res.status, 404);
  });
});

describe('raw paths', () => {
  test('dot segments and encoded dots in a repository name are NAME_INVALID', async () => {
    for (const path of [
      '/v2/%2e%2e/tags/list',
      '/v2/%2E%2E/tags/list',
      '/v2/ab/%2e%2e/cd/tags/list',
      '/v2/ab/../cd/tags/list',
      '/v2/ab/./cd/tags/list',
      '/v2/ab//cd/tags/list',
      '/v2/..%2fetc/manifests/latest',
    ]) {
      const answer = await raw('GET', path);
      assertEnvelope(answer, 400, 'NAME_INVALID');
    }
  });

  test('dot segments as an upload id are BLOB_UPLOAD_UNKNOWN, never a path into storage', async () => {
    await startUpload('sock/ids');
    for (const id of ['..', '%2e%2e', '..%2f..%2fblobs', '%2e']) {
      assertEnvelope(await raw('GET', `/v2/sock/ids/blobs/uploads/${id}`), 404, 'BLOB_UPLOAD_UNKNOWN');
      assertEnvelope(await raw('PATCH', `/v2/sock/ids/blobs/uploads/${id}`), 404, 'BLOB_UPLOAD_UNKNOWN');
    }
  });

  test('malformed percent-encoding is a 400 in the error envelope', async () => {
    for (const path of ['/v2/ab/%zz/tags/list', '/v2/ab%/manifests/latest', '/v2/ab/blobs/sha256:%G0']) {
      const answer = await raw('GET', path);
      assertEnvelope(answer, 400, 'NAME_INVALID');
    }
  });
});
