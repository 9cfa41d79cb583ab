// The scanner's reading of layers, without a server: layers as gzip, zstd and plain tar streams,
// whiteouts across layers, every detector on real package databases, the CycloneDX SBOM, and
// the findings against the OSV fixtures (testdata/osv) with each ecosystem's version order.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  alpineLayers,
  type Compression,
  compress,
  debianLayers,
  goBinary,
  hasZstd,
  nodeAppLayers,
  oldGoBinary,
  rpmSqlite,
  type TarFile,
  tarOf,
  zipOf,
} from '../testing/scan-images.js';
import { cvss3BaseScore } from './cvss.js';
import { evaluate } from './findings.js';
import { DEFAULT_INVENTORY_OPTIONS, InventoryBuilder } from './inventory.js';
import { type OsvRecord, packageKey } from './osv.js';
import type { Inventory } from './packages.js';
import { buildSbom } from './sbom.js';

const OSV_DIR = new URL('../../src/scanning/testdata/osv/', import.meta.url);
const fixtures: OsvRecord[] = readdirSync(OSV_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, OSV_DIR), 'utf8')) as OsvRecord);

const lookup = async (ecosystem: string, names: string[]) =>
  fixtures.filter((r) =>
    r.affected?.some(
      (a) =>
        a.package?.ecosystem?.split(':')[0] === ecosystem &&
        names.some((n) => packageKey(ecosystem as never, n) === packageKey(ecosystem as never, a.package?.name ?? '')),
    ),
  );

async function inventoryOf(layers: TarFile[][], compression: Compression = 'gzip'): Promise<Inventory> {
  const builder = new InventoryBuilder();
  for (const [i, files] of layers.entries()) {
    const bytes = compress(tarOf(files), compression);
    await builder.addLayer({
      digest: `layer-${i}`,
      async *open() {
        // In small pieces, as a stream arrives: headers and bodies cut across chunks.
        for (let at = 0; at < bytes.length; at += 700) yield bytes.subarray(at, at + 700);
      },
    });
  }
  return builder.result();
}

const names = (inv: Inventory) =>
  inv.packages.map((p) => `${p.type}:${p.namespace ? `${p.namespace}:` : ''}${p.name}@${p.version}`).sort();

