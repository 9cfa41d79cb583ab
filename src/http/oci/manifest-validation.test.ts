// What a pushed manifest must be, through the HTTP surface: the image spec's required fields and
// types, UTF-8 only, each key once (and none a Go client reads as another), base64 embedded
// data, nesting bounded at MAX_JSON_DEPTH; and pulls of content nested too deep
// to convert answered as the negotiation says, never a 500.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_JSON, MediaTypes } from '../../domain/media-types.js';
import { MAX_JSON_DEPTH } from '../../domain/strict-json.js';
import { manifestUrl } from '../../testing/manifest-assertions.js';
import {
  assertError,
  digestOf,
  manifestBytes,
  pushBlob,
  pushImage,
  pushManifest,
  putManifest,
  randomBlob,
  snapshot,
  type Response,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';
import type { Descriptor } from '../../domain/manifest.js';

const berth = useInjectedBerth();
const EMPTY = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size };

/** `depth` nested arrays around `inner`: `[[[inner]]]`. */
function nested(depth: number, inner = '1'): string {
  return `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}

describe('manifest validation', () => {
  const name = 'validation/app';
  let image: Awaited<ReturnType<typeof pushImage>>;
  let state: unknown;

  before(async () => {
    image = await pushImage(berth.app, name, 'latest');
    await pushImage(berth.app, 'validation/controls', 'v1');
    state = await snapshot(berth.app, [name]);
  });

  /** Each refusal changes nothing (snapshot of `name` only: the accepted controls push elsewhere or by digest). */
  async function refused(res: Response, message?: RegExp) {
    const entry = assertError(res, 400, 'MANIFEST_INVALID');
    if (message) assert.match(entry.message, message);
    assert.deepEqual(await snapshot(berth.app, [name]), state, 'a refused push changes nothing');
    return entry;
  }

  /** The image's manifest as JSON text with `edit` applied to the object first. */
  function text(edit: (m: Record<string, unknown>) => void = () => {}): string {
    const manifest = JSON.parse(image.bytes.toString()) as Record<string, unknown>;
    edit(manifest);
    return JSON.stringify(manifest);
  }

  test('an OCI image manifest without layers is refused (REQUIRED); an artifact with "layers": [] is accepted', async () => {
    await refused(
      await putManifest(
        berth.app,
        name,
        'latest',
        text((m) => delete m.layers),
        MediaTypes.ociManifest,
      ),
      /must have "layers"/,
    );
    // without mediaType in the body either (told apart from an index by its config)
    await refused(
      await putManifest(
        berth.app,
        name,
        'latest',
        text((m) => {
          delete m.layers;
          delete m.mediaType;
        }),
        MediaTypes.ociManifest,
      ),
    );
    await refused(
      await putManifest(
        berth.app,
        name,
        'latest',
        text((m) => {
          delete m.layers;
          delete m.mediaType;
        }),
        undefined,
      ),
    );
    const artifact = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.example.thing',
      config: EMPTY,
      layers: [],
    };
    await pushManifest(berth.app, 'validation/controls', 'artifact', artifact, MediaTypes.ociManifest);
  });

  test('invalid UTF-8 anywhere in the body is refused: in a key, in a value, a lone surrogate half, an overlong form', async () => {
    const body = text((m) => {
      m.annotations = { KEY: 'VALUE' };
    });
    const withBytes = (from: string, bytes: number[]) => {
      const [head, tail] = body.split(from) as [string, string];
      return Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
    };
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80]]) {
      await refused(
        await putManifest(berth.app, name, 'latest', withBytes('KEY', bad), MediaTypes.ociManifest),
        /not valid UTF-8/,
      );
      await refused(
        await putManifest(berth.app, name, 'latest', withBytes('VALUE', bad), MediaTypes.ociManifest),
        /not valid UTF-8/,
      );
    }
    // a byte order mark is not JSON either
    await refused(
      await putManifest(
        berth.app,
        name,
        'latest',
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]),
        MediaTypes.ociManifest,
      ),
    );
    // valid UTF-8 beyond ASCII is fine
    await pushManifest(
      berth.app,
      name,
      undefined,
      Buffer.from(
        text((m) => {
          m.annotations = { 'org.example.naïve': 'ünïcødé ✓ 𝄞' };
        }),
      ),
      MediaTypes.ociManifest,
    );
  });

  test('a key twice in one object is refused, at any level; so is a key a Go client reads as a field it is not', async () => {
    const body = text();
    const twice = [
      body.replace('{"schemaVersion":2,', '{"schemaVersion":2,"layers":[],'),
      body.replace(
        '"config":{',
        '"config":{"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000",',
      ),
      text((m) => {
        m.annotations = { a: '1' };
      }).replace('"a":"1"', '"a":"1","a":"2"'),
      body.replace(
        '"mediaType":"application/vnd.oci.image.manifest.v1+json"',
        '"mediaType":"application/vnd.oci.image.manifest.v1+json","mediaType":"application/vnd.oci.image.manifest.v1+json"',
      ),
      // the same key written with an escape
      body.replace('{"schemaVersion":2,', '{"schemaVersion":2,"l\\u0061yers":[],'),
    ];
    for (const bad of twice)
      await refused(await putManifest(berth.app, name, 'latest', bad, MediaTypes.ociManifest), /twice in one object/);
    await refused(
      await putManifest(
        berth.app,
        name,
        'latest',
        text((m) => {
          m.Layers = [];
        }),
        MediaTypes.ociManifest,
      ),
      /Go clients read as "layers"/,
    );
    await refused(
      await putManifest(
        berth.app,
        name,
        'latest',
        text((m) => {
          m.MEDIATYPE = MediaTypes.dockerManifest;
        }),
        MediaTypes.ociManifest,
      ),
      /read as "mediaType"/,
    );
    await refused(
      await putManifest(
        berth.app,
        name,
        'latest',
        text((m) => {
          (m.config as Record<string, unknown>).Digest = digestOf('x');
        }),
        MediaTypes.ociManifest,
      ),
      /read as "digest"/,
    );
    // case-different keys of an annotation map are different keys
    await pushManifest(
      berth.app,
      name,
      undefined,
      Buffer.from(
        text((m) => {
          m.annotations = { key: 'a', KEY: 'b' };
        }),
      ),
      MediaTypes.ociManifest,
    );
  });

  test('missing or mistyped fields and bad descriptors are refused', async () => {
    const layer = image.layers[0]!;
    const bad: [string, (m: Record<string, unknown>) => void][] = [
      ['no config', (m) => delete m.config],
      [
        'config null',
        (m) => {
          m.config = null;
        },
      ],
      [
        'layers an object',
        (m) => {
          m.layers = {};
        },
      ],
      [
        'schemaVersion "2"',
        (m) => {
          m.schemaVersion = '2';
        },
      ],
      [
        'schemaVersion 3',
        (m) => {
          m.schemaVersion = 3;
        },
      ],
      ['no schemaVersion', (m) => delete m.schemaVersion],
      [
        'mediaType a number',
        (m) => {
          m.mediaType = 2;
        },
      ],
      [
        'annotations not strings',
        (m) => {
          m.annotations = { a: 1 };
        },
      ],
      [
        'annotations an array',
        (m) => {
          m.annotations = ['a'];
        },
      ],
      [
        'artifactType not a media type',
        (m) => {
          m.artifactType = 'sbom';
        },
      ],
      [
        'subject without digest',
        (m) => {
          m.subject = { mediaType: MediaTypes.ociManifest, size: 1 };
        },
      ],
      [
        'upper-case digest',
        (m) => {
          m.layers = [{ ...layer, digest: layer.digest.toUpperCase().replace('SHA256', 'sha256') }];
        },
      ],
      [
        'unknown algorithm',
        (m) => {
          m.layers = [{ ...layer, digest: `sha384:${'a'.repeat(96)}` }];
        },
      ],
      [
        'negative size',
        (m) => {
          m.layers = [{ ...layer, size: -1 }];
        },
      ],
      [
        'fractional size',
        (m) => {
          m.layers = [{ ...layer, size: 1.5 }];
        },
      ],
      [
        'size beyond 2^53',
        (m) => {
          m.layers = [{ ...layer, size: 2 ** 60 }];
        },
      ],
      [
        'urls not strings',
        (m) => {
          m.layers = [{ ...layer, urls: [1] }];
        },
      ],
      [
        'data not base64',
        (m) => {
          m.config = { ...EMPTY, data: 'e30=!' };
        },
      ],
      [
        'data a number',
        (m) => {
          m.config = { ...EMPTY, data: 5 };
        },
      ],
    ];
    for (const [what, edit] of bad) {
      const res = await putManifest(berth.app, name, 'latest', text(edit), MediaTypes.ociManifest);
      assert.equal(res.statusCode, 400, `${what}: ${res.statusCode} ${res.body}`);
      await refused(res);
    }
    const entry = (platform: unknown) =>
      manifestBytes({
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [{ mediaType: image.mediaType, digest: image.digest, size: image.size, platform }],
      });
    for (const platform of [
      'linux/amd64',
      { os: 'linux' },
      { architecture: 'amd64' },
      { architecture: 1, os: 'linux' },
      { architecture: 'arm', os: 'linux', variant: 7 },
      { architecture: 'amd64', os: 'windows', 'os.features': 'win32k' },
    ]) {
      const res = await putManifest(berth.app, name, 'latest', entry(platform), MediaTypes.ociIndex);
      assert.equal(res.statusCode, 400, `platform ${JSON.stringify(platform)}: ${res.body}`);
      await refused(res, /platform/);
    }
    await pushManifest(
      berth.app,
      name,
      undefined,
      entry({
        architecture: 'amd64',
        os: 'windows',
        'os.version': '10.0.17763.1',
        'os.features': ['win32k'],
        variant: 'v2',
      }),
      MediaTypes.ociIndex,
    );
    // data that is the content is fine
    await pushManifest(
      berth.app,
      name,
      undefined,
      Buffer.from(
        text((m) => {
          m.artifactType = 'application/vnd.example.x';
          m.config = { ...EMPTY, data: EMPTY_JSON.bytes.toString('base64') };
        }),
      ),
      MediaTypes.ociManifest,
    );
  });
});

describe('nesting depth', () => {
  const name = 'validation/deep';

  test(`a manifest nested deeper than ${MAX_JSON_DEPTH} levels is refused; ${MAX_JSON_DEPTH} levels are accepted`, async () => {
    const image = await pushImage(berth.app, name, 'v1');
    // the manifest object is level 1, its extra field's arrays the rest
    const withField = (depth: number) => image.bytes.toString().replace('{', `{"x": ${nested(depth - 1)},`);
    assert.equal(
      (await putManifest(berth.app, name, 'ok', withField(MAX_JSON_DEPTH), MediaTypes.ociManifest)).statusCode,
      201,
    );
    const entry = assertError(
      await putManifest(berth.app, name, 'deep', withField(MAX_JSON_DEPTH + 1), MediaTypes.ociManifest),
      400,
      'MANIFEST_INVALID',
    );
    assert.deepEqual(entry.detail, { reason: 'depth', maxDepth: MAX_JSON_DEPTH });
    assertError(
      await putManifest(berth.app, name, 'deep', withField(4100), MediaTypes.ociManifest),
      400,
      'MANIFEST_INVALID',
    );
  });

  test('an index whose platform nests 4,100 levels is refused at PUT, so no pull can trip on it', async () => {
    const image = await pushImage(berth.app, name, 'child', { docker: true });
    const platform = `{"architecture":"amd64","os":"linux","x":${nested(4100, '{}')}}`;
    const index = `{"schemaVersion":2,"mediaType":"${MediaTypes.ociIndex}","manifests":[{"mediaType":"${image.mediaType}","digest":"${image.digest}","size":${image.size},"platform":${platform}}]}`;
    assertError(await putManifest(berth.app, name, 'index', index, MediaTypes.ociIndex), 400, 'MANIFEST_INVALID');
    assertError(
      await berth.app.inject({ url: manifestUrl(name, 'index'), headers: { accept: MediaTypes.dockerManifestList } }),
      404,
      'MANIFEST_UNKNOWN',
    );
  });

  test('a config blob nested 4,100 levels: its image is pushed, and a pull that would convert it is answered as the negotiation says, never 500', async () => {
    const config = await pushBlob(
      berth.app,
      name,
      Buffer.from(`{"architecture":"amd64","os":"linux","x":${nested(4100)}}`),
      MediaTypes.dockerConfig,
    );
    const layer: Descriptor = await pushBlob(
      berth.app,
      name,
      randomBlob(),
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
    );
    const image = await pushManifest(
      berth.app,
      name,
      'deep-config',
      { schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config, layers: [layer] },
      MediaTypes.dockerManifest,
    );
    // a schema 1 client: there is no schema 1 form of it
    const entry = assertError(
      await berth.app.inject({
        url: manifestUrl(name, 'deep-config'),
        headers: { accept: MediaTypes.dockerSchema1Signed },
      }),
      404,
      'MANIFEST_UNKNOWN',
    );
    assert.match(entry.message, /nests deeper/);
    const head = await berth.app.inject({
      method: 'HEAD',
      url: manifestUrl(name, 'deep-config'),
      headers: { accept: MediaTypes.dockerSchema1Signed },
    });
    assert.equal(head.statusCode, 404);
    // a client that names no type (Docker 1.9) gets it as stored
    const legacy = await berth.app.inject({ url: manifestUrl(name, 'deep-config') });
    assert.equal(legacy.statusCode, 200, legacy.body);
    assert.ok(legacy.rawPayload.equals(image.bytes));
    // an OCI client gets the OCI conversion (which does not read the config)
    const oci = await berth.app.inject({
      url: manifestUrl(name, 'deep-config'),
      headers: { accept: MediaTypes.ociManifest },
    });
    assert.equal(oci.statusCode, 200, oci.body);
    assert.equal(oci.headers['content-type'], MediaTypes.ociManifest);
  });
});
