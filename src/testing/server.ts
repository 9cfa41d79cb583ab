// Test helpers: a Berth in this process (for app.inject and socket tests) or in a child
// process (for restart and crash tests), each on its own temporary data directory.
import { cliNodeFlags } from '../cli/node-flags.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBerth, type Berth } from '../app/berth.js';
import { validate } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { openDeployment, type Deployment } from '../app/deployment.js';
import { dropPostgresDatabaseFor, testBackend, testMetadataUrl } from './postgres.js';

export const CLI = resolve(fileURLToPath(new URL('../cli/main.js', import.meta.url)));

/** The administrator key every test server is bootstrapped with (AWS's documented example key). */
export const TEST_ADMIN = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
} as const;

/** The administrator's keys as the environment of a child process (the AWS CLI, berth's own commands), no pager. */
export const ADMIN_ENV = {
  AWS_ACCESS_KEY_ID: TEST_ADMIN.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_ADMIN.secretAccessKey,
  AWS_PAGER: '',
};

export function tempDir(prefix = 'berth-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The temporary directories of one test file: `make` them as needed, `remove` them all in `after`. */
export function scratchDirs(): { make(prefix: string): string; remove(): void } {
  const dirs: string[] = [];
  return {
    make(prefix: string) {
      const dir = tempDir(prefix);
      dirs.push(dir);
      return dir;
    },
    remove() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Tree = Record<string, unknown>;

export interface TestBerth {
  berth: Berth;
  /** Base URL when listening (socket tests); empty for inject-only servers. */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts Berth in this process on a fresh data dir. `listen: false` keeps it inject-only.
 * Unless the settings say otherwise, the registry is open (no credentials needed): tests of the
 * protocol stay about the protocol; tests of access control pass `auth: { mode: 'iam' }`.
 */
export async function startBerth(
  options: { settings?: Tree; listen?: boolean; dataDir?: string } = {},
): Promise<TestBerth> {
  const dataDir = options.dataDir ?? tempDir();
  const berth = await createBerth(await testConfig(dataDir, options.settings));
  const url = options.listen === false ? '' : await berth.listen();
  return {
    berth,
    url,
    dataDir,
    async close() {
      await berth.close();
      if (!options.dataDir) await removeTestData(dataDir);
    },
  };
}

/** The configuration of a test Berth on `dataDir` in this pass (SQLite or PostgreSQL). */
async function testConfig(dataDir: string, overrides: Tree = {}): Promise<Config> {
  const metadataUrl = await testMetadataUrl(dataDir);
  // The public listener on a free port too, so test servers never contend for its default port.
  const publicSettings = { listen: '127.0.0.1:0', ...(overrides.public as Tree | undefined) };
  const settings = {
    log: { level: 'silent', requests: false },
    auth: { mode: 'open' },
    admin: TEST_ADMIN,
    ...overrides,
    public: publicSettings,
    dataDir,
    listen: '127.0.0.1:0',
  } as Tree;
  if (metadataUrl) settings.metadata = { ...(settings.metadata as Tree | undefined), url: metadataUrl };
  return validate(settings, 'test');
}

async function removeTestData(dataDir: string): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
}

export interface TestDeployment {
  deployment: Deployment;
  dataDir: string;
  close(): Promise<void>;
}

/** The store, master key and identities of a deployment, without a server (what `berth admin` opens). */
export async function openTestDeployment(options: { dataDir?: string; settings?: Tree } = {}): Promise<TestDeployment> {
  const dataDir = options.dataDir ?? tempDir();
  const deployment = await openDeployment(await testConfig(dataDir, options.settings));
  return {
    deployment,
    dataDir,
    async close() {
      await deployment.close();
      if (!options.dataDir) await removeTestData(dataDir);
    },
  };
}

export interface ChildBerth {
  process: ChildProcess;
  url: string;
  /** What the child wrote to standard error so far. */
  stderr(): string;
  /** What it wrote to standard output (its log) so far. */
  stdout(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Whether a server started with these arguments and environment serves HTTPS. */
function servesTls(args: string[], env: NodeJS.ProcessEnv): boolean {
  return (
    args.includes('--tls-self-signed') ||
    args.includes('--tls-cert') ||
    env.BERTH_TLS_SELF_SIGNED === 'true' ||
    Boolean(env.BERTH_TLS_CERT)
  );
}

/** GET /healthz answers 200. Over https the certificate is not checked here: this only waits for the start, tests check certificates themselves. */
async function healthy(url: string): Promise<boolean> {
  if (!url.startsWith('https:')) return (await fetch(`${url}/healthz`)).ok;
  const { get } = await import('node:https');
  return new Promise((resolveHealth, reject) => {
    get(`${url}/healthz`, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolveHealth(res.statusCode === 200);
    }).on('error', reject);
  });
}

/**
 * Starts `berth serve` as a child process (with more `args`, e.g. --tls-self-signed) and waits
 * until it answers. Open (no credentials) unless `env` sets BERTH_AUTH_MODE=iam; the
 * administrator key is always TEST_ADMIN.
 */
export async function spawnBerth(
  dataDir: string,
  port: number,
  env: NodeJS.ProcessEnv = {},
  args: string[] = [],
  options: { stdout?: number } = {},
): Promise<ChildBerth> {
  const metadataUrl = await testMetadataUrl(dataDir);
  const child = spawn(
    process.execPath,
    [...cliNodeFlags(CLI), CLI, 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...args],
    {
      env: {
        ...process.env,
        BERTH_LOG_LEVEL: 'warn',
        BERTH_AUTH_MODE: 'open',
        // No public listener unless asked: several served Berths would contend for its default port.
        BERTH_PUBLIC_LISTEN: '',
        BERTH_ADMIN_ACCESS_KEY_ID: TEST_ADMIN.accessKeyId,
        BERTH_ADMIN_SECRET_ACCESS_KEY: TEST_ADMIN.secretAccessKey,
        ...(metadataUrl && { BERTH_METADATA_URL: metadataUrl }),
        ...env,
      },
      // Standard output (the log) to a file descriptor of the caller's when given, e.g. /dev/full.
      stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout?.on('data', (d) => (stdout += d));
  const url = `${servesTls(args, env) ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`berth exited with ${child.exitCode}: ${stderr}`);
    try {
      if (await healthy(url)) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`berth did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    process: child,
    url,
    stderr: () => stderr,
    stdout: () => stdout,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolveStop) => {
        child.once('exit', () => resolveStop());
        child.kill(signal);
      });
    },
  };
}

/** A free loopback port. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}
