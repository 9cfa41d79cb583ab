// Runs every compiled test file (dist/**/*.test.js) with Node's test runner: once on SQLite and,
// when PostgreSQL is available (BERTH_TEST_POSTGRES_URL; required under CI=true), once more with
// every test Berth on PostgreSQL. Arguments filter files by substring of their path. The fuzzing
// tier (src/fuzz/*.fuzz.test.ts: fast-check properties, seed printed, BERTH_FUZZ_RUNS=<n> for
// longer runs) is part of the first pass. So is the once tier (*.once.test.ts): slow end-to-end tests
// of real clients whose outcome does not depend on the metadata backend, run on SQLite only.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = find('dist')
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/');
  process.exit(1);
}

const backends = ['sqlite'];
if (process.env.BERTH_TEST_POSTGRES_URL) backends.push('postgres');
else if (process.env.CI === 'true') {
  console.error('CI=true but BERTH_TEST_POSTGRES_URL is not set: the PostgreSQL pass cannot run');
  process.exit(1);
} else console.log('# BERTH_TEST_POSTGRES_URL is not set: skipping the PostgreSQL pass');

// Names this run's test databases, so that the cleanup after the PostgreSQL pass drops only
// them and not those of another run on the same server.
process.env.BERTH_TEST_RUN ??= `r${process.pid}${Date.now().toString(36)}`;

let failed = false;
for (const backend of backends) {
  console.log(`# test pass: metadata on ${backend}`);
  // The fuzzing tier (*.fuzz.test.js) exercises pure parsers, and the once tier (*.once.test.js)
  // real clients over paths the backend does not change: each runs once, not once per backend.
  const once = (f) => f.endsWith('.fuzz.test.js') || f.endsWith('.once.test.js');
  const passFiles = backend === 'sqlite' ? files : files.filter((f) => !once(f));
  if (passFiles.length === 0) continue;
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=2', '--test-timeout=300000', ...passFiles],
    {
      stdio: 'inherit',
      env: { ...process.env, BERTH_TEST_BACKEND: backend },
    },
  );
  if (result.status !== 0) failed = true;
  if (backend === 'postgres') {
    const { dropAllTestDatabases } = await import('../dist/testing/postgres.js');
    await dropAllTestDatabases().catch((err) => console.error(`could not drop test databases: ${err.message}`));
  }
}
process.exit(failed ? 1 : 0);
