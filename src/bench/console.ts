// `npm run bench -- console`: the console's repository list with BENCH_CONSOLE_REPOSITORIES
// (default 10,000) repositories, over a real socket: the time to first byte of the first page,
// of pages deep in the list (keyset: after a name, never an offset) and of a name search, signed
// in as the root; p50 and p95 over BENCH_CONSOLE_REQUESTS requests each (target: p50 ≤ 50 ms).
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createBerth } from '../app/berth.js';
import { setRootConsolePassword } from '../app/console-password.js';
import { validate } from '../config/load.js';
import { tempDir } from '../testing/server.js';
import { median } from './report.js';

const REPOSITORIES = Number(process.env.BENCH_CONSOLE_REPOSITORIES ?? 10_000);
const REQUESTS = Number(process.env.BENCH_CONSOLE_REQUESTS ?? 200);
const TARGET_MS = 50;

/** Milliseconds from sending a GET to its response's first byte (the status line and headers). */
function ttfb(url: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { headers: { cookie } }, (res) => {
      const ms = performance.now() - started;
      if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
      res.resume();
      res.on('end', () => resolve(ms));
    });
    req.on('error', reject);
    req.end();
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
};

export async function runConsoleBench(log: (message: string) => void): Promise<boolean> {
  const config = validate(
    {
      dataDir: tempDir('berth-bench-console-'),
      listen: '127.0.0.1:0',
      log: { level: 'silent', requests: false },
      auth: { mode: 'iam' },
      public: { listen: '' },
    },
    'bench',
  );
  const berth = await createBerth(config);
  try {
    const base = await berth.listen();
    log(`console bench: creating ${REPOSITORIES} repositories`);
    const names = Array.from({ length: REPOSITORIES }, (_, i) => `team-${String(i % 100).padStart(2, '0')}/app-${i}`);
    for (let i = 0; i < names.length; i += 100)
      await Promise.all(names.slice(i, i + 100).map((name) => berth.store.repositories.ensure(berth.accountId, name)));
    const password = 'Bench-console-1!';
    await setRootConsolePassword(berth as never, berth.accountId, password);
    const form = await fetch(`${base}/console/signin`);
    const pre = /berth-console-signin=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const signedIn = await fetch(`${base}/console/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `berth-console-signin=${pre}`,
        origin: base,
      },
      body: new URLSearchParams({ csrf, account: berth.accountId, user: 'root', password }),
    });
    const cookie = `berth-console=${/berth-console=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')![1]}`;
    const sorted = [...names].sort();
    // The second page of the list sorted oldest first (keyset on created at, then name).
    const oldest = await (await fetch(`${base}/console/repositories?sort=oldest`, { headers: { cookie } })).text();
    const nextOldest = /href="(\/console\/repositories\?[^"]*sort=oldest[^"]*after=[^"]+)"/
      .exec(oldest)![1]!
      .replace(/&amp;/g, '&');
    const cases: [string, () => string][] = [
      ['first page', () => `${base}/console/repositories`],
      [
        'a page deep in the list',
        () =>
          `${base}/console/repositories?after=${encodeURIComponent(sorted[Math.floor(Math.random() * (sorted.length - 60))]!)}`,
      ],
      ['first page, newest first', () => `${base}/console/repositories?sort=newest`],
      ['second page, oldest first', () => `${base}${nextOldest}`],
      [
        'a name search',
        () => `${base}/console/repositories?q=team-${String(Math.floor(Math.random() * 100)).padStart(2, '0')}/app-1`,
      ],
    ];
    let pass = true;
    for (const [label, url] of cases) {
      for (let i = 0; i < 20; i++) await ttfb(url(), cookie); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < REQUESTS; i++) samples.push(await ttfb(url(), cookie));
      const p50 = median(samples)!;
      const ok = p50 <= TARGET_MS;
      pass &&= ok;
      log(
        `console bench: ${label} of ${REPOSITORIES} repositories: TTFB p50 ${p50.toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms (target p50 ≤ ${TARGET_MS} ms) ${ok ? 'PASS' : 'MISS'}`,
      );
    }
    return pass;
  } finally {
    await berth.close();
  }
}
