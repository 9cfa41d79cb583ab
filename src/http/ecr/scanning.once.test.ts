// Image scanning with the AWS CLI v2, end to end: images built in the test with real package
// databases (Debian bookworm's dpkg status, Alpine 3.19's apk database, a Node app's lockfile)
// pushed over /v2, OSV advisories imported from testdata/osv, then `aws ecr start-image-scan`,
// `aws ecr wait image-scan-complete`, `aws ecr describe-image-scan-findings` (with its paging)
// and describe-images; scan on push; the SBOM fetched through the referrers API; a re-import
// re-evaluating stored scans without reading layers. The SQLite pass only (the once tier).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../testing/cli.js';
import { callApi, loggedIn } from '../../testing/api-client.js';
import { alpineLayers, debianLayers, nodeAppLayers, pushLayeredImage } from '../../testing/scan-images.js';
import { ADMIN_ENV, startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';
import { importAdvisories } from '../../scanning/advisories.js';

const OSV_DIR = fileURLToPath(new URL('../../../src/scanning/testdata/osv/', import.meta.url));

let server: TestBerth;

async function aws(args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const res = await runProgram(
    AWS_CLI,
    [...args, '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'],
    ADMIN_ENV,
  );
  return {
    code: res.code,
    json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined,
    stderr: res.stderr,
  };
}

/** The same action signed by the administrator, without starting a CLI (for what is not the CLI's to show). */
async function api(action: string, input: object): Promise<{ status: number; json: any }> {
  const res = await callApi(server.berth.app, action, input);
  return { status: res.statusCode, json: JSON.parse(res.body) };
}

const app = () =>
  loggedIn(
    server.berth.app,
    server.berth.tokens.issue({ account: server.berth.accountId, key: TEST_ADMIN.accessKeyId }, Date.now()).password,
  );

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' }, scanning: { pollMilliseconds: 200 } } });
  await importAdvisories(server.berth.store, OSV_DIR);
});
after(async () => {
  await server?.close();
});

const pairs = (json: any) =>
  (json.imageScanFindings.findings as any[]).map((f) => [
    f.name,
    f.severity,
    f.attributes.find((a: any) => a.key === 'package_name').value,
    f.attributes.find((a: any) => a.key === 'package_version').value,
  ]);

