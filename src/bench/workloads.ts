// What is measured against each registry, all over the registry protocol on loopback: blob
// uploads (monolithic and chunked), blob download, manifest GET rate, and peak RSS.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { AB, credentialsAsHeader, runAb } from './ab.js';
import { agentFor, bodyOf, call, expect, location, makeBody, type Body } from './http.js';

const OCTET = { 'Content-Type': 'application/octet-stream' };
export const MANIFEST_ACCEPT =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
export const WRK = '/usr/bin/wrk';

function withDigest(url: string, digest: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

async function startSession(base: string, name: string): Promise<string> {
  const response = expect(await call('POST', `${base}/v2/${name}/blobs/uploads/`), 202, `POST ${name} upload`);
  return location(base, response);
}

function checkCreated(response: ReturnType<typeof expect>, body: Body, what: string): void {
  expect(response, 201, what);
  const digest = response.headers['docker-content-digest'];
  if (digest !== undefined && digest !== body.digest)
    throw new Error(`${what}: registry says ${String(digest)}, expected ${body.digest}`);
}

/** POST a session, then one PUT ?digest= with the whole body streamed. Returns seconds. */
export async function monolithicUpload(base: string, name: string, body: Body): Promise<number> {
  const started = performance.now();
  const url = await startSession(base, name);
  const response = await call('PUT', withDigest(url, body.digest), {
    headers: OCTET,
    stream: { body, start: 0, end: body.size },
  });
  checkCreated(response, body, `monolithic PUT ${name}`);
  return (performance.now() - started) / 1000;
}

/** POST a session, PATCH `chunkSize` chunks with Content-Range, then PUT ?digest=. Returns seconds. */
export async function chunkedUpload(base: string, name: string, body: Body, chunkSize: number): Promise<number> {
  const started = performance.now();
  let url = await startSession(base, name);
  for (let start = 0; start < body.size; start += chunkSize) {
    const end = Math.min(start + chunkSize, body.size);
    const response = await call('PATCH', url, {
      headers: { ...OCTET, 'Content-Range': `${start}-${end - 1}` },
      stream: { body, start, end },
    });
    url = location(base, expect(response, 202, `PATCH ${name} ${start}-${end - 1}`));
  }
  checkCreated(await call('PUT', withDigest(url, body.digest), { headers: OCTET }), body, `chunked PUT ${name}`);
  return (performance.now() - started) / 1000;
}

/** GET a blob, counting (not keeping) its bytes. Returns seconds. */
export async function download(base: string, name: string, body: Body): Promise<number> {
  const started = performance.now();
  const response = expect(
    await call('GET', `${base}/v2/${name}/blobs/${body.digest}`, { collect: false }),
    200,
    `GET blob ${name}`,
  );
  if (response.bytes !== body.size)
    throw new Error(`GET blob ${name}: received ${response.bytes} bytes, expected ${body.size}`);
  return (performance.now() - started) / 1000;
}

/** Pushes a small image (config + one layer + OCI manifest) under `tag`; returns the manifest digest. */
export async function pushImage(base: string, name: string, tag: string): Promise<string> {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: {} }),
  );
  const configBody = bodyOf(config);
  const layer = makeBody(32 * 1024, 32 * 1024);
  for (const blob of [configBody, layer]) await monolithicUpload(base, name, blob);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configBody.digest,
        size: configBody.size,
      },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
    }),
  );
  const response = await call('PUT', `${base}/v2/${name}/manifests/${tag}`, {
    headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    data: manifest,
  });
  expect(response, 201, `PUT manifest ${name}:${tag}`);
  const check = expect(
    await call('GET', `${base}/v2/${name}/manifests/${tag}`, { headers: { Accept: MANIFEST_ACCEPT } }),
    200,
    `GET manifest ${name}:${tag}`,
  );
  if (check.text !== manifest.toString()) throw new Error(`GET manifest ${name}:${tag} returned different bytes`);
  return bodyOf(manifest).digest;
}

export interface RateResult {
  requestsPerSecond: number;
  requests: number;
  errors: number;
}

export type LoadGenerator = 'wrk' | 'ab' | 'node';

