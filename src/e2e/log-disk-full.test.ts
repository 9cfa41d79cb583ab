// Logging never holds up serving: a `berth serve` whose log (standard output) is /dev/full, where
// every write fails with ENOSPC as on a full disk, goes on answering, and counts the lines it
// dropped (GET /metrics).
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, scratchDirs, spawnBerth, type ChildBerth } from '../testing/server.js';

const dirs = scratchDirs();
let berth: ChildBerth | undefined;

after(async () => {
  // A server frozen on its log would not stop when asked: it is killed after a while.
  if (berth) await Promise.race([berth.stop(), sleep(5000).then(() => void berth!.process.kill('SIGKILL'))]);
  dirs.remove();
});

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, text: await res.text() };
}

test('with the log on a full disk, /healthz answers and the dropped lines are counted', {
  timeout: 60_000,
}, async () => {
  const full = openSync('/dev/full', 'w');
  try {
    // Every request logged (info, one line per request): each one is a write that fails.
    berth = await spawnBerth(
      dirs.make('berth-log-full-'),
      await freePort(),
      { BERTH_LOG_LEVEL: 'info', BERTH_LOG_REQUESTS: 'true' },
      [],
      { stdout: full },
    );
  } finally {
    closeSync(full);
  }
  // Health probes are not logged; each /v2/ request is one line that fails.
  for (let i = 0; i < 50; i++) {
    const health = await get(`${berth.url}/healthz`);
    assert.equal(health.status, 200);
    await get(`${berth.url}/v2/`);
  }
  const v2 = await get(`${berth.url}/v2/`);
  assert.equal(v2.status, 200, 'the registry serves too');
  const metrics = await get(`${berth.url}/metrics`);
  const dropped = Number(/^berth_log_lines_dropped_total (\d+)$/m.exec(metrics.text)?.[1]);
  assert.ok(dropped >= 50, `dropped lines counted: ${dropped}\n${metrics.text}`);
  assert.equal(berth.process.exitCode, null, 'still running');
  // And it stops as asked, with its last lines dropped too.
  await berth.stop();
  assert.equal(berth.process.signalCode ?? berth.process.exitCode, 0);
});
