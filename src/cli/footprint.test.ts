// What a started server keeps in memory: packages that only some deployments use (the scanner's,
// managed signing's, the console's highlighter, PostgreSQL's driver, the YAML parser) are loaded
// on first use, and Node's fetch (undici) not at all (runtime/lazy-module.ts, client/registry.ts).
// Each one loaded at start stays in the heap for the life of the process (issue 27: peak RSS of a
// 2 GiB push ≤ 150 MiB). A new top-level import of one of them fails here.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { testBackend } from '../testing/postgres.js';
import { freePort, spawnBerth, tempDir, type ChildBerth } from '../testing/server.js';

/** Loaded into every process through NODE_OPTIONS: writes the packages loaded, and Node's own modules, at exit. */
const RECORDER = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const packages = new Set();
registerHooks({
  load(url, context, next) {
    const found = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(url);
    if (found) packages.add(found[1]);
    return next(url, context);
  },
});
process.on('exit', () => writeFileSync(process.env.FOOTPRINT_OUT, JSON.stringify({ packages: [...packages], builtins: process.moduleLoadList })));
`;

const LAZY = [
  '@cyclonedx/cyclonedx-library',
  'packageurl-js',
  '@sigstore/bundle',
  '@sigstore/verify',
  '@renovatebot/pep440',
  'highlight.js',
  'yaml',
  '@aws-sdk/client-s3',
];

describe('a started server', () => {
  let server: ChildBerth | undefined;
  after(() => server?.stop('SIGKILL'));

  it('has not loaded the packages only some deployments use, nor Node’s fetch', async () => {
    const dir = tempDir('berth-footprint-');
    const recorder = join(dir, 'recorder.mjs');
    const out = join(dir, 'loaded.json');
    writeFileSync(recorder, RECORDER);
    server = await spawnBerth(join(dir, 'data'), await freePort(), {
      NODE_OPTIONS: `--import=${recorder}`,
      FOOTPRINT_OUT: out,
    });
    // A request through the whole stack (authentication, routing, the store) before looking.
    assert.equal((await fetch(`${server.url}/v2/`)).status, 200);
    await server.stop('SIGTERM');
    const loaded = JSON.parse(readFileSync(out, 'utf8')) as { packages: string[]; builtins: string[] };

    assert.ok(loaded.packages.includes('fastify'), 'the recorder saw the packages loaded');
    const expectedAbsent = testBackend() === 'postgres' ? LAZY : [...LAZY, 'pg'];
    assert.deepEqual(
      expectedAbsent.filter((name) => loaded.packages.includes(name)),
      [],
    );
    assert.deepEqual(
      loaded.builtins.filter((name) => name.includes('undici')),
      [],
    );
  });
});