describe('reading layers', () => {
  it('a Debian image: os-release and the dpkg status (installed packages only, with their source packages)', async () => {
    const inv = await inventoryOf(debianLayers());
    assert.deepEqual(inv.os, { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    assert.deepEqual(names(inv), [
      'deb:bash@5.2.15-2+b2',
      'deb:libssl3@3.0.11-1~deb12u2',
      'deb:libtinfo6@6.4-4',
      'deb:zlib1g@1:1.2.13.dfsg-1',
    ]);
    assert.equal(inv.packages.find((p) => p.name === 'libssl3')?.source, 'openssl');
  });

  it('an Alpine image read from zstd layers, and from plain tar', async (t) => {
    for (const compression of ['zstd', 'none'] as const) {
      if (compression === 'zstd' && !hasZstd) {
        t.diagnostic('this Node has no zstd');
        continue;
      }
      const inv = await inventoryOf(alpineLayers(), compression);
      assert.equal(inv.os?.id, 'alpine');
      assert.deepEqual(names(inv), ['apk:busybox@1.36.1-r15', 'apk:libcrypto3@3.1.4-r2']);
      assert.equal(inv.packages.find((p) => p.name === 'libcrypto3')?.source, 'openssl');
    }
  });

  it('a source that hands out its pieces in two buffers it reuses in turn (as the scanner reads blob files): gzip, zstd and plain tar read alike', async (t) => {
    const layers = [...debianLayers(), ...nodeAppLayers()];
    const expected = names(await inventoryOf(layers));
    for (const compression of ['gzip', 'zstd', 'none'] as const) {
      if (compression === 'zstd' && !hasZstd) {
        t.diagnostic('this Node has no zstd');
        continue;
      }
      const builder = new InventoryBuilder();
      for (const [i, files] of layers.entries()) {
        const bytes = compress(tarOf(files), compression);
        await builder.addLayer({
          digest: `layer-${i}`,
          async *open() {
            const buffers = [Buffer.alloc(64), Buffer.alloc(64)];
            for (let at = 0, turn = 0; at < bytes.length; at += 64, turn ^= 1) {
              const n = bytes.subarray(at, at + 64).copy(buffers[turn]!);
              yield buffers[turn]!.subarray(0, n);
            }
          },
        });
      }
      assert.deepEqual(names(builder.result()), expected, compression);
    }
  });

  it('a layer that fails part way (a corrupt gzip stream) fails the walk and closes its source at once', async () => {
    // Corrupt near its start, with megabytes after it that nobody needs to read.
    const bytes = compress(
      tarOf([...debianLayers()[0]!, { path: 'data', content: randomBytes(4 * 1024 * 1024) }]),
      'gzip',
    );
    bytes.fill(0xff, 200, 260);
    let closed = false;
    const builder = new InventoryBuilder();
    await assert.rejects(
      builder.addLayer({
        digest: 'corrupt',
        async *open() {
          try {
            for (let at = 0; at < bytes.length; at += 16384) yield bytes.subarray(at, at + 16384);
          } finally {
            closed = true;
          }
        },
      }),
    );
    assert.equal(closed, true, 'the source (a blob file) is closed, not left to the collector');
  });

  it('whiteouts: a file and a whole directory (opaque) removed by a higher layer; a rewritten database replaces the lower one', async () => {
    const inv = await inventoryOf([
      ...nodeAppLayers(),
      [
        { path: 'app/node_modules/.wh.lodash', content: '' },
        { path: 'usr/lib/python3/site-packages/.wh..wh..opq', content: '' },
        { path: 'var/lib/dpkg/status', content: 'Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b7\n' },
      ],
    ]);
    assert.ok(
      !inv.packages.some((p) => p.path === 'app/node_modules/lodash/package.json'),
      'the whited-out module is gone',
    );
    assert.ok(
      inv.packages.some((p) => p.path === 'app/package-lock.json' && p.name === 'lodash'),
      'the lockfile stays',
    );
    assert.deepEqual(
      inv.packages.filter((p) => p.type === 'deb').map((p) => `${p.name}@${p.version}`),
      ['bash@5.2.15-2+b7'],
    );
    const opaque = await inventoryOf([
      [
        {
          path: 'usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA',
          content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nbody',
        },
      ],
      [{ path: 'usr/lib/python3/site-packages/.wh..wh..opq', content: '' }],
    ]);
    assert.deepEqual(opaque.packages, []);
  });

  it('npm, Python, a jar (with a nested jar), a Go binary, distroless status.d and an rpm database', async () => {
    const pom = (g: string, a: string, v: string) =>
      `#Generated by Maven\ngroupId=${g}\nartifactId=${a}\nversion=${v}\n`;
    const inner = zipOf([
      { name: 'META-INF/maven/org.yaml/snakeyaml/pom.properties', content: pom('org.yaml', 'snakeyaml', '1.33') },
    ]);
    const jar = zipOf([
      { name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\n' },
      {
        name: 'META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties',
        content: pom('org.apache.logging.log4j', 'log4j-core', '2.14.1'),
      },
      { name: 'BOOT-INF/lib/snakeyaml-1.33.jar', content: inner },
    ]);
    const inv = await inventoryOf([
      [
        {
          path: 'var/lib/dpkg/status.d/base-files',
          content: 'Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n',
        },
        {
          path: 'usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA',
          content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nbody',
        },
        { path: 'opt/app/app.jar', content: jar },
        { path: 'usr/local/bin/server', content: goBinary('go1.21.5', [['golang.org/x/text', 'v0.3.7']]), mode: 0o755 },
        {
          path: 'var/lib/rpm/rpmdb.sqlite',
          content: rpmSqlite([{ name: 'openssl-libs', version: '3.0.7', release: '24.el9', arch: 'x86_64' }]),
        },
        {
          path: 'srv/node_modules/@scope/pkg/package.json',
          content: JSON.stringify({ name: '@scope/pkg', version: '2.0.0' }),
        },
      ],
    ]);
    assert.deepEqual(names(inv), [
      'deb:base-files@12.4+deb12u5',
      'golang:golang.org/x/text@v0.3.7',
      'golang:stdlib@1.21.5',
      'maven:org.apache.logging.log4j:log4j-core@2.14.1',
      'maven:org.yaml:snakeyaml@1.33',
      'npm:@scope/pkg@2.0.0',
      'pypi:requests@2.31.0',
      'rpm:openssl-libs@3.0.7-24.el9',
    ]);
  });

  it('a Go binary from before Go 1.18: its build info read through the addresses in its header', async () => {
    const binary = oldGoBinary('go1.16.15', [
      ['golang.org/x/text', 'v0.3.5'],
      ['github.com/gorilla/websocket', 'v1.4.0'],
    ]);
    const inv = await inventoryOf([[{ path: 'usr/local/bin/legacy', content: binary, mode: 0o755 }]]);
    assert.deepEqual(names(inv), [
      'golang:github.com/gorilla/websocket@v1.4.0',
      'golang:golang.org/x/text@v0.3.5',
      'golang:stdlib@1.16.15',
    ]);
    assert.deepEqual(inv.skipped, []);
    // Larger than the bound a scan reads whole: said so, not read.
    const bounded = new InventoryBuilder({ ...DEFAULT_INVENTORY_OPTIONS, maxFileBytes: 1024 });
    const tar = compress(tarOf([{ path: 'usr/local/bin/legacy', content: binary, mode: 0o755 }]), 'gzip');
    await bounded.addLayer({
      digest: 'l',
      async *open() {
        yield tar;
      },
    });
    assert.deepEqual(bounded.result().packages, []);
    assert.match(bounded.result().skipped.join('\n'), /before Go 1\.18/);
  });

  it('a jar larger than the bound is skipped and said so', async () => {
    const builder = new InventoryBuilder({ maxFileBytes: 1 << 20, maxJarBytes: 100, maxBinaryBytes: 1 << 20 });
    const tar = tarOf([{ path: 'big.jar', content: Buffer.alloc(4096) }]);
    await builder.addLayer({
      digest: 'l',
      open: async function* () {
        yield tar;
      },
    });
    assert.match(builder.result().skipped.join('\n'), /big\.jar: a jar of 4096 bytes/);
  });
});

describe('the SBOM and the findings', () => {
  it('a CycloneDX 1.6 SBOM with purls for every package', async () => {
    const inv = await inventoryOf(nodeAppLayers());
    const sbom = JSON.parse(buildSbom({ repositoryName: 'shop', digest: 'sha256:abc', tags: [] }, inv, new Date()));
    assert.equal(sbom.bomFormat, 'CycloneDX');
    assert.equal(sbom.specVersion, '1.6');
    assert.equal(sbom.metadata.component.type, 'container');
    const purls = sbom.components
      .map((c: { purl?: string }) => c.purl)
      .filter(Boolean)
      .sort();
    assert.ok(
      purls.includes('pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl'),
      purls.join('\n'),
    );
    assert.ok(purls.includes('pkg:npm/lodash@4.17.20'));
    assert.ok(purls.includes('pkg:npm/%40types/node@20.11.5'));
  });

  it('findings name the advisory, its severity from the CVSS vector, and the package; fixed and other-release advisories do not match', async () => {
    const debian = await evaluate(await inventoryOf(nodeAppLayers()), lookup);
    assert.deepEqual(
      debian.map((f) => [f.name, f.severity, f.attributes.find((a) => a.key === 'package_name')?.value]),
      [
        ['GHSA-xvch-5gv4-984h', 'CRITICAL', 'minimist'],
        ['GHSA-35jh-r3h4-6jhm', 'HIGH', 'lodash'],
        ['DEBIAN-CVE-2024-0727', 'MEDIUM', 'libssl3'],
        ['DEBIAN-CVE-2023-50495', 'LOW', 'libtinfo6'],
      ],
    );
    const lodash = debian.find((f) => f.name === 'GHSA-35jh-r3h4-6jhm');
    assert.deepEqual(lodash?.attributes, [
      { key: 'package_version', value: '4.17.20' },
      { key: 'package_name', value: 'lodash' },
      { key: 'CVSS3_VECTOR', value: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
      { key: 'CVSS3_SCORE', value: '7.2' },
    ]);
    const alpine = await evaluate(await inventoryOf(alpineLayers()), lookup);
    assert.deepEqual(
      alpine.map((f) => [f.name, f.severity]),
      [['ALPINE-CVE-2023-6129', 'MEDIUM']],
    );
  });

  it("an rpm database's packages match rpm advisories by rpm's order, epoch included (a Rocky Linux 9 image)", async () => {
    const rocky = (openssl: { version: string; release: string; epoch?: number }) =>
      inventoryOf([
        [
          { path: 'etc/os-release', content: 'NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.0"\n' },
          {
            path: 'var/lib/rpm/rpmdb.sqlite',
            content: rpmSqlite([
              { name: 'openssl-libs', source: 'openssl', arch: 'x86_64', ...openssl },
              { name: 'bash', version: '5.1.8', release: '4.el9', arch: 'x86_64' },
            ]),
          },
        ],
      ]);
    const old = await evaluate(await rocky({ epoch: 1, version: '3.0.1', release: '23.el9_0' }), lookup);
    assert.deepEqual(
      old.map((f) => [f.name, f.severity, f.attributes.find((a) => a.key === 'package_version')?.value]),
      [['RLSA-2022:6224', 'MEDIUM', '1:3.0.1-23.el9_0']],
    );
    assert.deepEqual(
      await evaluate(await rocky({ epoch: 1, version: '3.0.1', release: '41.el9_0' }), lookup),
      [],
      'fixed',
    );
    assert.deepEqual(
      await evaluate(await rocky({ epoch: 1, version: '3.0.7', release: '24.el9' }), lookup),
      [],
      'newer',
    );
  });

  it('CVSS v3 base scores as the specification computes them', () => {
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'), 10);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), 9.8);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H'), 5.5);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N'), 5.6);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:H'), 6.5);
    assert.equal(cvss3BaseScore('CVSS:2.0/AV:N'), undefined);
  });
});
