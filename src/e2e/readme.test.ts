// The README's shell blocks run as written, against a fresh `berth serve`. Every ```sh block is
// marked by the HTML comment on the line before it:
//   <!-- readme-test: run -->            run it (in order, each in its own bash -e -o pipefail)
//   <!-- readme-test: skip (reason) -->  not run, for the reason given
// and an unmarked block fails this test, so a new block is either run or says why not. A yaml
// block marked <!-- readme-test: server-config --> is the configuration the server starts with.
//
// The substitutions, the only differences from running the blocks by hand:
// - `localhost:5000` / `127.0.0.1:5000` and `localhost:5001` name the test server's free ports
//   (and BERTH_ENDPOINT_URL names it, for commands that default to localhost:5000);
// - `npx berth` runs the compiled `berth` (npx resolves it to the same file in a checkout);
// - `docker://docker.io/library/alpine:latest` (the internet) is an OCI layout made by the test;
// - the placeholder key `AKIA...`/`...` of `export AWS_ACCESS_KEY_ID=AKIA... ...` is the key the
//   server printed at its first start (the test pins it, as BERTH_ADMIN_* would);
// - `aws` is the AWS CLI v2 (/usr/bin/aws), skopeo's logins go to a file of the test's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runProgram } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { dropPostgresDatabaseFor, testBackend, testMetadataUrl } from '../testing/postgres.js';
import { CLI, freePort, scratchDirs, TEST_ADMIN, ADMIN_ENV } from '../testing/server.js';
import { requireAwsCli, requireTool } from '../testing/tools.js';

const README = new URL('../../README.md', import.meta.url);

interface Block {
  line: number;
  info: string;
  marker: string | undefined;
  code: string;
}

/** Every fenced block of the README with the marker comment on the line before it. */
export function readmeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]!);
    if (!open?.[2]) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    const previous = lines
      .slice(0, i)
      .reverse()
      .find((l) => l.trim() !== '');
    const marker = /<!--\s*readme-test:\s*(.*?)\s*-->/.exec(previous ?? '')?.[1];
    blocks.push({ line: i + 1, info: open[2], marker, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

describe('README', () => {
  const dirs = scratchDirs();
  const blocks = readmeBlocks(readFileSync(README, 'utf8'));
  let server: ReturnType<typeof spawn> | undefined;
  let work = '';
  let port = 0;
  let publicPort = 0;
  let image = '';
  let env: NodeJS.ProcessEnv = {};
  let serverLog = '';

  before(async () => {
    work = dirs.make('berth-readme-');
    port = await freePort();
    do publicPort = await freePort();
    while (publicPort === port);
  });
  after(async () => {
    server?.kill('SIGKILL');
    dirs.remove();
    if (testBackend() === 'postgres') await dropPostgresDatabaseFor(join(work, 'data'));
  });

  it('marks every sh block: run, or skip with a reason', () => {
    const sh = blocks.filter((b) => b.info === 'sh');
    assert.ok(sh.length > 10);
    for (const block of sh) {
      assert.ok(
        block.marker === 'run' || /^skip \(.+\)$/.test(block.marker ?? ''),
        `README line ${block.line}: mark the block <!-- readme-test: run --> or <!-- readme-test: skip (reason) --> (found ${block.marker ?? 'nothing'})`,
      );
    }
  });

  it('runs every block marked run, as written, against a fresh berth serve', async (t) => {
    if (!requireAwsCli(t) || !requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(CLI, join(bin, 'berth'));
    const layout = new OciLayout(join(work, 'alpine'));
    layout.tag(layout.addImage([2048, 4096]), 'latest');
    image = `oci:${join(work, 'alpine')}:latest`;
    const configBlock = blocks.find((b) => b.marker === 'server-config');
    assert.ok(configBlock, 'the README shows the configuration its walkthrough serves with');
    writeFileSync(join(work, 'berth.yaml'), configBlock.code);
    const metadataUrl = await testMetadataUrl(join(work, 'data'));
    env = cleanEnv({
      // The Node that runs the tests runs npx and berth's shebang too, before any other on the machine.
      PATH: [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      HOME: work,
      REGISTRY_AUTH_FILE: join(work, 'auth.json'),
      AWS_PAGER: '',
      BERTH_ENDPOINT_URL: `http://localhost:${port}`,
      ...(metadataUrl && { BERTH_METADATA_URL: metadataUrl }),
    });
    server = spawn(
      CLI,
      [
        'serve',
        '--config',
        'berth.yaml',
        '--listen',
        `localhost:${port}`,
        '--public-listen',
        `localhost:${publicPort}`,
      ],
      {
        cwd: work,
        env: {
          ...env,
          BERTH_LOG_FORMAT: 'json',
          BERTH_ADMIN_ACCESS_KEY_ID: TEST_ADMIN.accessKeyId,
          BERTH_ADMIN_SECRET_ACCESS_KEY: TEST_ADMIN.secretAccessKey,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server.stdout!.on('data', (d) => (serverLog += d));
    server.stderr!.on('data', (d) => (serverLog += d));
    for (const deadline = Date.now() + 20_000; ; ) {
      assert.equal(server.exitCode, null, `berth serve exited: ${serverLog}`);
      if (
        await fetch(`http://localhost:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      assert.ok(Date.now() < deadline, `berth serve did not start: ${serverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const substitute = (code: string) =>
      code
        .replaceAll('localhost:5000', `localhost:${port}`)
        .replaceAll('127.0.0.1:5000', `127.0.0.1:${port}`)
        .replaceAll('localhost:5001', `localhost:${publicPort}`)
        .replaceAll('docker://docker.io/library/alpine:latest', image)
        .replace(
          /^export AWS_ACCESS_KEY_ID=AKIA\.\.\. AWS_SECRET_ACCESS_KEY=\.\.\./m,
          `export AWS_ACCESS_KEY_ID=${TEST_ADMIN.accessKeyId} AWS_SECRET_ACCESS_KEY=${TEST_ADMIN.secretAccessKey}`,
        );
    const prelude = 'npx() { "$@"; }\n';
    const keys = { ...ADMIN_ENV };
    const run = blocks.filter((b) => b.info === 'sh' && b.marker === 'run');
    assert.ok(run.length >= 10, 'most blocks run');
    for (const block of run) {
      const script = prelude + substitute(block.code);
      const result = await runBash(script, work, { ...env, ...keys });
      assert.equal(
        result.code,
        0,
        `README line ${block.line} failed (exit ${result.code}):\n${block.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
      );
    }
  });
});

function runBash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  // runProgram's clean environment would drop the settings above: run bash directly, with these only.
  void runProgram;
  return new Promise((resolveRun) => {
    const child = spawn('/bin/bash', ['-e', '-o', 'pipefail', '-c', script], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? -1, stdout, stderr });
    });
  });
}
