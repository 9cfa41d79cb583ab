// Helpers for end-to-end tests against a `berth serve` child: raw HTTP with paced bodies that
// survive the server dying, skopeo runs (logged in through GetAuthorizationToken when the server
// requires credentials), `berth admin` runs, and a check of the blob store. The request-recording
// proxy is testing/recording-proxy.ts.
import { parseHeader, plainSize } from '../storage/encryption/segments.js';
import { BlobStore } from '../storage/blob-store.js';
import { FsDriver } from '../storage/fs-driver.js';
import { execFile } from 'node:child_process';
import { type Dirent, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchAuthorization } from '../client/authorization.js';
import assert from 'node:assert/strict';
import { runScript } from '../testing/cli.js';
import { CLI, freePort, spawnBerth, TEST_ADMIN, tempDir, type ChildBerth } from '../testing/server.js';

/** `berth admin <args>` on a data dir, in `env`: fails the test unless it exits 0; resolves with what it printed. */
export async function berthAdmin(dataDir: string, env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const result = await runScript(CLI, ['admin', '--data-dir', dataDir, ...args], env);
  assert.equal(result.code, 0, `berth admin ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Retries `check` until it passes, for up to `ms`: what `berth admin` changes reaches a running server within its 5 s caches. */
export async function eventually(check: () => Promise<void>, ms = 8_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

/**
 * A `berth serve` child on its own data dir and port, which can be stopped and started again on
 * both. Open unless `env` says BERTH_AUTH_MODE=iam; then `login` logs skopeo in.
 */
export class ServedBerth {
  private password: string | undefined;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly args: string[],
    private child: ChildBerth,
  ) {}

  /** `args` are more flags of `berth serve`, e.g. --tls-self-signed. */
  static async start(env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<ServedBerth> {
    const dataDir = tempDir('berth-e2e-data-');
    const port = await freePort();
    return new ServedBerth(dataDir, port, env, args, await spawnBerth(dataDir, port, env, args));
  }

  /**
   * Logs skopeo in at `host` (this server, or a proxy in front of it) as users do: a password
   * from GetAuthorizationToken for the administrator's key, then `skopeo login --password-stdin`.
   */
  async login(host = this.host): Promise<void> {
    this.password ??= (
      await fetchAuthorization({ endpoint: this.url, region: 'us-east-1', credentials: TEST_ADMIN })
    ).password;
    await skopeo(['login', '--tls-verify=false', '--username', 'AWS', '--password-stdin', host], {
      input: this.password,
    });
  }

  /** The child's standard error so far (what it printed at start). */
  get stderr(): string {
    return this.child.stderr();
  }

  /** The child's log so far (standard output). */
  get log(): string {
    return this.child.stdout();
  }

  /** The Authorization header of the logged-in administrator, for raw requests. */
  get authHeaders(): Record<string, string> {
    return this.password ? { Authorization: `Basic ${Buffer.from(`AWS:${this.password}`).toString('base64')}` } : {};
  }

  get url(): string {
    return this.child.url;
  }

  /** host:port, for docker:// references. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Sends the running server a signal (SIGHUP: reload the TLS certificate). */
  signal(signal: NodeJS.Signals): void {
    this.child.process.kill(signal);
  }

  /** Null while it runs. */
  get exitCode(): number | null {
    return this.child.process.exitCode;
  }

  /** Stops the server with `signal`; returns how it exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await this.child.stop(signal);
    return { code: this.child.process.exitCode, signal: this.child.process.signalCode };
  }

  /** Starts the server again on the same data dir and port (after `stop`). */
  async start(): Promise<void> {
    this.child = await spawnBerth(this.dataDir, this.port, this.env, this.args);
  }

  async close(): Promise<void> {
    await this.child.stop('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SendOptions {
  headers?: Record<string, string | number>;
  body?: Buffer;
  /** Sends the body in pieces of this many bytes... */
  piece?: number;
  /** ...waiting this long between them (a slow client). */
  paceMs?: number;
  /** Called after each piece of the body is handed to the socket. */
  onPiece?: (bytes: number) => void;
  timeoutMs?: number;
}

/** One HTTP exchange on its own connection (no pool survives a server that was killed). */
export function send(method: string, url: string, options: SendOptions = {}): Promise<Reply> {
  const { body, piece = 64 * 1024, paceMs = 0, timeoutMs = 30_000 } = options;
  const headers: Record<string, string | number> = { ...options.headers };
  if (body && headers['Content-Length'] === undefined && headers['Transfer-Encoding'] === undefined)
    headers['Content-Length'] = body.length;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    void (async () => {
      for (let at = 0; body && at < body.length && !req.destroyed; at += piece) {
        const part = body.subarray(at, at + piece);
        if (!req.write(part)) await drainedOrClosed(req);
        options.onPiece?.(part.length);
        if (paceMs > 0) await sleep(paceMs);
      }
      if (!req.destroyed) req.end();
    })();
  });
}

function drainedOrClosed(req: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

/** The error code of a registry error envelope, if the body is one. */
export function errorCode(reply: Reply): string | undefined {
  try {
    return (JSON.parse(reply.body.toString('utf8')) as { errors?: { code?: string }[] }).errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

export interface SkopeoResult {
  stdout: string;
  stderr: string;
}

let authDir: string | undefined;

/** The auth file every skopeo run of this test process uses: logins never touch the machine's. */
export function skopeoAuthFile(): string {
  if (!authDir) {
    const dir = tempDir('berth-e2e-auth-');
    authDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return join(authDir, 'auth.json');
}

/** Runs skopeo (bounded in time, `input` on stdin); rejects with its stderr when it fails. */
export function skopeo(
  args: string[],
  options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<SkopeoResult> {
  const env = { ...process.env, REGISTRY_AUTH_FILE: skopeoAuthFile(), ...options.env };
  return new Promise((resolve, reject) => {
    const child = execFile(
      'skopeo',
      ['--insecure-policy', ...args],
      { timeout: options.timeoutMs ?? 90_000, maxBuffer: 32 << 20, env },
      (err, stdout, stderr) => {
        if (err)
          reject(Object.assign(new Error(`skopeo ${args.join(' ')} failed: ${stderr || err.message}`), { stderr }));
        else resolve({ stdout, stderr });
      },
    );
    // skopeo may exit without reading stdin (most commands do): that is no failure of the run.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
  });
}

function files(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * Every file under the data dir's `storage/blobs` must be `<algorithm>/<xx>/<hex>/data` holding
 * a whole sealed blob (header and segments of a possible size). Returns the digests stored; throws listing every violation.
 */
export function verifyBlobStore(dataDir: string): string[] {
  const root = join(dataDir, 'storage', 'blobs');
  const problems: string[] = [];
  const digests: string[] = [];
  for (const file of files(root)) {
    const path = relative(root, file);
    const match = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{64})\/data$/.exec(path);
    if (!match || !match[2]!.startsWith(match[1]!)) {
      problems.push(`unexpected file in the blob store: ${path} (${statSync(file).size} bytes)`);
      continue;
    }
    // Blobs are sealed (encryption at rest): this checks their form; the API checks their bytes.
    const sealed = readFileSync(file);
    try {
      parseHeader(sealed);
      plainSize(sealed.length);
      digests.push(`sha256:${match[2]}`);
    } catch (err) {
      problems.push(`${path} is not a sealed blob: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new Error(`blob store is inconsistent:\n${problems.join('\n')}`);
  return digests.sort();
}

/**
 * The plaintext bytes an upload session has on disk (0 when it has no byte file), read from the
 * sealed layout as the server reads it (whole segments plus a tail that belongs to them).
 */
export function storedUploadSize(dataDir: string, id: string): Promise<number> {
  return new BlobStore(new FsDriver(join(dataDir, 'storage'))).uploadSize(id);
}

/** Upload sessions that still have a directory in storage. */
export function uploadDirs(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'storage', 'uploads'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
