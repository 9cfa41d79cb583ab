// The bench's ab client against a real HTTP server: 2xx answers count as requests served, others
// as errors, and credentials in the URL arrive as a Basic Authorization header.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { AB, parseAb, runAb } from './ab.js';

test('ab counts 2xx answers as served and the rest as errors, sending the URL credentials', {
  skip: !existsSync(AB) && 'ab is not installed (apt-get install apache2-utils)',
}, async () => {
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    seen.add(String(req.headers.authorization));
    res.writeHead(req.url === '/ok' ? 200 : 404, { 'Content-Length': 2 }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const ok = await runAb(`http://AWS:p%40ss@127.0.0.1:${port}/ok`, 1, 4, 'application/json');
    assert.ok(ok.requests > 0, JSON.stringify(ok));
    assert.equal(ok.errors, 0);
    assert.ok(ok.requestsPerSecond > 0);
    assert.deepEqual([...seen], [`Basic ${Buffer.from('AWS:p@ss').toString('base64')}`]);
    const missing = await runAb(`http://127.0.0.1:${port}/missing`, 1, 4, 'application/json');
    assert.equal(missing.requests, 0);
    assert.ok(missing.errors > 0, JSON.stringify(missing));
    assert.equal(missing.requestsPerSecond, 0);
  } finally {
    server.close();
  }
});

test('parseAb refuses output without the figures', () => {
  assert.throws(() => parseAb('apr_socket_connect(): Connection refused (111)'), /cannot parse ab output/);
});
