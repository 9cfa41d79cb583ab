// Content negotiation by tag: the Accept headers real clients send (Docker 1.7–1.9 send none;
// later engines, containerd, skopeo, helm, curl) against every stored format, and platform choice.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MediaTypes as M } from '../media-types.js';
import { parseAccept, parsePlatform, plan, selectPlatform, servableFormats, type Plan } from './negotiate.js';

const FIXTURES = new URL('../../../test/fixtures/manifests/', import.meta.url);

const CLIENTS: Record<string, string | string[] | undefined> = {
  'Docker 1.7–1.9 (no Accept)': undefined,
  'curl (*/*)': '*/*',
  'application/json only': 'application/json',
  'Docker 1.10': [M.dockerManifest, M.dockerSchema1Signed, 'application/json'],
  'Docker ≥ 1.11 / docker manifest inspect': [
    M.dockerManifest,
    M.dockerManifestList,
    M.dockerSchema1Signed,
    'application/json',
  ],
  containerd: `${M.dockerManifest}, ${M.dockerManifestList}, ${M.ociManifest}, ${M.ociIndex}, */*`,
  'OCI only (helm, oras)': `${M.ociManifest}, ${M.ociIndex}`,
  'OCI image only': M.ociManifest,
  'Docker schema 2 only': M.dockerManifest,
  'schema 1 only (v1+json)': M.dockerSchema1,
};

const serve: Plan = { action: 'serve' };
const to = (type: string): Plan => ({ action: 'convert', to: type });
const platform: Plan = { action: 'platform' };
const refuse: Plan = { action: 'refuse' };

// client → [Docker schema 2 image, OCI image, Docker list, OCI index, OCI artifact, schema 1]
const TABLE: Record<string, Plan[]> = {
  'Docker 1.7–1.9 (no Accept)': [to(M.dockerSchema1Signed), serve, platform, serve, serve, serve],
  'curl (*/*)': [to(M.dockerSchema1Signed), serve, platform, serve, serve, serve],
  'application/json only': [to(M.dockerSchema1Signed), serve, platform, serve, serve, serve],
  'Docker 1.10': [serve, to(M.dockerManifest), platform, platform, refuse, serve],
  'Docker ≥ 1.11 / docker manifest inspect': [
    serve,
    to(M.dockerManifest),
    serve,
    to(M.dockerManifestList),
    refuse,
    serve,
  ],
  containerd: [serve, serve, serve, serve, serve, serve],
  'OCI only (helm, oras)': [to(M.ociManifest), serve, to(M.ociIndex), serve, serve, refuse],
  'OCI image only': [to(M.ociManifest), serve, platform, platform, serve, refuse],
  'Docker schema 2 only': [serve, to(M.dockerManifest), platform, platform, refuse, refuse],
  'schema 1 only (v1+json)': [to(M.dockerSchema1Signed), to(M.dockerSchema1Signed), platform, platform, refuse, serve],
};

const STORED: [string, string, boolean][] = [
  ['Docker schema 2 image', M.dockerManifest, false],
  ['OCI image', M.ociManifest, false],
  ['Docker list', M.dockerManifestList, false],
  ['OCI index', M.ociIndex, false],
  ['OCI artifact', M.ociManifest, true],
  ['schema 1', M.dockerSchema1Signed, false],
];

describe('plan: what each client gets for each stored format', () => {
  for (const [client, header] of Object.entries(CLIENTS)) {
    test(client, () => {
      const accepted = parseAccept(header);
      STORED.forEach(([name, mediaType, artifact], i) => {
        assert.deepEqual(plan(mediaType, accepted, { artifact }), TABLE[client]![i], `${client} asking for a ${name}`);
      });
    });
  }
});

describe('schema 1 stored unsigned', () => {
  test('any schema 1 client gets it (Docker 1.10 names only v1+prettyjws); others cannot', () => {
    const unsigned = (header: string | string[] | undefined) =>
      plan(M.dockerSchema1, parseAccept(header), { artifact: false });
    assert.deepEqual(unsigned(CLIENTS['Docker 1.10']), serve);
    assert.deepEqual(unsigned(M.dockerSchema1Signed), serve);
    assert.deepEqual(unsigned(undefined), serve);
    assert.deepEqual(unsigned(M.dockerManifest), refuse);
    assert.deepEqual(unsigned(`${M.ociManifest}, ${M.ociIndex}`), refuse);
  });
});

describe('Accept parsing', () => {
  test('parameters and case are ignored, repeated headers and lists are merged', () => {
    const accepted = parseAccept([`${M.ociManifest};q=0.9, ${M.dockerManifest.toUpperCase()}`, M.ociIndex]);
    assert.deepEqual([...accepted.types].sort(), [M.dockerManifest, M.ociIndex, M.ociManifest]);
    assert.equal(accepted.legacy, false);
    assert.equal(parseAccept(undefined).legacy, true);
    assert.equal(parseAccept('').legacy, true);
    assert.equal(parseAccept(`${M.ociManifest}, */*`).legacy, false);
  });
});

describe('platforms', () => {
  const list = JSON.parse(readFileSync(new URL('testdata-schema2list-variants.json', FIXTURES), 'utf8')) as {
    manifests: { digest: string; platform: { os: string; architecture: string; variant?: string } }[];
  };

  test('linux/amd64 by default; a variant narrows the choice; a missing platform is undefined', () => {
    assert.equal(selectPlatform(list.manifests, parsePlatform('linux/amd64'))?.platform.architecture, 'amd64');
    for (const variant of ['v6', 'v7']) {
      const arm = list.manifests.find((m) => m.platform.architecture === 'arm' && m.platform.variant === variant);
      if (arm) assert.equal(selectPlatform(list.manifests, parsePlatform(`linux/arm/${variant}`))?.digest, arm.digest);
    }
    assert.equal(selectPlatform(list.manifests, parsePlatform('windows/amd64')), undefined);
    assert.throws(() => parsePlatform('linux'), /os\/architecture/);
  });

  test('a refusal names the formats that exist', () => {
    assert.deepEqual(servableFormats(M.dockerManifest, false), [
      M.dockerManifest,
      M.ociManifest,
      M.dockerSchema1Signed,
    ]);
    assert.deepEqual(servableFormats(M.ociManifest, true), [M.ociManifest]);
    assert.deepEqual(servableFormats(M.dockerSchema1Signed, false), [M.dockerSchema1Signed]);
  });
});
