// `berth serve` and its certificate files: a SIGHUP serves a new certificate to new connections
// without dropping the listener or open connections (and keeps the old one when the new files are
// bad); --tls-self-signed reuses its CA and certificate on restart; wrong files stop the start
// with one line; without TLS the start warns that it serves plain HTTP.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { Agent, get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { runScript } from '../testing/cli.js';
import { CLI, scratchDirs } from '../testing/server.js';
import { ensureSelfSigned } from '../tls/self-signed.js';
import { ServedBerth } from './support.js';

const scratch = scratchDirs();
after(() => scratch.remove());
const scratchDir = scratch.make;

interface Served {
  fingerprint: string;
  serialNumber: string;
}

/** The certificate a new connection is served, verified against `ca`. */
function servedCertificate(port: number, ca: Buffer): Promise<Served> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      const peer = socket.getPeerCertificate();
      socket.end();
      resolve({ fingerprint: peer.fingerprint256, serialNumber: peer.serialNumber });
    });
    socket.on('error', reject);
  });
}

/** GET path on an open HTTP/2 session; resolves with the status. */
function h2Get(session: ClientHttp2Session, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    stream.on('response', (headers) => resolve(Number(headers[':status'])));
    stream.on('error', reject);
    stream.resume();
  });
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('SIGHUP', () => {
  it('serves the new certificate to new connections; open connections and the listener stay; bad files keep the old one', async () => {
    const caDir = join(scratchDir('berth-tls-ca-'), 'tls');
    const first = ensureSelfSigned(caDir, ['localhost', '127.0.0.1']);
    const ca = readFileSync(first.caFile);
    const files = scratchDir('berth-tls-files-');
    const cert = join(files, 'server.crt');
    const key = join(files, 'server.key');
    copyFileSync(first.files.cert, cert);
    copyFileSync(first.files.key, key);
    const berth = await ServedBerth.start({ BERTH_LOG_LEVEL: 'info' }, ['--tls-cert', cert, '--tls-key', key]);
    try {
      const before = await servedCertificate(berth.port, ca);
      assert.equal(before.fingerprint, new X509Certificate(readFileSync(cert)).fingerprint256);
      const session = http2Connect(berth.url, { ca });
      assert.equal(await h2Get(session, '/healthz'), 200);

      // A new certificate from the same CA, written over the files, then SIGHUP.
      rmSync(join(caDir, 'server.crt'));
      const second = ensureSelfSigned(caDir, ['localhost', '127.0.0.1']);
      assert.ok(second.issuedServer);
      copyFileSync(second.files.cert, cert);
      copyFileSync(second.files.key, key);
      berth.signal('SIGHUP');
      const after = await until(
        () => servedCertificate(berth.port, ca),
        (served) => served.fingerprint !== before.fingerprint,
        'the new certificate',
      );
      assert.notEqual(after.serialNumber, before.serialNumber);
      assert.equal(after.fingerprint, new X509Certificate(readFileSync(cert)).fingerprint256);
      assert.equal(await h2Get(session, '/healthz'), 200, 'the connection opened before the reload still works');
      assert.ok(!session.closed && !session.destroyed);
      session.close();
      await until(
        async () => berth.log,
        (said) => said.includes('reloaded the TLS certificate'),
        'the reload log line',
      );

      // Bad files: the reload is refused, said in the log, and the certificate served stays.
      writeFileSync(cert, 'not a certificate');
      berth.signal('SIGHUP');
      await until(
        async () => berth.log,
        (said) => said.includes('was not reloaded'),
        'the refused reload in the log',
      );
      assert.match(berth.log, /is not in PEM format/);
      assert.equal((await servedCertificate(berth.port, ca)).fingerprint, after.fingerprint);
      assert.equal(berth.exitCode, null, 'still running');
    } finally {
      await berth.close();
    }
  });
});

describe('--tls-self-signed', () => {
  it('keeps its CA and certificate across a restart, and says the CA is not new; idle connections do not hold a stop', async () => {
    const berth = await ServedBerth.start({}, ['--tls-self-signed']);
    try {
      const caFile = join(berth.dataDir, 'tls', 'ca.crt');
      const ca = readFileSync(caFile);
      const before = await servedCertificate(berth.port, ca);
      assert.ok(berth.stderr.includes(`${caFile} (created now)`));
      // An idle HTTP/2 session and an idle HTTP/1.1 keep-alive connection are closed by the stop
      // at once, not after the 10 s grace period.
      const session = http2Connect(berth.url, { ca });
      assert.equal(await h2Get(session, '/healthz'), 200);
      const agent = new Agent({ keepAlive: true, ca });
      await new Promise<void>((resolve, reject) =>
        httpsGet(`${berth.url}/healthz`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
      );
      const stopping = Date.now();
      assert.deepEqual(await berth.stop('SIGTERM'), { code: 0, signal: null });
      assert.ok(Date.now() - stopping < 5_000, `stopped in ${Date.now() - stopping} ms`);
      session.destroy();
      agent.destroy();
      await berth.start();
      assert.ok(readFileSync(caFile).equals(ca), 'the same CA');
      assert.equal(
        (await servedCertificate(berth.port, ca)).fingerprint,
        before.fingerprint,
        'the same server certificate',
      );
      assert.ok(berth.stderr.includes(`Trust the CA certificate ${caFile}:`), berth.stderr);
    } finally {
      await berth.close();
    }
  });
});

describe('wrong TLS settings stop the start with one line', () => {
  const serve = (args: string[]) =>
    runScript(CLI, [
      'serve',
      '--data-dir',
      join(scratchDir('berth-tls-bad-'), 'data'),
      '--listen',
      '127.0.0.1:0',
      ...args,
    ]);

  it('a missing file, a key of another certificate, half the flags, both ways at once', async () => {
    const missing = await serve(['--tls-cert', '/nonexistent/server.crt', '--tls-key', '/nonexistent/server.key']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'berth: cannot read the TLS certificate /nonexistent/server.crt: no such file\n');

    const a = ensureSelfSigned(join(scratchDir('berth-tls-a-'), 'tls'), ['localhost']);
    const b = ensureSelfSigned(join(scratchDir('berth-tls-b-'), 'tls'), ['localhost']);
    const mismatch = await serve(['--tls-cert', a.files.cert, '--tls-key', b.files.key]);
    assert.equal(mismatch.code, 1);
    assert.match(
      mismatch.stderr,
      /^berth: the TLS private key .* cannot be used with the certificate .*: the key is not the key of this certificate\n$/,
    );

    const half = await serve(['--tls-cert', a.files.cert]);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /tls\.key: tls\.cert and tls\.key go together/);
    const both = await serve(['--tls-self-signed', '--tls-cert', a.files.cert, '--tls-key', a.files.key]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /tls\.selfSigned: either tls\.selfSigned or tls\.cert and tls\.key/);
    for (const result of [missing, mismatch, half, both])
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
});

it('without TLS: plain HTTP, with a warning at start', async () => {
  const berth = await ServedBerth.start();
  try {
    assert.match(berth.url, /^http:\/\//);
    assert.match(berth.log, /TLS is not configured: serving plain HTTP/);
  } finally {
    await berth.close();
  }
});
