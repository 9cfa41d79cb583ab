// The two registries under test, each a child process on loopback with its own temporary
// data directory: Berth (`berth serve`) and the reference, CNCF Distribution (`docker-registry`).
// Every child and directory is tracked so that any exit path (success, error, SIGINT) cleans up.
import { cliNodeFlags } from '../cli/node-flags.js';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call } from './http.js';

export const REFERENCE_BINARY = '/usr/bin/docker-registry';
const CLI = resolve(fileURLToPath(new URL('../cli/main.js', import.meta.url)));
// Generous: on a loaded machine a fresh PostgreSQL database's migrations alone took over 20 s.
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export interface Server {
  label: string;
  url: string;
  pid: number;
  /** Where the registry keeps a blob's bytes on disk (for purging between samples). */
  blobFile(digest: string): string;
  stop(): Promise<void>;
}

function blobFile(root: string, digest: string): string {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return join(root, 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
}

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (running(child)) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
  children.delete(child);
}

/** Stops every child (gracefully, so a CPU profile gets written) and removes every temp dir. */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...children].map(stopChild));
  cleanupSync();
}

/** Last resort on process exit: no waiting possible, so SIGKILL. */
export function cleanupSync(): void {
  for (const child of children) if (running(child)) child.kill('SIGKILL');
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/**
 * Writes and deletes `bytes` of file data. On a microVM, guest memory that was never touched is
 * slow to fault in on the host, so whichever registry first grows the page cache would pay for
 * it; touching it once up front (and purging blobs between samples) keeps the comparison fair.
 */
export function prefaultPageCache(bytes: number, unit: Buffer): void {
  const dir = tempDir('bench-prefault-');
  const file = join(dir, 'fill');
  const fd = openSync(file, 'w');
  try {
    for (let at = 0; at < bytes; at += unit.length) writeSync(fd, unit);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** Keeps the last few KiB a child printed, for error messages. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (d: Buffer) => (text = (text + d.toString()).slice(-4096));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

async function launch(
  label: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  blobRoot: string,
  scheme: 'http' | 'https' = 'http',
): Promise<Server> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const output = tail(child);
  const url = `${scheme}://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!running(child))
      throw new Error(`${label} exited (${child.exitCode ?? child.signalCode}) while starting: ${output()}`);
    try {
      // https: the bench's client, which trusts the bench's self-signed certificate (http.ts).
      const status =
        scheme === 'https'
          ? (await call('GET', `${url}/v2/`)).status
          : await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) }).then(async (response) => {
              await response.arrayBuffer();
              return response.status;
            });
      if ((status >= 200 && status < 300) || status === 401) break; // 401: up, and asking for a login
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline)
      throw new Error(`${label} did not answer /v2/ within ${START_TIMEOUT_MS} ms: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    label,
    url,
    pid: child.pid!,
    blobFile: (digest) => blobFile(blobRoot, digest),
    stop: () => stopChild(child),
  };
}

export interface BerthOptions {
  /** Write a V8 CPU profile on exit into this directory. */
  profileDir?: string;
  /** Extra environment, e.g. BERTH_METADATA_URL for PostgreSQL. */
  env?: Record<string, string>;
  /** Share another node's data directory (scale-out); a new temp dir otherwise. */
  dataDir?: string;
  label?: string;
  /** Another build's `dist/cli/main.js` (the plaintext baseline of encryption at rest). */
  cli?: string;
  /** HTTPS with this certificate and key (PEM files), as `--tls-cert` and `--tls-key`. */
  tls?: TlsFiles;
}

/** A certificate (PEM file, also the CA to trust: self-signed) and its key. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** A self-signed certificate for 127.0.0.1 (openssl), the same for every server of the HTTPS phase. */
export function selfSignedCertificate(): TlsFiles {
  const dir = tempDir('bench-tls-');
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      files.key,
      '-out',
      files.cert,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (result.status !== 0) throw new Error(`openssl could not make a certificate: ${result.stderr || result.error}`);
  return files;
}

/** `berth serve` from dist/. */
export async function startBerth(options: BerthOptions = {}): Promise<Server & { dataDir: string }> {
  const dataDir = options.dataDir ?? tempDir('berth-bench-');
  const port = await freePort();
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  // This build's flags for every Berth, the plaintext baseline too: the same process settings.
  const args = [
    ...profile,
    ...cliNodeFlags(CLI),
    options.cli ?? CLI,
    'serve',
    '--listen',
    `127.0.0.1:${port}`,
    '--data-dir',
    dataDir,
    ...(options.tls ? ['--tls-cert', options.tls.cert, '--tls-key', options.tls.key] : []),
  ];
  const env = {
    ...process.env,
    BERTH_LOG_LEVEL: 'warn',
    BERTH_LOG_REQUESTS: 'false',
    // Several Berths run at once (scale-out): their public listeners on free ports.
    BERTH_PUBLIC_LISTEN: '127.0.0.1:0',
    BERTH_ADMIN_ACCESS_KEY_ID: BENCH_ADMIN.accessKeyId,
    BERTH_ADMIN_SECRET_ACCESS_KEY: BENCH_ADMIN.secretAccessKey,
    ...options.env,
  };
  const scheme = options.tls ? 'https' : 'http';
  const server = await launch(
    options.label ?? 'berth',
    process.execPath,
    args,
    env,
    port,
    join(dataDir, 'storage'),
    scheme,
  );
  // Berth as deployed requires credentials: log in as a client does (`berth login`, as
  // `aws ecr get-login-password`), and send them with every request (Node's http takes Basic
  // credentials from the URL; wrk gets a header). The login runs in a child process: after one
  // AWS SDK call in this process, every later download cost this process (the client all the
  // servers are measured with) 2.5x the CPU per byte, in full collections every ~50 ms, and
  // throttled every server's download figure.
  const password = await login(server.url, options.tls?.cert, options.env?.BERTH_REGISTRY_REGION);
  return { ...server, dataDir, url: `${scheme}://AWS:${encodeURIComponent(password)}@127.0.0.1:${port}` };
}

/** A registry password for the bench's admin, from this build's `berth login`. */
function login(endpoint: string, ca?: string, region = 'us-east-1'): Promise<string> {
  const env = {
    ...process.env,
    ...(ca && { NODE_EXTRA_CA_CERTS: ca }),
    AWS_ACCESS_KEY_ID: BENCH_ADMIN.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_ADMIN.secretAccessKey,
    AWS_REGION: region,
  };
  return new Promise((resolvePassword, reject) => {
    execFile(
      process.execPath,
      [CLI, 'login', '--endpoint-url', endpoint],
      { env, timeout: START_TIMEOUT_MS },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`berth login at ${endpoint} failed: ${stderr.trim() || err.message}`));
        else resolvePassword(stdout.trim());
      },
    );
  });
}

