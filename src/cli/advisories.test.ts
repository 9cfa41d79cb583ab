// `berth advisories import` as an operator runs it, offline against the data dir (or the
// PostgreSQL database) of this test pass: a directory of OSV records and an osv.dev-style zip
// are imported into the database, a path that is not there is refused in one line.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runScript } from '../testing/cli.js';
import { dropPostgresDatabaseFor, testBackend, testMetadataUrl } from '../testing/postgres.js';
import { zipOf } from '../testing/scan-images.js';
import { CLI, openTestDeployment, tempDir } from '../testing/server.js';

const OSV_DIR = fileURLToPath(new URL('../../src/scanning/testdata/osv/', import.meta.url));

describe('berth advisories import', () => {
  let dataDir: string;
  let scratch: string;
  let env: NodeJS.ProcessEnv;
  const advisories = (args: string[]) => runScript(CLI, ['advisories', '--data-dir', dataDir, ...args], env);

  before(async () => {
    dataDir = tempDir('berth-advisories-');
    scratch = mkdtempSync(join(tmpdir(), 'berth-osv-'));
    const metadataUrl = await testMetadataUrl(dataDir);
    env = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
    // The deployment exists (as `berth admin init` or a first serve makes it).
    const created = await openTestDeployment({ dataDir });
    await created.deployment.close();
  });
  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
  });

  it('imports a directory of OSV records and a zip of them; the records are there to match', async () => {
    const fromDir = await advisories(['import', OSV_DIR, '--json']);
    assert.equal(fromDir.code, 0, fromDir.stderr);
    const report = JSON.parse(fromDir.stdout);
    const files = readdirSync(OSV_DIR).filter((f) => f.endsWith('.json'));
    assert.equal(report.files, files.length);
    assert.equal(report.records, files.length);
    const zip = join(scratch, 'all.zip');
    writeFileSync(
      zip,
      zipOf([
        {
          name: 'GHSA-p6mc-m468-83gw.json',
          content: JSON.stringify({
            id: 'GHSA-p6mc-m468-83gw',
            modified: '2024-01-01T00:00:00Z',
            summary: 'Prototype Pollution in lodash',
            affected: [
              {
                package: { ecosystem: 'npm', name: 'lodash' },
                ranges: [{ type: 'SEMVER', events: [{ introduced: '3.7.0' }, { fixed: '4.17.19' }] }],
              },
            ],
          }),
        },
        { name: 'README.md', content: 'not a record' },
      ]),
    );
    const fromZip = await advisories(['import', zip]);
    assert.equal(fromZip.code, 0, fromZip.stderr);
    assert.match(fromZip.stdout, /imported 1 advisories \(1 package entries\) from 1 files/);
    const opened = await openTestDeployment({ dataDir });
    try {
      const lodash = await opened.deployment.store.scanning.advisories('npm', ['lodash']);
      assert.deepEqual(lodash.map((a) => a.id).sort(), ['GHSA-35jh-r3h4-6jhm', 'GHSA-p6mc-m468-83gw']);
      const record = JSON.parse(readFileSync(join(OSV_DIR, 'GHSA-35jh-r3h4-6jhm.json'), 'utf8'));
      assert.deepEqual(JSON.parse(lodash.find((a) => a.id === record.id)!.record), record);
    } finally {
      await opened.deployment.close();
    }
  });

  it('refuses a source that is not there, in one line', async () => {
    const res = await advisories(['import', join(scratch, 'missing.zip')]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /no such file or directory: .*missing\.zip/);
    assert.ok(!res.stderr.includes('    at '), res.stderr);
  });
});
