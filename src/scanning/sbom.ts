// The scan's result as a CycloneDX 1.6 SBOM (built with the CycloneDX library): the image as
// the metadata component, one component per package found, each with its package URL, the path
// it was read from and its source package.
import type * as CycloneDX from '@cyclonedx/cyclonedx-library';
import type * as PackageUrls from 'packageurl-js';
import type { PackageURL } from 'packageurl-js';
import { lazyModule } from '../runtime/lazy-module.js';
import type { FoundPackage, Inventory, OsRelease } from './packages.js';

// Loaded by the first scan (runtime/lazy-module.ts): the library and its JSON schema validators
// are a few MiB of heap that a server scanning nothing never needs.
const cycloneDx = lazyModule<typeof CycloneDX>('@cyclonedx/cyclonedx-library');
const packageUrls = lazyModule<typeof PackageUrls>('packageurl-js');

export const SBOM_ARTIFACT_TYPE = 'application/vnd.cyclonedx+json';

function distro(os: OsRelease | undefined): string | undefined {
  return os ? `${os.id}-${os.versionId}` : undefined;
}

export function purlOf(p: FoundPackage, os: OsRelease | undefined): PackageURL {
  const { PackageURL } = packageUrls();
  const qualifiers: Record<string, string> = {};
  if (p.arch) qualifiers.arch = p.arch;
  const d = distro(os);
  switch (p.type) {
    case 'deb':
    case 'rpm':
    case 'apk': {
      if (d) qualifiers.distro = d;
      if (p.source) qualifiers.upstream = p.source;
      const namespace = p.type === 'apk' ? (os?.id ?? 'alpine') : (os?.id ?? (p.type === 'deb' ? 'debian' : 'redhat'));
      return new PackageURL(p.type, namespace, p.name, p.version, qualifiers, undefined);
    }
    case 'npm': {
      const scoped = /^(@[^/]+)\/(.+)$/.exec(p.name);
      return new PackageURL('npm', scoped?.[1], scoped?.[2] ?? p.name, p.version, undefined, undefined);
    }
    case 'pypi':
      return new PackageURL(
        'pypi',
        undefined,
        p.name.toLowerCase().replace(/[-_.]+/g, '-'),
        p.version,
        undefined,
        undefined,
      );
    case 'golang': {
      const at = p.name.lastIndexOf('/');
      return new PackageURL(
        'golang',
        at > 0 ? p.name.slice(0, at) : undefined,
        at > 0 ? p.name.slice(at + 1) : p.name,
        p.version,
        undefined,
        undefined,
      );
    }
    case 'maven':
      return new PackageURL('maven', p.namespace, p.name, p.version, undefined, undefined);
  }
}

/** The SBOM's JSON text for an image (its repository, digest and what was found in it). */
export function buildSbom(
  image: { repositoryName: string; digest: string; tags: string[] },
  inventory: Inventory,
  at: Date,
): string {
  const CDX = cycloneDx();
  const bom = new CDX.Models.Bom();
  bom.serialNumber = `urn:uuid:${crypto.randomUUID()}`;
  bom.metadata.timestamp = at;
  bom.metadata.tools.components.add(
    new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'berth-scanner', { group: 'berth' }),
  );
  const root = new CDX.Models.Component(CDX.Enums.ComponentType.Container, image.repositoryName, {
    bomRef: image.digest,
    version: image.digest,
    ...(inventory.os && {
      description: inventory.os.prettyName ?? `${inventory.os.id} ${inventory.os.versionId}`,
    }),
  });
  bom.metadata.component = root;
  if (inventory.os) {
    bom.components.add(
      new CDX.Models.Component(CDX.Enums.ComponentType.OperatingSystem, inventory.os.id, {
        bomRef: `os:${inventory.os.id}`,
        version: inventory.os.versionId,
      }),
    );
  }
  const refs = new Set<string>();
  for (const p of inventory.packages) {
    const purl = purlOf(p, inventory.os);
    let ref = purl.toString();
    for (let n = 2; refs.has(ref); n++) ref = `${purl.toString()}#${n}`;
    refs.add(ref);
    const properties = [
      new CDX.Models.Property('berth:package:type', p.type),
      new CDX.Models.Property('berth:location', p.path),
    ];
    if (p.source) properties.push(new CDX.Models.Property('berth:package:source', p.source));
    bom.components.add(
      new CDX.Models.Component(CDX.Enums.ComponentType.Library, p.name, {
        bomRef: ref,
        version: p.version,
        purl: purl.toString(),
        ...(p.namespace && { group: p.namespace }),
        properties: new CDX.Models.PropertyRepository(properties),
      }),
    );
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return serializer.serialize(bom, { sortLists: true, space: 0 });
}
