// Managed signing end to end with real clients: the AWS CLI v2 makes the KMS signing key and
// reads its public key (get-public-key), the SDK puts the signing configuration, skopeo pushes;
// the signature is fetched through the referrers API and verified with @sigstore/verify using
// the public key the CLI returned. `berth signing require` then makes the repository's pulls
// require a signature by that key: skopeo pulls the signed image and is refused the unsigned one.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  DeleteSigningConfigurationCommand,
  DescribeImageSigningStatusCommand,
  PutSigningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { runProgram, runScript } from '../testing/cli.js';
import { ecrClient } from '../testing/ecr.js';
import { OciLayout } from '../testing/oci-layout.js';
import { testMetadataUrl } from '../testing/postgres.js';
import { CLI, scratchDirs, ADMIN_ENV } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { eventually, ServedBerth, skopeo } from './support.js';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const NAME = 'e2e/signed';
let berth: ServedBerth;
let env: NodeJS.ProcessEnv;
const scratch = scratchDirs();

before(async () => {
  berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' });
  const metadataUrl = await testMetadataUrl(berth.dataDir);
  env = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
});
after(async () => {
  await berth?.close();
  scratch.remove();
});

async function aws(args: string[]): Promise<any> {
  const res = await runProgram(
    AWS_CLI,
    [...args, '--endpoint-url', berth.url, '--region', 'us-east-1', '--output', 'json'],
    { ...ADMIN_ENV, AWS_PAGER: '' },
  );
  assert.equal(res.code, 0, `aws ${args.join(' ')}: ${res.stderr}`);
  return res.stdout.trim() ? JSON.parse(res.stdout) : undefined;
}

/** Pushes a new image of the OCI layout with skopeo under `tag`; returns its manifest digest. */
async function push(tag: string): Promise<string> {
  const layout = new OciLayout(scratch.make('berth-signing-layout-'));
  const image = layout.addImage([1024, 4096]);
  layout.tag(image, 'img');
  await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout.dir}:img`, `docker://${berth.host}/${NAME}:${tag}`]);
  return image.digest;
}

describe('managed signing with the AWS CLI, skopeo and Sigstore', () => {
  it('signs a push, the signature verifies with the CLI’s public key, and required signatures gate pulls', async (t) => {
    if (!requireAwsCli(t) || !requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
    await berth.login();
    const key = (await aws(['kms', 'create-key', '--key-spec', 'ECC_NIST_P256', '--key-usage', 'SIGN_VERIFY']))
      .KeyMetadata;
    await aws(['kms', 'create-alias', '--alias-name', 'alias/release', '--target-key-id', key.KeyId]);
    const client = ecrClient(berth.url);
    const account = key.AWSAccountId as string;
    const profile = `arn:aws:signer:us-east-1:${account}:/signing-profiles/release`;
    await client.send(
      new PutSigningConfigurationCommand({
        signingConfiguration: {
          rules: [
            { signingProfileArn: profile, repositoryFilters: [{ filter: 'e2e/*', filterType: 'WILDCARD_MATCH' }] },
          ],
        },
      }),
    );

    const signed = await push('signed');
    await eventually(async () => {
      const status = await client.send(
        new DescribeImageSigningStatusCommand({ repositoryName: NAME, imageId: { imageDigest: signed } }),
      );
      assert.equal(status.signingStatuses?.[0]?.status, 'COMPLETE');
    });

    // The signature through the referrers API, verified by Sigstore's verifier with get-public-key's key.
    const publicKey = createPublicKey({
      key: Buffer.from((await aws(['kms', 'get-public-key', '--key-id', 'alias/release'])).PublicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    const v2 = (path: string, accept?: string) =>
      fetch(`${berth.url}/v2/${NAME}/${path}`, { headers: { ...berth.authHeaders, ...(accept && { accept }) } });
    const index = (await (await v2(`referrers/${signed}`)).json()) as {
      manifests: { digest: string; artifactType: string }[];
    };
    const referrer = index.manifests.find((m) => m.artifactType === BUNDLE);
    assert.ok(referrer, 'the signature is listed as a referrer');
    const sigManifest = (await (
      await v2(`manifests/${referrer.digest}`, 'application/vnd.oci.image.manifest.v1+json')
    ).json()) as {
      layers: { digest: string }[];
    };
    const bundle = bundleFromJSON(await (await v2(`blobs/${sigManifest.layers[0]!.digest}`)).json());
    const artifact = Buffer.from(
      await (await v2(`manifests/${signed}`, 'application/vnd.oci.image.manifest.v1+json')).arrayBuffer(),
    );
    const trust = toTrustMaterial(
      {
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        certificateAuthorities: [],
        ctlogs: [],
        tlogs: [],
        timestampAuthorities: [],
      },
      () => ({ publicKey, validFor: () => true }),
    );
    const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    verifier.verify(toSignedEntity(bundle, artifact));
    assert.throws(() => verifier.verify(toSignedEntity(bundle, Buffer.concat([artifact, Buffer.from(' ')]))));

    // An image pushed once signing is off is unsigned; then the repository requires signatures.
    await client.send(new DeleteSigningConfigurationCommand({}));
    await push('unsigned');
    const set = await runScript(
      CLI,
      ['signing', 'require', '--data-dir', berth.dataDir, '--repository', NAME, '--key', key.Arn],
      env,
    );
    assert.equal(set.code, 0, set.stderr);
    const listed = await runScript(CLI, ['signing', 'ls', '--data-dir', berth.dataDir, '--json'], env);
    assert.match(listed.stdout, new RegExp(NAME));

    const out = scratch.make('berth-signing-pull-');
    await eventually(async () => {
      await assert.rejects(
        skopeo(['copy', '--src-tls-verify=false', `docker://${berth.host}/${NAME}:unsigned`, `oci:${out}:unsigned`]),
        /require a valid signature/,
      );
    });
    await skopeo(['copy', '--src-tls-verify=false', `docker://${berth.host}/${NAME}:signed`, `oci:${out}:signed`]);
  });
});
