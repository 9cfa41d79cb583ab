// The request log of a served Berth: each line says who asked (client address, account and
// principal, user agent), what (the API action of a POST /), and the bytes in and out; health
// probes are not logged; log.format pretty gives readable lines instead of JSON.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runProgram } from '../testing/cli.js';
import { CLI, freePort, scratchDirs, spawnBerth, type ChildBerth, ADMIN_ENV } from '../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../testing/tools.js';
import { runScript } from '../testing/cli.js';

interface Line {
  msg: string;
  method?: string;
  url?: string;
  action?: string;
  status?: number;
  client?: string;
  account?: string;
  principal?: string;
  userAgent?: string;
  bytesIn?: number;
  bytesOut?: number;
}

const requests = (server: ChildBerth): Line[] =>
  server
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.msg === 'request');

async function settle(server: ChildBerth, count: number): Promise<Line[]> {
  for (let i = 0; i < 40 && requests(server).length < count; i++) await new Promise((r) => setTimeout(r, 50));
  return requests(server);
}

describe('request log', () => {
  const dirs = scratchDirs();
  const servers: ChildBerth[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    dirs.remove();
  });

  it('logs the client, identity, user agent, bytes and API action; not /healthz or /readyz', async (t) => {
    if (!requireAwsCli(t)) return;
    const server = await spawnBerth(dirs.make('berth-reqlog-'), await freePort(), {
      BERTH_AUTH_MODE: 'iam',
      BERTH_LOG_LEVEL: 'info',
      BERTH_LOG_FORMAT: 'json',
    });
    servers.push(server);
    await fetch(`${server.url}/healthz`);
    await fetch(`${server.url}/readyz`);
    const env = {
      ...ADMIN_ENV,
      AWS_REGION: 'us-east-1',
    };
    const created = await runProgram(
      AWS_CLI,
      ['ecr', 'create-repository', '--repository-name', 'logged/app', '--endpoint-url', server.url],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const caller = await runProgram(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', server.url], env);
    assert.equal(caller.code, 0, caller.stderr);
    const login = await runScript(CLI, ['login', '--endpoint-url', server.url], env);
    const basic = `Basic ${Buffer.from(`AWS:${login.stdout.trim()}`).toString('base64')}`;
    const body = Buffer.alloc(3000, 1);
    const { createHash } = await import('node:crypto');
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const push = await fetch(`${server.url}/v2/logged/app/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body,
      headers: { authorization: basic, 'user-agent': 'test-agent/1.0', 'content-type': 'application/octet-stream' },
    });
    assert.equal(push.status, 201);
    const anonymous = await fetch(`${server.url}/v2/logged/app/tags/list`);
    assert.equal(anonymous.status, 401);

    const lines = await settle(server, 5);
    assert.ok(!lines.some((l) => l.url === '/healthz' || l.url === '/readyz'), 'health probes are not logged');
    const account = /arn:aws:iam::(\d{12}):root/.exec(JSON.parse(caller.stdout).Arn as string)![1];
    const create = lines.find((l) => l.action === 'ecr:CreateRepository');
    assert.ok(create, JSON.stringify(lines));
    assert.equal(create.method, 'POST');
    assert.equal(create.url, '/');
    assert.equal(create.status, 200);
    assert.equal(create.client, '127.0.0.1');
    assert.equal(create.account, account);
    assert.equal(create.principal, `arn:aws:iam::${account}:root`);
    assert.match(create.userAgent ?? '', /^aws-cli\/2/);
    assert.ok((create.bytesIn ?? 0) > 0 && (create.bytesOut ?? 0) > 0);
    assert.ok(
      lines.some((l) => l.action === 'sts:GetCallerIdentity' && l.principal === `arn:aws:iam::${account}:root`),
      'the query protocol action too',
    );
    const upload = lines.find((l) => l.method === 'POST' && l.url?.startsWith('/v2/logged/app/blobs/uploads/'));
    assert.ok(upload, JSON.stringify(lines));
    assert.equal(upload.status, 201);
    assert.equal(upload.bytesIn, 3000);
    assert.equal(upload.userAgent, 'test-agent/1.0');
    assert.equal(upload.principal, `arn:aws:iam::${account}:root`);
    const refused = lines.find((l) => l.url === '/v2/logged/app/tags/list');
    assert.equal(refused?.status, 401);
    assert.equal(refused?.principal, 'anonymous');
  });

  it('log.format pretty writes readable lines, not JSON', async () => {
    const server = await spawnBerth(dirs.make('berth-pretty-'), await freePort(), {
      BERTH_LOG_LEVEL: 'info',
      BERTH_LOG_FORMAT: 'pretty',
    });
    servers.push(server);
    await fetch(`${server.url}/v2/`, { headers: { 'user-agent': 'pretty-agent/2' } });
    for (let i = 0; i < 40 && !server.stdout().includes('GET /v2/'); i++) await new Promise((r) => setTimeout(r, 50));
    const lines = server.stdout().trim().split('\n');
    assert.ok(lines.length > 2 && lines.every((l) => !l.startsWith('{')), server.stdout());
    assert.ok(
      lines.some((l) =>
        /^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[[^\]]+\] Berth is listening url=http:\/\/127\.0\.0\.1:\d+ /.test(l),
      ),
      server.stdout(),
    );
    assert.ok(
      lines.some((l) =>
        /INFO {2}\[[^\]]+\] GET \/v2\/ 200 \d+ms 127\.0\.0\.1 anonymous 0 B→\d+ B "pretty-agent\/2"$/.test(l),
      ),
      server.stdout(),
    );
  });
});
