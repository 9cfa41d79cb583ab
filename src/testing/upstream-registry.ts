// Debian's docker-registry (Distribution 2.8) on loopback with htpasswd auth, as a Docker Hub
// style upstream for the pull-through cache's tests; it can be stopped and started again on the
// same port and storage (the upstream going down and coming back).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { tempDir } from './server.js';

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export interface UpstreamRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  username: string;
  password: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its storage. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startUpstreamRegistry(username = 'hubuser', password = 'hub-secret'): Promise<UpstreamRegistry> {
  const dir = tempDir('berth-upstream-');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', username, password]));
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      '  secret: berth-test-upstream',
      'auth:',
      '  htpasswd:',
      '    realm: berth-test',
      `    path: ${join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const upstream: UpstreamRegistry = {
    host,
    username,
    password,
    async start() {
      child = spawn(DOCKER_REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        try {
          const res = await fetch(`http://${host}/v2/`);
          if (res.status === 401) return;
        } catch {
          /* not listening yet */
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`docker-registry did not start on ${host}`);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
    async close() {
      await upstream.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await upstream.start();
  return upstream;
}