/**
 * The manifest phase's client: BENCH_LOAD (wrk, ab or node) when it is installed, else wrk, else
 * ab, else the in-process loop (which shares the servers' cores and limits them all alike).
 */
export function loadGenerator(): LoadGenerator {
  const asked = process.env.BENCH_LOAD;
  if (asked === 'node') return 'node';
  if (asked === 'ab') return existsSync(AB) ? 'ab' : 'node';
  if (existsSync(WRK)) return 'wrk';
  return existsSync(AB) ? 'ab' : 'node';
}

export function describeLoadGenerator(generator: LoadGenerator, connections: number): string {
  if (generator === 'wrk') return `wrk (${WRK}), 2 threads, ${connections} connections`;
  if (generator === 'ab') return `ab (${AB}), keep-alive, ${connections} connections`;
  return `in-process node:http loop (Agent keepAlive, maxSockets ${connections})`;
}

function runWrk(url: string, seconds: number, connections: number): Promise<RateResult> {
  // wrk ignores credentials in the URL: send them as a header.
  const { href, headers } = credentialsAsHeader(url);
  const args = [
    '-t2',
    `-c${connections}`,
    `-d${seconds}s`,
    '--timeout',
    '5s',
    '-H',
    `Accept: ${MANIFEST_ACCEPT}`,
    ...headers.flatMap((h) => ['-H', h]),
    href,
  ];
  return new Promise((resolve, reject) => {
    execFile(WRK, args, { timeout: (seconds + 15) * 1000, killSignal: 'SIGKILL' }, (err, stdout) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}`));
      const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const total = /(\d+) requests in/.exec(stdout);
      const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      if (!rate || !total) return reject(new Error(`cannot parse wrk output:\n${stdout}`));
      const errors =
        Number(non2xx?.[1] ?? 0) + (socketErrors ? socketErrors.slice(1).reduce((s, n) => s + Number(n), 0) : 0);
      resolve({ requestsPerSecond: Number(rate[1]), requests: Number(total[1]), errors });
    });
  });
}

async function runNode(url: string, seconds: number, connections: number): Promise<RateResult> {
  const agent = agentFor(url, connections);
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const response = await call('GET', url, { headers: { Accept: MANIFEST_ACCEPT }, agent, collect: false });
      if (response.status === 200) requests++;
      else errors++;
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - started) / 1000;
  return { requestsPerSecond: requests / elapsed, requests, errors };
}

/** Manifest GETs at `connections` keep-alive connections for `seconds` (wrk, ab, or the in-process loop). */
export function manifestRate(url: string, seconds: number, connections = 16): Promise<RateResult> {
  const generator = loadGenerator();
  if (generator === 'ab') return runAb(url, seconds, connections, MANIFEST_ACCEPT);
  return (generator === 'wrk' ? runWrk : runNode)(url, seconds, connections);
}

/** CPU time (user + system) a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM). */
export function procStatusKiB(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

export interface PeakRss {
  /** VmHWM after the work (peak since the reset, or since start when the reset failed). */
  peakMiB: number;
  /** Highest VmRSS sampled every 50 ms during the work. */
  sampledMaxMiB: number;
  /** VmRSS just before the work. */
  baselineMiB: number;
  /** Whether VmHWM could be reset (clear_refs 5) before the work. */
  reset: boolean;
  seconds: number;
}

/** Runs `work` while watching the process's resident set; VmHWM is reset first when allowed. */
export async function peakRssDuring(pid: number, work: () => Promise<number>): Promise<PeakRss> {
  let reset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    reset = false;
  }
  const baseline = procStatusKiB(pid, 'VmRSS');
  let sampled = baseline;
  const timer = setInterval(() => {
    try {
      sampled = Math.max(sampled, procStatusKiB(pid, 'VmRSS'));
    } catch {
      /* exited */
    }
  }, 50);
  try {
    const seconds = await work();
    const peak = procStatusKiB(pid, 'VmHWM');
    return {
      peakMiB: peak / 1024,
      sampledMaxMiB: Math.max(sampled, procStatusKiB(pid, 'VmRSS')) / 1024,
      baselineMiB: baseline / 1024,
      reset,
      seconds,
    };
  } finally {
    clearInterval(timer);
  }
}
