// GET /v2/<name>/referrers/<digest> through the HTTP surface: the index of manifests whose
// subject is <digest>, with artifactType and annotations, and the artifactType filter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Descriptor } from '../../domain/manifest.js';
import { EMPTY_JSON, MediaTypes } from '../../domain/media-types.js';
import {
  API_VERSION,
  assertError,
  descriptorOf,
  digestOf,
  manifestBytes,
  pushArtifact,
  pushImage,
  pushManifest,
  type PushedManifest,
  type Response,
} from '../../testing/registry-client.js';
import { callApi } from '../../testing/api-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const berth = useInjectedBerth();

interface ReferrersIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
}

function referrers(name: string, digest: string, artifactType?: string): Promise<Response> {
  const query = artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(artifactType)}`;
  return berth.app.inject({ url: `/v2/${name}/referrers/${digest}${query}` });
}

/** Asserts a 200 image index answer; returns its descriptors sorted by digest. */
function index(res: Response, filtered: boolean): Descriptor[] {
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], MediaTypes.ociIndex);
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
  assert.equal(res.headers['oci-filters-applied'], filtered ? 'artifactType' : undefined);
  const body = res.json() as ReferrersIndex;
  assert.deepEqual(Object.keys(body).sort(), ['manifests', 'mediaType', 'schemaVersion']);
  assert.equal(body.schemaVersion, 2);
  assert.equal(body.mediaType, MediaTypes.ociIndex);
  return [...body.manifests].sort((a, b) => a.digest.localeCompare(b.digest));
}

function byDigest(list: Descriptor[]): Descriptor[] {
  return [...list].sort((a, b) => a.digest.localeCompare(b.digest));
}

describe('referrers', () => {
  const name = 'refs/app';
  let subject: PushedManifest;
  let sbom: PushedManifest;
  let signature: PushedManifest;
  let image: PushedManifest;
  let plainIndex: PushedManifest;
  let typedIndex: PushedManifest;

  before(async () => {
    subject = await pushImage(berth.app, name, 'v1');
    sbom = await pushArtifact(berth.app, name, undefined, 'application/vnd.example.sbom.v1', {
      subject: descriptorOf(subject),
      annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', 'org.example.format': 'spdx' },
    });
    signature = await pushArtifact(berth.app, name, undefined, 'application/vnd.example.signature.v1', {
      subject: descriptorOf(subject),
    });
    // an image with a subject and no artifactType: its config media type is reported
    image = await pushImage(berth.app, name, undefined, {
      subject: descriptorOf(subject),
      annotations: { kind: 'image' },
    });
    const indexOf = (extra: object) =>
      manifestBytes({
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [],
        subject: descriptorOf(subject),
        ...extra,
      });
    plainIndex = await pushManifest(
      berth.app,
      name,
      undefined,
      indexOf({ annotations: { kind: 'index' } }),
      MediaTypes.ociIndex,
    );
    typedIndex = await pushManifest(
      berth.app,
      name,
      undefined,
      indexOf({ artifactType: 'application/vnd.example.bundle.v1' }),
      MediaTypes.ociIndex,
    );
  });

  test('lists every manifest whose subject is the digest, with artifactType and annotations', async () => {
    const list = index(await referrers(name, subject.digest), false);
    assert.deepEqual(
      list,
      byDigest([
        {
          ...descriptorOf(sbom),
          artifactType: 'application/vnd.example.sbom.v1',
          annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', 'org.example.format': 'spdx' },
        },
        { ...descriptorOf(signature), artifactType: 'application/vnd.example.signature.v1' },
        { ...descriptorOf(image), artifactType: MediaTypes.ociConfig, annotations: { kind: 'image' } },
        { ...descriptorOf(plainIndex), annotations: { kind: 'index' } },
        { ...descriptorOf(typedIndex), artifactType: 'application/vnd.example.bundle.v1' },
      ]),
    );
  });

  test('?artifactType= filters and says so in OCI-Filters-Applied', async () => {
    const list = index(await referrers(name, subject.digest, 'application/vnd.example.sbom.v1'), true);
    assert.deepEqual(
      list.map((d) => d.digest),
      [sbom.digest],
    );
    const configType = index(await referrers(name, subject.digest, MediaTypes.ociConfig), true);
    assert.deepEqual(
      configType.map((d) => d.digest),
      [image.digest],
    );
    assert.deepEqual(index(await referrers(name, subject.digest, 'application/vnd.example.none'), true), []);
  });

  test('an empty artifactType is no filter', async () => {
    const res = await berth.app.inject({ url: `/v2/${name}/referrers/${subject.digest}?artifactType=` });
    assert.equal(index(res, false).length, 5);
  });

  test('a digest with no referrers is an empty index, 200', async () => {
    const res = await referrers(name, sbom.digest);
    assert.deepEqual(index(res, false), []);
    assert.equal(res.body, `{"schemaVersion":2,"mediaType":"${MediaTypes.ociIndex}","manifests":[]}`);
    assert.deepEqual(index(await referrers(name, digestOf('never pushed')), false), []);
  });

  test('referrers of another repository are not listed', async () => {
    await pushImage(berth.app, 'refs/other', undefined, { subject: descriptorOf(subject) });
    assert.equal(index(await referrers(name, subject.digest), false).length, 5);
    assert.equal(index(await referrers('refs/other', subject.digest), false).length, 1);
  });

  test('an invalid digest is 400', async () => {
    for (const digest of ['sha256:abc', 'latest', `md5:${'a'.repeat(32)}`]) {
      assertError(await referrers(name, digest), 400, 'DIGEST_INVALID');
    }
  });

  test('an invalid artifactType is 400', async () => {
    const entry = assertError(await referrers(name, subject.digest, 'not a media type'), 400, 'UNSUPPORTED');
    assert.deepEqual(entry.detail, { artifactType: 'not a media type' });
  });

  test('a repository created empty (CreateRepository) answers 200 with an empty index, never 404', async () => {
    assert.equal(
      (await callApi(berth.app, 'CreateRepository', { repositoryName: 'refs/created-empty' })).statusCode,
      200,
    );
    const res = await referrers('refs/created-empty', subject.digest);
    assert.deepEqual(index(res, false), []);
    assert.deepEqual(
      index(await referrers('refs/created-empty', subject.digest, 'application/vnd.example.sbom.v1'), true),
      [],
    );
  });

  test('a name nothing was pushed to yet, in a registry that creates repositories on push, is a repository that holds nothing: 200, empty index', async () => {
    const res = await referrers('refs/nowhere', subject.digest);
    assert.deepEqual(index(res, false), []);
    assert.equal(res.body, `{"schemaVersion":2,"mediaType":"${MediaTypes.ociIndex}","manifests":[]}`);
    // still invalid input first
    assertError(await referrers('refs/nowhere', 'sha256:abc'), 400, 'DIGEST_INVALID');
    // nothing was created by looking
    assertError(await berth.app.inject({ url: '/v2/refs/nowhere/tags/list' }), 404, 'NAME_UNKNOWN');
  });
});

describe('referrers where repositories are not created on push', () => {
  let closed: TestBerth;
  before(async () => {
    closed = await startBerth({ listen: false, settings: { registry: { createRepositoryOnPush: false } } });
  });
  after(() => closed?.close());

  test('a repository that does not exist is not found: 404 NAME_UNKNOWN ("assuming a repository is found")', async () => {
    assertError(
      await closed.berth.app.inject({ url: `/v2/refs/nowhere/referrers/${digestOf('x')}` }),
      404,
      'NAME_UNKNOWN',
    );
  });

  test('one created empty answers 200 with an empty index', async () => {
    assert.equal(
      (await callApi(closed.berth.app, 'CreateRepository', { repositoryName: 'refs/empty' })).statusCode,
      200,
    );
    assert.deepEqual(
      index(await closed.berth.app.inject({ url: `/v2/refs/empty/referrers/${digestOf('x')}` }), false),
      [],
    );
  });
});

describe('referrers over time', () => {
  test('a referrer pushed before its subject is listed, and is gone once deleted', async () => {
    const name = 'refs/order';
    const subjectBytes = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] });
    const subject = { mediaType: MediaTypes.ociIndex, digest: digestOf(subjectBytes), size: subjectBytes.length };
    const early = await pushArtifact(berth.app, name, undefined, 'application/vnd.example.early', { subject });
    assert.deepEqual(
      index(await referrers(name, subject.digest), false).map((d) => d.digest),
      [early.digest],
    );
    await pushManifest(berth.app, name, 'subject', subjectBytes, MediaTypes.ociIndex);
    assert.deepEqual(
      index(await referrers(name, subject.digest), false).map((d) => d.digest),
      [early.digest],
    );

    assert.equal(
      (await berth.app.inject({ method: 'DELETE', url: `/v2/${name}/manifests/${early.digest}` })).statusCode,
      202,
    );
    assert.deepEqual(index(await referrers(name, subject.digest), false), []);
  });

  test('deleting a referrer by tag keeps it listed (the manifest is still there)', async () => {
    const name = 'refs/tagged';
    const subject = await pushImage(berth.app, name, 'v1');
    const sig = await pushArtifact(berth.app, name, 'sig', 'application/vnd.example.sig', {
      subject: descriptorOf(subject),
    });
    assert.equal((await berth.app.inject({ method: 'DELETE', url: `/v2/${name}/manifests/sig` })).statusCode, 202);
    assert.deepEqual(
      index(await referrers(name, subject.digest), false).map((d) => d.digest),
      [sig.digest],
    );
  });

  test('a sha512 subject', async () => {
    const name = 'refs/sha512';
    const subject = await pushImage(berth.app, name);
    const digest512 = digestOf(subject.bytes, 'sha512');
    const res = await berth.app.inject({
      method: 'PUT',
      url: `/v2/${name}/manifests/${digest512}`,
      headers: { 'content-type': subject.mediaType },
      payload: subject.bytes,
    });
    assert.equal(res.statusCode, 201);
    const empty = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size };
    const referrer = await pushManifest(
      berth.app,
      name,
      undefined,
      {
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: 'application/vnd.example.x',
        config: empty,
        layers: [empty],
        subject: { mediaType: subject.mediaType, digest: digest512, size: subject.size },
      },
      MediaTypes.ociManifest,
    );
    assert.deepEqual(
      index(await referrers(name, digest512), false).map((d) => d.digest),
      [referrer.digest],
    );
    assert.deepEqual(index(await referrers(name, subject.digest), false), []);
  });
});
