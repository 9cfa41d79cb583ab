// Each ecosystem's own version order, as OSV names the ecosystems: semver for npm and Go, PEP 440
// for PyPI, Maven's, and dpkg's, apk's and rpm's (implemented here, tested against their own
// suites' vectors; rpm's for the rpm-based distributions). A version an ecosystem cannot read compares by text, so a match never throws.
import type * as Pep440 from '@renovatebot/pep440';
import type * as Semver from 'semver';
import { lazyModule } from '../runtime/lazy-module.js';
import { compareApk } from './version-apk.js';
import { compareDpkg } from './version-dpkg.js';
import { compareMaven } from './version-maven.js';
import { compareRpm } from './version-rpm.js';

export type Ecosystem =
  | 'Debian'
  | 'Ubuntu'
  | 'Alpine'
  | 'npm'
  | 'PyPI'
  | 'Go'
  | 'Maven'
  | 'Red Hat'
  | 'Rocky Linux'
  | 'AlmaLinux'
  | 'openSUSE'
  | 'SUSE';

/** The rpm-based distributions' ecosystems, by the os-release ID of their images. */
export const RPM_ECOSYSTEMS: Record<string, Ecosystem> = {
  rhel: 'Red Hat',
  centos: 'Red Hat',
  rocky: 'Rocky Linux',
  almalinux: 'AlmaLinux',
  'opensuse-leap': 'openSUSE',
  'opensuse-tumbleweed': 'openSUSE',
  sles: 'SUSE',
};

// Loaded by the first comparison (runtime/lazy-module.ts): only scans compare versions.
const semverModule = lazyModule<typeof Semver>('semver');
const pep440Module = lazyModule<typeof Pep440>('@renovatebot/pep440');

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSemver(a: string, b: string): number {
  const semver = semverModule();
  const va = semver.valid(a.replace(/^v/, ''), { loose: true });
  const vb = semver.valid(b.replace(/^v/, ''), { loose: true });
  return va && vb ? semver.compare(va, vb, { loose: true }) : byText(a, b);
}

function comparePep440(a: string, b: string): number {
  const pep440 = pep440Module();
  return pep440.valid(a) && pep440.valid(b) ? pep440.compare(a, b) : byText(a, b);
}

/** Negative, zero or positive as `a` sorts before, with or after `b` in the ecosystem. */
export function compareVersions(ecosystem: Ecosystem, a: string, b: string): number {
  switch (ecosystem) {
    case 'Debian':
    case 'Ubuntu':
      return compareDpkg(a, b);
    case 'Alpine':
      return compareApk(a, b);
    case 'npm':
    case 'Go':
      return compareSemver(a, b);
    case 'PyPI':
      return comparePep440(a, b);
    case 'Maven':
      return compareMaven(a, b);
    case 'Red Hat':
    case 'Rocky Linux':
    case 'AlmaLinux':
    case 'openSUSE':
    case 'SUSE':
      return compareRpm(a, b);
    default:
      return compareDpkg(a, b);
  }
}
