// Docker schema 1 pushed through the HTTP surface: signed (prettyjws, addressed by its payload
// digest) and unsigned manifests stored byte-exact and pulled back unchanged by tag and digest;
// every defect refused with a precise 4xx and nothing stored changes.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signPrettyJws } from '../../domain/conversions/jws.js';
import { MediaTypes as M } from '../../domain/media-types.js';
import {
  assertError,
  digestOf,
  pushBlob,
  putManifest,
  randomBlob,
  snapshot,
  type Response,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const berth = useInjectedBerth();

const FIXTURES = new URL('../../../test/fixtures/manifests/', import.meta.url);
const EC_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const RSA_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

/** An unsigned schema 1 manifest over `blobSums` (newest first), as Docker 1.x builds them. */
function schema1(name: string, tag: string, blobSums: string[], edit: (m: any) => void = () => {}): Buffer {
  const ids = blobSums.map(() => randomBytes(32).toString('hex'));
  const manifest: any = {
    schemaVersion: 1,
    name,
    tag,
    architecture: 'amd64',
    fsLayers: blobSums.map((blobSum) => ({ blobSum })),
    history: ids.map((id, i) => ({
      v1Compatibility: JSON.stringify({
        id,
        ...(ids[i + 1] && { parent: ids[i + 1] }),
        created: '2015-10-01T00:00:00Z',
        container_config: { Cmd: [`step ${i}`] },
      }),
    })),
  };
  edit(manifest);
  return Buffer.from(JSON.stringify(manifest, null, 3));
}

const sign = (payload: Buffer, key = EC_KEY) => signPrettyJws(payload, key, new Date('2015-10-01T00:00:00Z'));

async function pull(name: string, reference: string, accept?: string) {
  const res = await berth.app.inject({ url: `/v2/${name}/manifests/${reference}`, headers: accept ? { accept } : {} });
  assert.equal(res.statusCode, 200, res.body);
  return res;
}

describe('schema 1 pushes', () => {
  test('signed (ES256): stored byte-exact under the payload digest, pulled back unchanged by tag and digest', async () => {
    const name = 's1/signed';
    const layers = [await pushBlob(berth.app, name, randomBlob()), await pushBlob(berth.app, name, randomBlob())];
    const payload = schema1(name, 'v1', [layers[1]!.digest, layers[0]!.digest, layers[0]!.digest]);
    const bytes = sign(payload);
    const digest = digestOf(payload);
    const put = await putManifest(berth.app, name, 'v1', bytes, M.dockerSchema1Signed);
    assert.equal(put.statusCode, 201, put.body);
    assert.equal(put.headers['docker-content-digest'], digest);
    assert.equal(put.headers.location, `/v2/${name}/manifests/${digest}`);
    // Docker 1.9 (no Accept), Docker 1.10 (schema 2 and schema 1), a schema 1 client: all get it unchanged.
    for (const accept of [
      undefined,
      `${M.dockerManifest}, ${M.dockerSchema1Signed}, application/json`,
      M.dockerSchema1Signed,
    ]) {
      for (const reference of ['v1', digest]) {
        const res = await pull(name, reference, accept);
        assert.ok(res.rawPayload.equals(bytes), `unchanged by ${reference}`);
        assert.equal(res.headers['content-type'], M.dockerSchema1Signed);
        assert.equal(res.headers['docker-content-digest'], digest);
      }
    }
    const head = await berth.app.inject({ method: 'HEAD', url: `/v2/${name}/manifests/v1` });
    assert.equal(head.headers['content-length'], String(bytes.length));
    assert.equal(head.headers['docker-content-digest'], digest);
    // By digest, as Docker and skopeo push it; the digest of the whole bytes is not its digest.
    assert.equal((await putManifest(berth.app, name, digest, bytes, M.dockerSchema1Signed)).statusCode, 201);
    assertError(
      await putManifest(berth.app, name, digestOf(bytes), bytes, M.dockerSchema1Signed),
      400,
      'DIGEST_INVALID',
    );
    // An OCI-only client cannot use schema 1, and Berth does not convert it.
    const refused = assertError(
      await berth.app.inject({ url: `/v2/${name}/manifests/v1`, headers: { accept: M.ociManifest } }),
      404,
      'MANIFEST_UNKNOWN',
    );
    assert.deepEqual((refused.detail as { available: string[] }).available, [M.dockerSchema1Signed]);
  });

  test('signed with an RSA key (RS256), and a real manifest Docker signed', async () => {
    const name = 's1/rsa';
    const layer = await pushBlob(berth.app, name, randomBlob());
    const bytes = sign(schema1(name, 'rsa', [layer.digest]), RSA_KEY);
    assert.equal((await putManifest(berth.app, name, 'rsa', bytes, M.dockerSchema1Signed)).statusCode, 201);
    assert.ok((await pull(name, 'rsa')).rawPayload.equals(bytes));

    const docker = readFileSync(new URL('image-schema1.json', FIXTURES));
    const blobSums = new Set(
      (JSON.parse(docker.toString('utf8')) as { fsLayers: { blobSum: string }[] }).fsLayers.map((l) => l.blobSum),
    );
    const missing = assertError(
      await putManifest(berth.app, name, 'docker', docker, 'application/json'),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    assert.equal(
      (missing.detail as { missing: unknown[] }).missing.length,
      blobSums.size,
      'each missing layer named once',
    );
  });

  test('unsigned (v1+json, or application/json): addressed by its bytes', async () => {
    const name = 's1/unsigned';
    const layer = await pushBlob(berth.app, name, randomBlob());
    const bytes = schema1(name, 'plain', [layer.digest]);
    for (const contentType of [M.dockerSchema1, 'application/json']) {
      const put = await putManifest(berth.app, name, 'plain', bytes, contentType);
      assert.equal(put.statusCode, 201, put.body);
      assert.equal(put.headers['docker-content-digest'], digestOf(bytes));
    }
    const res = await pull(name, 'plain', M.dockerSchema1);
    assert.ok(res.rawPayload.equals(bytes));
    assert.equal(res.headers['content-type'], M.dockerSchema1);
  });
});

describe('schema 1 refusals: precise 4xx, nothing stored changes', () => {
  const name = 's1/refused';
  let layers: string[];
  let state: unknown;

  before(async () => {
    layers = [
      (await pushBlob(berth.app, name, randomBlob())).digest,
      (await pushBlob(berth.app, name, randomBlob())).digest,
    ];
    assert.equal(
      (await putManifest(berth.app, name, 'latest', sign(schema1(name, 'latest', layers)), M.dockerSchema1Signed))
        .statusCode,
      201,
    );
    state = await snapshot(berth.app, [name]);
  });

  async function refused(res: Response, status: number, code: string, message: RegExp) {
    const entry = assertError(res, status, code);
    assert.match(entry.message, message);
    assert.deepEqual(await snapshot(berth.app, [name]), state, 'nothing changed');
  }

  const put = (bytes: Buffer | string, contentType: string | undefined = M.dockerSchema1Signed, reference = 'latest') =>
    putManifest(berth.app, name, reference, bytes, contentType);

  test("a forged manifest: payload changed after signing, or another manifest's signature", async () => {
    const signed = sign(schema1(name, 'latest', layers)).toString();
    await refused(
      await put(signed.replace('"architecture": "amd64"', '"architecture": "arm64"')),
      400,
      'MANIFEST_UNVERIFIED',
      /does not verify/,
    );
    const other = JSON.parse(sign(schema1(name, 'latest', layers)).toString()) as { signatures: unknown[] };
    const body = JSON.parse(signed) as { signatures: unknown[] };
    const swapped = `${signed.slice(0, signed.indexOf(',\n   "signatures"'))},\n   "signatures": ${JSON.stringify(other.signatures, null, 3).replace(/\n/g, '\n   ')}\n}`;
    assert.notDeepEqual(body.signatures, other.signatures);
    await refused(await put(swapped), 400, 'MANIFEST_UNVERIFIED', /does not verify/);
    await refused(
      await put(readFileSync(new URL('manifest-v2s1.manifest.json', FIXTURES))),
      400,
      'MANIFEST_UNVERIFIED',
      /does not verify/,
    );
  });

  test('a truncated signature, a truncated manifest, a prettyjws without signatures', async () => {
    const signed = sign(schema1(name, 'latest', layers)).toString();
    const signature = (JSON.parse(signed) as { signatures: { signature: string }[] }).signatures[0]!.signature;
    await refused(
      await put(signed.replace(signature, signature.slice(0, 20))),
      400,
      'MANIFEST_UNVERIFIED',
      /does not verify/,
    );
    await refused(await put(signed.slice(0, signed.length - 40)), 400, 'MANIFEST_INVALID', /not valid JSON/);
    await refused(await put(schema1(name, 'latest', layers)), 400, 'MANIFEST_UNVERIFIED', /at least one signature/);
  });

  test('history that does not match fsLayers, a broken parent chain, no layers', async () => {
    await refused(
      await put(sign(schema1(name, 'latest', layers, (m) => m.history.pop()))),
      400,
      'MANIFEST_INVALID',
      /history has 1 entries for 2 fsLayers/,
    );
    await refused(
      await put(
        schema1(name, 'latest', layers, (m) => m.history.reverse()),
        M.dockerSchema1,
      ),
      400,
      'MANIFEST_INVALID',
      /parent/,
    );
    await refused(
      await put(
        sign(
          schema1(name, 'latest', layers, (m) => {
            m.fsLayers = [];
            m.history = [];
          }),
        ),
      ),
      400,
      'MANIFEST_INVALID',
      /fsLayers must be a non-empty array/,
    );
  });

  test('a layer missing from the repository is MANIFEST_BLOB_UNKNOWN', async () => {
    await refused(
      await put(sign(schema1(name, 'latest', [digestOf(randomBlob()), ...layers]))),
      400,
      'MANIFEST_BLOB_UNKNOWN',
      /unknown blob/,
    );
  });

  test('body and Content-Type disagree: schema 1 sent as schema 2 or OCI, schema 2 sent as schema 1', async () => {
    await refused(
      await put(sign(schema1(name, 'latest', layers)), M.dockerManifest),
      400,
      'MANIFEST_INVALID',
      /does not match the body, a schema 1 manifest/,
    );
    await refused(
      await put(sign(schema1(name, 'latest', layers)), M.ociManifest),
      400,
      'MANIFEST_INVALID',
      /does not match/,
    );
    const schema2 = JSON.stringify({
      schemaVersion: 2,
      mediaType: M.dockerManifest,
      config: { mediaType: M.dockerConfig, digest: layers[0], size: 64 },
      layers: [],
    });
    await refused(
      await put(schema2, M.dockerSchema1Signed),
      400,
      'MANIFEST_INVALID',
      /does not match the manifest's mediaType/,
    );
    await refused(
      await put(JSON.stringify({ schemaVersion: 2, fsLayers: [] }), M.dockerSchema1),
      400,
      'MANIFEST_INVALID',
      /needs a schema 1 manifest/,
    );
  });

  test('oversized: 413 SIZE_INVALID before it is parsed', async () => {
    const big = schema1(name, 'latest', layers, (m) => {
      m.padding = 'x'.repeat(4 * 1024 * 1024);
    });
    await refused(await put(big), 413, 'SIZE_INVALID', /exceeds the limit/);
  });
});