describe('image scanning with the AWS CLI v2', () => {
  it('start-image-scan, wait image-scan-complete, describe-image-scan-findings of a Node app on Debian', async (t) => {
    if (!requireAwsCli(t)) return;
    assert.equal((await api('CreateRepository', { repositoryName: 'scan/shop' })).status, 200);
    const image = await pushLayeredImage(app(), 'scan/shop', 'v1', nodeAppLayers());
    const started = await aws([
      'ecr',
      'start-image-scan',
      '--repository-name',
      'scan/shop',
      '--image-id',
      'imageTag=v1',
    ]);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.json.imageId.imageDigest, image.digest);
    assert.equal(started.json.imageScanStatus.status, 'IN_PROGRESS');
    const waited = await aws([
      'ecr',
      'wait',
      'image-scan-complete',
      '--repository-name',
      'scan/shop',
      '--image-id',
      'imageTag=v1',
    ]);
    assert.equal(waited.code, 0, waited.stderr);
    const found = await aws([
      'ecr',
      'describe-image-scan-findings',
      '--repository-name',
      'scan/shop',
      '--image-id',
      'imageTag=v1',
    ]);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.json.imageScanStatus.status, 'COMPLETE');
    assert.deepEqual(pairs(found.json), [
      ['GHSA-xvch-5gv4-984h', 'CRITICAL', 'minimist', '1.2.5'],
      ['GHSA-35jh-r3h4-6jhm', 'HIGH', 'lodash', '4.17.20'],
      ['DEBIAN-CVE-2024-0727', 'MEDIUM', 'libssl3', '3.0.11-1~deb12u2'],
      ['DEBIAN-CVE-2023-50495', 'LOW', 'libtinfo6', '6.4-4'],
    ]);
    assert.deepEqual(found.json.imageScanFindings.findingSeverityCounts, { CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1 });
    const lodash = found.json.imageScanFindings.findings[1];
    assert.equal(lodash.uri, 'https://nvd.nist.gov/vuln/detail/CVE-2021-23337');
    assert.deepEqual(
      lodash.attributes.find((a: any) => a.key === 'CVSS3_SCORE'),
      { key: 'CVSS3_SCORE', value: '7.2' },
    );

    // Paging: two findings a page, the CLI's own pagination off so the token is ours to follow.
    const first = await aws([
      'ecr',
      'describe-image-scan-findings',
      '--repository-name',
      'scan/shop',
      '--image-id',
      'imageTag=v1',
      '--no-paginate',
      '--max-results',
      '2',
    ]);
    assert.equal(first.json.imageScanFindings.findings.length, 2);
    assert.ok(first.json.nextToken);
    const second = await aws([
      'ecr',
      'describe-image-scan-findings',
      '--repository-name',
      'scan/shop',
      '--image-id',
      'imageTag=v1',
      '--no-paginate',
      '--max-results',
      '2',
      '--next-token',
      first.json.nextToken,
    ]);
    assert.deepEqual(
      second.json.imageScanFindings.findings.map((f: any) => f.name),
      ['DEBIAN-CVE-2024-0727', 'DEBIAN-CVE-2023-50495'],
    );
    assert.equal(second.json.nextToken, undefined);

    // describe-images shows the scan's status and summary.
    const described = await api('DescribeImages', { repositoryName: 'scan/shop', imageIds: [{ imageTag: 'v1' }] });
    assert.equal(described.json.imageDetails[0].imageScanStatus.status, 'COMPLETE');
    assert.deepEqual(described.json.imageDetails[0].imageScanFindingsSummary.findingSeverityCounts, {
      CRITICAL: 1,
      HIGH: 1,
      MEDIUM: 1,
      LOW: 1,
    });

    // ECR's quota: one scan per image per day.
    const again = await api('StartImageScan', { repositoryName: 'scan/shop', imageId: { imageTag: 'v1' } });
    assert.equal(again.status, 400);
    assert.equal(again.json.__type, 'LimitExceededException');

    // The SBOM is a referrer of the image: CycloneDX 1.6 naming the packages found.
    const referrers = await app().inject({ url: `/v2/scan/shop/referrers/${image.digest}` });
    assert.equal(referrers.statusCode, 200, referrers.body);
    const sboms = JSON.parse(referrers.body).manifests.filter(
      (m: any) => m.artifactType === 'application/vnd.cyclonedx+json',
    );
    assert.equal(sboms.length, 1);
    const manifest = await app().inject({
      url: `/v2/scan/shop/manifests/${sboms[0].digest}`,
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const layer = JSON.parse(manifest.body).layers[0];
    const blob = await app().inject({ url: `/v2/scan/shop/blobs/${layer.digest}` });
    const sbom = JSON.parse(blob.body);
    assert.equal(sbom.bomFormat, 'CycloneDX');
    assert.equal(sbom.specVersion, '1.6');
    const purls = sbom.components.map((c: any) => c.purl);
    assert.ok(purls.includes('pkg:npm/minimist@1.2.5'), purls.join('\n'));
    assert.ok(purls.some((p: string) => p?.startsWith('pkg:deb/debian/libssl3@3.0.11-1~deb12u2')));
  });

  it('scan on push (the repository flag), an Alpine image in zstd layers', async (t) => {
    if (!requireAwsCli(t)) return;
    const created = await api('CreateRepository', {
      repositoryName: 'scan/alpine',
      imageScanningConfiguration: { scanOnPush: true },
    });
    assert.equal(created.status, 200);
    await pushLayeredImage(app(), 'scan/alpine', '3.19', alpineLayers(), 'zstd');
    const waited = await aws([
      'ecr',
      'wait',
      'image-scan-complete',
      '--repository-name',
      'scan/alpine',
      '--image-id',
      'imageTag=3.19',
    ]);
    assert.equal(waited.code, 0, waited.stderr);
    const found = await api('DescribeImageScanFindings', {
      repositoryName: 'scan/alpine',
      imageId: { imageTag: '3.19' },
    });
    assert.deepEqual(pairs(found.json), [['ALPINE-CVE-2023-6129', 'MEDIUM', 'libcrypto3', '3.1.4-r2']]);
  });

  it('registry rules (put/get-registry-scanning-configuration, batch-get-repository-scanning-configuration) and a re-import re-evaluating stored scans', async (t) => {
    if (!requireAwsCli(t)) return;
    const rules = [
      { scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'scan/base*', filterType: 'WILDCARD' }] },
    ];
    const put = await aws([
      'ecr',
      'put-registry-scanning-configuration',
      '--scan-type',
      'BASIC',
      '--rules',
      JSON.stringify(rules),
    ]);
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(put.json.registryScanningConfiguration, { scanType: 'BASIC', rules });
    const got = await api('GetRegistryScanningConfiguration', {});
    assert.deepEqual(got.json.scanningConfiguration, { scanType: 'BASIC', rules });
    assert.equal((await api('CreateRepository', { repositoryName: 'scan/base-debian' })).status, 200);
    const batch = await api('BatchGetRepositoryScanningConfiguration', {
      repositoryNames: ['scan/base-debian', 'scan/missing'],
    });
    assert.equal(batch.json.scanningConfigurations[0].scanFrequency, 'CONTINUOUS_SCAN');
    assert.deepEqual(batch.json.failures, [
      { repositoryName: 'scan/missing', failureCode: 'REPOSITORY_NOT_FOUND', failureReason: 'REPOSITORY_NOT_FOUND' },
    ]);
    const enhanced = await api('PutRegistryScanningConfiguration', { scanType: 'ENHANCED' });
    assert.equal(enhanced.status, 400);
    assert.equal(enhanced.json.__type, 'ValidationException');

    // The rule scans on push; then a new advisory, imported, shows up without a new scan.
    await pushLayeredImage(app(), 'scan/base-debian', '12', debianLayers());
    await server.berth.scans.drain();
    const image = { repositoryName: 'scan/base-debian', imageId: { imageTag: '12' } };
    const before = await api('DescribeImageScanFindings', image);
    assert.equal(before.json.imageScanStatus.status, 'COMPLETE');
    assert.ok(!pairs(before.json).some(([name]) => name === 'DEBIAN-CVE-2099-0001'));
    const dir = mkdtempSync(join(tmpdir(), 'osv-'));
    writeFileSync(
      join(dir, 'new.json'),
      JSON.stringify({
        id: 'DEBIAN-CVE-2099-0001',
        modified: '2099-01-01T00:00:00Z',
        summary: 'bash: made up for this test',
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'bash' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '5.2.15-2+b3' }] }],
          },
        ],
        database_specific: { severity: 'high' },
      }),
    );
    const report = await importAdvisories(server.berth.store, dir);
    rmSync(dir, { recursive: true, force: true });
    assert.ok(report.reevaluated >= 3, JSON.stringify(report));
    const after = await api('DescribeImageScanFindings', image);
    assert.ok(pairs(after.json).some(([name, severity]) => name === 'DEBIAN-CVE-2099-0001' && severity === 'HIGH'));
    assert.equal(
      after.json.imageScanFindings.imageScanCompletedAt,
      before.json.imageScanFindings.imageScanCompletedAt,
      'not scanned again',
    );
  });
  it('a deleted image takes its scan along: pushed again, it has none (BatchDeleteImage and /v2 DELETE)', async () => {
    assert.equal((await api('CreateRepository', { repositoryName: 'scan/again' })).status, 200);
    for (const remove of ['BatchDeleteImage', 'v2']) {
      // An image of its own each round (a layer naming the way it is removed).
      const image = await pushLayeredImage(app(), 'scan/again', 'v1', [
        ...debianLayers(),
        [{ path: 'round', content: remove }],
      ]);
      const imageId = { repositoryName: 'scan/again', imageId: { imageDigest: image.digest } };
      const bytes = (
        await app().inject({ method: 'GET', url: `/v2/scan/again/manifests/v1`, headers: { accept: image.mediaType } })
      ).rawPayload;
      assert.equal((await api('StartImageScan', imageId)).status, 200);
      await server.berth.scans.drain();
      assert.equal((await api('DescribeImageScanFindings', imageId)).json.imageScanStatus.status, 'COMPLETE');
      if (remove === 'BatchDeleteImage')
        assert.deepEqual(
          (await api('BatchDeleteImage', { repositoryName: 'scan/again', imageIds: [{ imageDigest: image.digest }] }))
            .json.failures,
          [],
        );
      else
        assert.equal(
          (await app().inject({ method: 'DELETE', url: `/v2/scan/again/manifests/${image.digest}` })).statusCode,
          202,
        );
      // The same manifest pushed again (its layers are still there).
      const again = await app().inject({
        method: 'PUT',
        url: `/v2/scan/again/manifests/v1`,
        headers: { 'content-type': image.mediaType },
        payload: bytes,
      });
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['docker-content-digest'], image.digest, 'the same image');
      const found = await api('DescribeImageScanFindings', imageId);
      assert.equal(found.status, 400, `${remove}: ${JSON.stringify(found.json)}`);
      assert.equal(found.json.__type, 'ScanNotFoundException');
      // The daily limit went with the scan: a new one may be asked for.
      assert.equal((await api('StartImageScan', imageId)).status, 200, `${remove}: the daily limit went with the scan`);
      await server.berth.scans.drain();
    }
  });
});