export const BENCH_ADMIN = {
  accessKeyId: 'AKIABENCHBENCHBENCH2',
  secretAccessKey: 'bench-secret-access-key-not-for-production',
};

/** The reference's version line, or undefined when it is not installed. */
export function referenceVersion(): string | undefined {
  if (!existsSync(REFERENCE_BINARY)) return undefined;
  const result = spawnSync(REFERENCE_BINARY, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return (result.stdout || result.stderr || 'unknown version').trim();
}

/**
 * `docker-registry serve` with a generated configuration: filesystem storage in a temp dir,
 * loopback only, errors-only logging without access log, delete enabled, and the in-memory
 * blob descriptor cache that the packaged default configuration enables.
 */
export async function startReference(tls?: TlsFiles): Promise<Server> {
  const dir = tempDir('registry-bench-');
  const storage = join(dir, 'storage');
  mkdirSync(storage);
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  cache:',
      '    blobdescriptor: inmemory',
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ...(tls ? ['  tls:', `    certificate: ${tls.cert}`, `    key: ${tls.key}`] : []),
      '',
    ].join('\n'),
  );
  return launch(
    'reference',
    REFERENCE_BINARY,
    ['serve', config],
    { ...process.env },
    port,
    join(storage, 'docker', 'registry', 'v2'),
    tls ? 'https' : 'http',
  );
}
