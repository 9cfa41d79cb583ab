// /v2/<name>/manifests/<reference> through the HTTP surface: tags (?tag= on push and OCI-Tag,
// moving, their forms, invalid ones) and subjects (OCI-Subject on push).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_JSON, MediaTypes } from '../../domain/media-types.js';
import { assertManifestCreated, assertManifestServed, tagsOf } from '../../testing/manifest-assertions.js';
import {
  assertError,
  descriptorOf,
  digestOf,
  manifestBytes,
  pushImage,
  putManifest,
  snapshot,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const berth = useInjectedBerth();

describe('tags', () => {
  test('PUT by digest with ?tag= creates every tag and answers OCI-Tag', async () => {
    const image = await pushImage(berth.app, 'manifests/tags');
    const res = await putManifest(
      berth.app,
      'manifests/tags',
      `${image.digest}?tag=1.2.3&tag=1.2&tag=1&tag=latest`,
      image.bytes,
      image.mediaType,
    );
    assertManifestCreated(res, 'manifests/tags', image.digest);
    assert.equal(res.headers['oci-tag'], '1.2.3, 1.2, 1, latest');
    for (const tag of ['1.2.3', '1.2', '1', 'latest'])
      await assertManifestServed(berth.app, 'manifests/tags', tag, image);
    assert.deepEqual(await tagsOf(berth.app, 'manifests/tags'), ['1', '1.2', '1.2.3', 'latest']);
  });

  test('PUT by tag with ?tag= adds the extra tags', async () => {
    const image = await pushImage(berth.app, 'manifests/tags2');
    const res = await putManifest(berth.app, 'manifests/tags2', 'main?tag=extra', image.bytes, image.mediaType);
    assertManifestCreated(res, 'manifests/tags2', image.digest);
    assert.equal(res.headers['oci-tag'], 'main, extra');
    assert.deepEqual(await tagsOf(berth.app, 'manifests/tags2'), ['extra', 'main']);
  });

  test('a PUT without ?tag= sends no OCI-Tag', async () => {
    const image = await pushImage(berth.app, 'manifests/tags3');
    const res = await putManifest(berth.app, 'manifests/tags3', 'plain', image.bytes, image.mediaType);
    assertManifestCreated(res, 'manifests/tags3', image.digest);
    assert.equal(res.headers['oci-tag'], undefined);
  });

  test('pushing to an existing tag moves it; the old manifest stays by digest', async () => {
    const first = await pushImage(berth.app, 'manifests/move', 'latest');
    const second = await pushImage(berth.app, 'manifests/move', 'latest');
    await assertManifestServed(berth.app, 'manifests/move', 'latest', second);
    await assertManifestServed(berth.app, 'manifests/move', first.digest, first);
    assert.deepEqual(await tagsOf(berth.app, 'manifests/move'), ['latest']);
  });

  test('tags are case-sensitive and may be 128 characters', async () => {
    const image = await pushImage(berth.app, 'manifests/tagforms');
    const long = `A${'b'.repeat(127)}`;
    for (const tag of ['Latest', 'latest', '_under', long, 'v1.0-rc.1_2']) {
      assertManifestCreated(
        await putManifest(berth.app, 'manifests/tagforms', tag, image.bytes, image.mediaType),
        'manifests/tagforms',
        image.digest,
      );
    }
    assert.deepEqual(await tagsOf(berth.app, 'manifests/tagforms'), [
      long,
      'Latest',
      '_under',
      'latest',
      'v1.0-rc.1_2',
    ]);
  });

  test('an invalid tag is TAG_INVALID and stores nothing', async () => {
    const image = await pushImage(berth.app, 'manifests/badtag');
    const before = await snapshot(berth.app, ['manifests/badtag']);
    for (const tag of ['-dash', '.dot', `a${'b'.repeat(128)}`, 'has+plus', 'sp%20ace']) {
      assertError(
        await putManifest(berth.app, 'manifests/badtag', tag, image.bytes, image.mediaType),
        400,
        'TAG_INVALID',
      );
    }
    const res = await putManifest(
      berth.app,
      'manifests/badtag',
      `${image.digest}?tag=ok&tag=-bad`,
      image.bytes,
      image.mediaType,
    );
    assertError(res, 400, 'TAG_INVALID');
    assert.deepEqual(await snapshot(berth.app, ['manifests/badtag']), before);
  });
});

describe('subject', () => {
  test('a manifest with subject answers OCI-Subject, even when the subject is not pushed yet', async () => {
    const subject = { mediaType: MediaTypes.ociManifest, digest: digestOf('not pushed yet'), size: 14 };
    const bytes = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.example.sig',
      config: { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: 2 },
      layers: [],
      subject,
    });
    const res = await putManifest(berth.app, 'manifests/subject', digestOf(bytes), bytes, MediaTypes.ociManifest);
    assertManifestCreated(res, 'manifests/subject', digestOf(bytes));
    assert.equal(res.headers['oci-subject'], subject.digest);
  });

  test('a manifest without subject sends no OCI-Subject', async () => {
    const image = await pushImage(berth.app, 'manifests/subject');
    const res = await putManifest(berth.app, 'manifests/subject', 'plain', image.bytes, image.mediaType);
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['oci-subject'], undefined);
  });

  test('an index with subject', async () => {
    const image = await pushImage(berth.app, 'manifests/subject');
    const bytes = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [],
      subject: descriptorOf(image),
    });
    const res = await putManifest(berth.app, 'manifests/subject', digestOf(bytes), bytes, MediaTypes.ociIndex);
    assertManifestCreated(res, 'manifests/subject', digestOf(bytes));
    assert.equal(res.headers['oci-subject'], image.digest);
  });
});
