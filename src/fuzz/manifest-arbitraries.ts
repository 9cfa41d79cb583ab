// Generators shared by the manifest fuzzers: descriptors, valid OCI and Docker images, and a
// mutator that rewrites a JSON value at arbitrary paths.
import type { Descriptor } from '../domain/manifest.js';
import { MediaTypes } from '../domain/media-types.js';
import { fc } from './harness.js';

/** Property names every plain object inherits: a parser that indexes a table by input meets them. */
export const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;

const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 64, maxLength: 64 });
export const digest = hex.map((h) => `sha256:${h}`);
const token = fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,15}$/);
const mediaType = fc.oneof(
  fc.tuple(token, token).map(([a, b]) => `${a}/${b}`),
  fc.constantFrom('application/vnd.oci.image.layer.v1.tar+gzip', 'application/octet-stream'),
);
const annotations = fc.dictionary(
  fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'),
  fc.string({ maxLength: 10 }),
  { maxKeys: 3 },
);

export const descriptor: fc.Arbitrary<Descriptor> = fc.record(
  {
    mediaType,
    digest,
    size: fc.maxSafeNat(),
    urls: fc.array(fc.webUrl(), { maxLength: 2 }),
    annotations,
    platform: fc.record({ os: fc.constantFrom('linux', 'windows'), architecture: fc.constantFrom('amd64', 'arm64') }),
  },
  { requiredKeys: ['mediaType', 'digest', 'size'] },
);

const DOCKER_LAYERS = [
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.diff.tar',
  MediaTypes.dockerForeignLayer,
];
const OCI_LAYERS = [
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
];

/** A descriptor of the Docker family's fields only (no annotations), so conversions can round-trip it. */
export const plainDescriptor = (types: readonly string[]) =>
  fc.record(
    {
      mediaType: fc.constantFrom(...types),
      size: fc.maxSafeNat(),
      digest,
      urls: fc.array(fc.webUrl(), { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: ['mediaType', 'size', 'digest'] },
  ) as fc.Arbitrary<Descriptor>;

export interface Image {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export const dockerImage: fc.Arbitrary<Image> = fc.record({
  schemaVersion: fc.constant(2 as const),
  mediaType: fc.constant(MediaTypes.dockerManifest),
  config: plainDescriptor([MediaTypes.dockerConfig]),
  layers: fc.array(plainDescriptor(DOCKER_LAYERS), { maxLength: 5 }),
});

export const ociImage: fc.Arbitrary<Image> = fc.record(
  {
    schemaVersion: fc.constant(2 as const),
    mediaType: fc.constant(MediaTypes.ociManifest),
    config: plainDescriptor([MediaTypes.ociConfig]),
    layers: fc.array(plainDescriptor(OCI_LAYERS), { maxLength: 5 }),
    annotations,
  },
  { requiredKeys: ['schemaVersion', 'mediaType', 'config', 'layers'] },
);

/** An object whose keys are prototype property names, with arbitrary values. */
export const prototypeKeyed = fc
  .dictionary(fc.constantFrom(...PROTOTYPE_KEYS), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1 })
  .map((o) => JSON.parse(JSON.stringify(o)) as unknown);

export interface Mutation {
  /** Picks the path: an index into every path of the value, modulo their count. */
  at: number;
  op: 'set' | 'delete' | 'wrap';
  value: unknown;
}

function paths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) for (const [i, v] of value.entries()) paths(v, [...at, i], out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

/** Applies mutations to a deep copy: replace the value at a path, delete it, or wrap it in an array. */
export function mutate(value: unknown, mutations: Mutation[]): unknown {
  let root = structuredClone(value);
  for (const { at, op, value: replacement } of mutations) {
    const all = paths(root);
    const path = all[at % all.length]!;
    if (path.length === 0) {
      root = op === 'wrap' ? [root] : op === 'set' ? structuredClone(replacement) : root;
      continue;
    }
    const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], root);
    const key = path[path.length - 1]!;
    if (op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else {
      parent[key] = op === 'wrap' ? [parent[key]] : structuredClone(replacement);
    }
  }
  return root;
}
