// ApacheBench (`ab`, Debian's apache2-utils) as the manifest phase's load generator when wrk is
// not installed: a C client on its own process, so that the rate measures the servers rather
// than a Node client sharing their two cores. Keep-alive (-k), `connections` at once, for
// `seconds`; only 2xx answers count as requests served.
import { execFile } from 'node:child_process';
import type { RateResult } from './workloads.js';

export const AB = '/usr/bin/ab';

/** Basic credentials in `url` as an Authorization header (ab and wrk ignore them in the URL), and the URL without them. */
export function credentialsAsHeader(url: string): { href: string; headers: string[] } {
  const target = new URL(url);
  const headers = target.username
    ? [
        `Authorization: Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`,
      ]
    : [];
  target.username = '';
  target.password = '';
  return { href: target.href, headers };
}

/** Parses ab's report: requests completed, their rate, and those that failed or were not 2xx. */
export function parseAb(stdout: string): RateResult {
  const complete = /Complete requests:\s+(\d+)/.exec(stdout);
  const rate = /Requests per second:\s+([\d.]+)/.exec(stdout);
  if (!complete || !rate) throw new Error(`cannot parse ab output:\n${stdout}`);
  const failed = Number(/Failed requests:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const errors = failed + non2xx;
  const requests = Number(complete[1]) - non2xx;
  // ab's rate counts every completed request: scaled to the 2xx ones.
  const requestsPerSecond = Number(complete[1]) > 0 ? (Number(rate[1]) * requests) / Number(complete[1]) : 0;
  return { requestsPerSecond, requests, errors };
}

export function runAb(url: string, seconds: number, connections: number, accept: string): Promise<RateResult> {
  const { href, headers } = credentialsAsHeader(url);
  const args = [
    '-k',
    '-q',
    '-r', // a socket error is counted, not the end of the run
    '-s',
    '5',
    '-c',
    String(connections),
    '-t',
    String(seconds),
    '-n',
    // -t alone stops at 50,000 requests; ab keeps 32 bytes per request it may make, so no more
    // than 100,000 a second (a run that reaches them ends early, its rate still right).
    String(100_000 * seconds),
    '-H',
    `Accept: ${accept}`,
    ...headers.flatMap((h) => ['-H', h]),
    href,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      AB,
      args,
      { timeout: (seconds + 15) * 1000, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err && !stdout) return reject(new Error(`ab failed: ${err.message} ${stderr}`));
        try {
          resolve(parseAb(stdout));
        } catch (parseErr) {
          reject(parseErr);
        }
      },
    );
  });
}
