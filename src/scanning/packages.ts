// What a scan finds in an image: installed packages (by package manager) and the operating
// system, each with the path it was read from. The shape the SBOM's components and the
// advisory matching are made from, and what a scan keeps for re-evaluation.

export type PackageType = 'deb' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'golang' | 'maven';

export interface FoundPackage {
  type: PackageType;
  name: string;
  version: string;
  /** The source package (dpkg's Source, apk's origin, rpm's source rpm), where it differs. */
  source?: string;
  arch?: string;
  /** Maven's groupId; an npm scope is part of the name. */
  namespace?: string;
  /** Where in the image it was read from. */
  path: string;
}

export interface OsRelease {
  id: string;
  versionId: string;
  prettyName?: string;
}

export interface Inventory {
  os?: OsRelease;
  packages: FoundPackage[];
  /** What the scan passed over, and why (a jar too large to read, an old Go build info). */
  skipped: string[];
}
