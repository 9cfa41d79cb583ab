// The version orders against their upstreams' own test vectors (dpkg's, apk-tools' and rpm's suites,
// kept in testdata/), and the library-backed ones (semver, PEP 440, Maven) on known orders.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compareApk, isApkVersion } from './version-apk.js';
import { compareDpkg } from './version-dpkg.js';
import { compareRpm, rpmvercmp } from './version-rpm.js';
import { compareVersions } from './versions.js';

const testdata = (name: string) =>
  readFileSync(new URL(`../../src/scanning/testdata/${name}`, import.meta.url), 'utf8').split('\n');

describe('dpkg version order (dpkg t-version.c and Dpkg_Version.t vectors)', () => {
  const cases = testdata('dpkg-versions.txt').filter((l) => l.trim() && !l.startsWith('#'));
  it(`holds for all ${cases.length} vectors, both ways round`, () => {
    assert.ok(cases.length > 50);
    for (const line of cases) {
      const [a, b, expected] = line.trim().split(/\s+/) as [string, string, string];
      assert.equal(Math.sign(compareDpkg(a, b)), Number(expected), `${a} vs ${b}`);
      assert.equal(Math.sign(compareDpkg(b, a)), 0 - Number(expected) || 0, `${b} vs ${a}`);
    }
  });
});

describe('apk version order (apk-tools test/unit/version.data)', () => {
  const lines = testdata('apk-versions.txt')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  it(`holds for every line: ${lines.length} comparisons, fuzzy matches and validity checks`, () => {
    assert.ok(lines.length > 700);
    const failures: string[] = [];
    for (const line of lines) {
      const parts = line.split(/\s+/);
      if (parts.length === 3) {
        const [a, rawOp, b] = parts as [string, string, string];
        const invert = rawOp.startsWith('!');
        const op = invert ? rawOp.slice(1) : rawOp;
        const fuzzy = op.includes('~');
        const r = compareApk(a, b, fuzzy);
        const got = r < 0 ? '<' : r > 0 ? '>' : '=';
        const accepted = new Set([...op.replace('~', '=')]);
        if (accepted.has(got) === invert) failures.push(line);
      } else {
        const invert = line.startsWith('!');
        if (isApkVersion(invert ? line.slice(1) : line) === invert) failures.push(line);
      }
    }
    assert.deepEqual(failures, []);
  });
});

describe('the other ecosystems', () => {
  const ordered = (ecosystem: Parameters<typeof compareVersions>[0], versions: string[]) => {
    for (let i = 1; i < versions.length; i++)
      assert.ok(compareVersions(ecosystem, versions[i - 1]!, versions[i]!) < 0, `${versions[i - 1]} < ${versions[i]}`);
  };
  it('npm and Go follow semver (prereleases first, a v prefix allowed)', () => {
    ordered('npm', ['4.17.4', '4.17.20', '4.17.21', '5.0.0-beta.1', '5.0.0']);
    ordered('Go', ['v0.3.7', 'v0.3.8', '0.3.10', 'v1.0.0']);
  });
  it('PyPI follows PEP 440', () => {
    ordered('PyPI', ['2.0.0a1', '2.0.0rc1', '2.0.0', '2.0.0.post1', '2.31.0', '2.32.0']);
  });
  it("Maven follows ComparableVersion's qualifiers", () => {
    ordered('Maven', [
      '2.14.1',
      '2.15.0-alpha1',
      '2.15.0-beta',
      '2.15.0-rc1',
      '2.15.0-SNAPSHOT',
      '2.15.0',
      '2.15.0-sp1',
    ]);
    assert.equal(compareVersions('Maven', '1.0', '1.0.0'), 0);
    assert.equal(compareVersions('Maven', '1.0-ga', '1.0'), 0);
  });
});

describe("rpm version order (rpm's tests/rpmvercmp.at vectors)", () => {
  const cases = testdata('rpm-versions.txt').filter((l) => l.trim() && !l.startsWith('#'));
  it(`holds for all ${cases.length} vectors`, () => {
    assert.ok(cases.length >= 69);
    for (const line of cases) {
      const [a, b, expected] = line.trim().split(/\s+/) as [string, string, string];
      assert.equal(rpmvercmp(a, b), Number(expected), `rpmvercmp(${a}, ${b})`);
    }
  });
  it('caret sorts after the end and before any further part; EVR compares epoch, version, then release', () => {
    assert.equal(rpmvercmp('1.0^git1', '1.0'), 1);
    assert.equal(rpmvercmp('1.0^git1', '1.0.1'), -1);
    assert.equal(rpmvercmp('1.0^git1', '1.0^git2'), -1);
    assert.equal(rpmvercmp('1.0~rc1^git1', '1.0~rc1'), 1);
    assert.equal(compareRpm('1:3.0.1-41.el9_0', '3.0.7-24.el9'), 1, 'an epoch outweighs the version');
    assert.equal(compareRpm('1:3.0.7-24.el9', '1:3.0.1-41.el9_0'), 1);
    assert.equal(compareRpm('1:3.0.1-23.el9_0', '1:3.0.1-41.el9_0'), -1, 'then the release');
    assert.equal(compareRpm('0:2.4-1', '2.4-1'), 0, 'an absent epoch is 0');
    assert.equal(compareRpm('2.4', '2.4-7.el9'), 0, 'a release is compared only when both have one');
    assert.equal(compareVersions('Rocky Linux', '1:3.0.1-40.el9_0', '1:3.0.1-41.el9_0'), -1);
  });
});
