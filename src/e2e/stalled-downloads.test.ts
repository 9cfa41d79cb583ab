// Clients that start downloading a large blob and never read it hold bounded memory in the
// server, and give it back when they go: measured in a `berth serve` child, by its counters of
// the bytes the read path holds (GET /metrics) and by its resident memory, over two rounds of
// stalls (memory that ratchets up from round to round would show in the second).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { digestOf } from '../testing/registry-client.js';
import { freePort, scratchDirs, spawnBerth, type ChildBerth } from '../testing/server.js';

const CLIENTS = 150;
const BLOB = 48 * 1024 * 1024;
const BUDGET = 16 * 1024 * 1024;
const MiB = 1024 * 1024;

const dirs = scratchDirs();
let berth: ChildBerth;
let digest: string;

before(async () => {
  berth = await spawnBerth(dirs.make('berth-stalls-'), await freePort(), {
    BERTH_HTTP_READ_AHEAD_BYTES: String(BUDGET),
    BERTH_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0',
  });
  const blob = randomBytes(BLOB);
  digest = digestOf(blob);
  const res = await fetch(`${berth.url}/v2/stalls/big/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: blob,
  });
  assert.equal(res.status, 201, await res.text());
});
after(async () => {
  await berth?.stop();
  dirs.remove();
});

function rss(): number {
  const status = readFileSync(`/proc/${berth.process.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

/** The bytes the read path holds now: chunks sockets have not taken, and decrypting reads' buffers. */
async function held(): Promise<{ readAhead: number; decrypt: number; total: number }> {
  const text = await (await fetch(`${berth.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
  const readAhead = value('berth_blob_read_ahead_bytes');
  const decrypt = value('berth_blob_decrypt_buffer_bytes');
  return { readAhead, decrypt, total: readAhead + decrypt };
}

/** CLIENTS connections that each ask for the blob and never read a byte of it. */
async function stall(): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    sockets.push(
      await new Promise<Socket>((resolve) => {
        const socket = connect(Number(new URL(berth.url).port), '127.0.0.1', () => {
          socket.pause();
          socket.write(`GET /v2/stalls/big/blobs/${digest} HTTP/1.1\r\nHost: x\r\n\r\n`);
          resolve(socket);
        });
        socket.on('error', () => {});
      }),
    );
  }
  return sockets;
}

async function downloadWhole(): Promise<void> {
  const res = await fetch(`${berth.url}/v2/stalls/big/blobs/${digest}`);
  assert.equal(res.status, 200);
  assert.equal((await res.arrayBuffer()).byteLength, BLOB);
}

test('stalled downloads hold bounded memory, which comes back when they go', async () => {
  await downloadWhole();
  const baseline = rss();
  for (const round of [1, 2]) {
    const sockets = await stall();
    await sleep(2500);
    const grown = rss() - baseline;
    const during = await held();
    assert.ok(
      grown < 160 * MiB,
      `round ${round}: resident memory grew by ${(grown / MiB).toFixed(0)} MiB with ${CLIENTS} stalled downloads`,
    );
    // The budget, plus at most one smallest chunk per download past it.
    assert.ok(
      during.readAhead <= BUDGET + CLIENTS * 64 * 1024,
      `round ${round}: ${(during.readAhead / MiB).toFixed(1)} MiB read ahead`,
    );
    assert.ok(
      during.decrypt <= 24 * MiB,
      `round ${round}: stalled downloads gave their decrypting buffers back: ${(during.decrypt / MiB).toFixed(1)} MiB held`,
    );
    for (const socket of sockets) socket.destroy();
    await sleep(1000);
    const afterwards = await held();
    assert.equal(
      afterwards.total,
      0,
      `round ${round}: nothing held once the clients went: ${JSON.stringify(afterwards)}`,
    );
    assert.ok(
      rss() - baseline < 160 * MiB,
      `round ${round}: resident memory afterwards ${((rss() - baseline) / MiB).toFixed(0)} MiB over the baseline`,
    );
  }
  // Downloads still work, whole and correct.
  await downloadWhole();
});
