// The 1 GiB scan measured through a real `berth serve` process: four gzip layers of 256 MiB
// (package databases among large files, made on the fly and streamed, never held whole) pushed
// over /v2 into a repository with scan on push, then the scan awaited (its SBOM appears in the
// referrers API); the peak RSS is the server's VmHWM from /proc, reset after the push, so that
// it is the scan's own. Target: flat, at most 200 MiB.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { aws } from './aws-cli.js';
import { call, expect, location } from './http.js';
import { cleanupAll, startBerth } from './servers.js';
import { peakRssDuring, procStatusKiB } from './workloads.js';

const MiB = 1024 * 1024;
const REPOSITORY = 'bench/scan-big';

/** Streams `source` as one PATCH (chunked) of a new upload session, then PUT ?digest=; the blob's digest and size. */
async function streamBlob(base: string, source: Readable): Promise<{ digest: string; size: number }> {
  const session = location(
    base,
    expect(await call('POST', `${base}/v2/${REPOSITORY}/blobs/uploads/`), 202, 'POST upload'),
  );
  const hash = createHash('sha256');
  let size = 0;
  const patched = await new Promise<string>((resolve, reject) => {
    const request = http.request(session, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' },
    });
    request.once('error', reject);
    request.once('response', (response) => {
      response.resume();
      response.once('end', () =>
        response.statusCode === 202
          ? resolve(String(response.headers.location))
          : reject(new Error(`PATCH: ${response.statusCode}`)),
      );
    });
    pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      request,
    ).catch(reject);
  });
  const digest = `sha256:${hash.digest('hex')}`;
  const url = new URL(patched, session);
  url.searchParams.set('digest', digest);
  const auth = new URL(session);
  url.username = auth.username;
  url.password = auth.password;
  expect(await call('PUT', url.toString()), 201, 'PUT upload');
  return { digest, size };
}

export async function scanBigImageThroughServer(
  layers: number,
  layerBytes: (index: number) => Generator<Buffer>,
): Promise<void> {
  const server = await startBerth({ label: 'berth-scan', env: { BERTH_SCANNING_SETTLE_MILLISECONDS: '0' } });
  try {
    const origin = new URL(server.url);
    const endpoint = `${origin.protocol}//${origin.host}`;
    await aws(endpoint, [
      'ecr',
      'create-repository',
      '--repository-name',
      REPOSITORY,
      '--image-scanning-configuration',
      'scanOnPush=true',
    ]);
    const base = server.url;
    const pushStarted = performance.now();
    const descriptors: Array<{ mediaType: string; digest: string; size: number }> = [];
    for (let i = 0; i < layers; i++) {
      const blob = await streamBlob(base, Readable.from(layerBytes(i)).pipe(zlib.createGzip({ level: 1 })));
      descriptors.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob });
    }
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } }));
    const configBlob = await streamBlob(base, Readable.from([config]));
    const pushSeconds = (performance.now() - pushStarted) / 1000;
    const afterPush = procStatusKiB(server.pid, 'VmHWM') / 1024;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: descriptors,
    });
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    // The push of the manifest asks for the scan; the scan's peak is measured from here on.
    const peak = await peakRssDuring(server.pid, async () => {
      const started = performance.now();
      expect(
        await call('PUT', `${base}/v2/${REPOSITORY}/manifests/big`, {
          headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
          data: manifest,
        }),
        201,
        'PUT manifest',
      );
      for (;;) {
        const referrers = expect(await call('GET', `${base}/v2/${REPOSITORY}/referrers/${digest}`), 200, 'referrers');
        if ((JSON.parse(referrers.text) as { manifests: unknown[] }).manifests.length > 0) break;
        if (performance.now() - started > 30 * 60_000) throw new Error('the scan did not finish within 30 minutes');
        await new Promise((r) => setTimeout(r, 250));
      }
      return (performance.now() - started) / 1000;
    });
    const findings = (await aws(endpoint, [
      'ecr',
      'describe-image-scan-findings',
      '--repository-name',
      REPOSITORY,
      '--image-id',
      `imageDigest=${digest}`,
    ])) as { imageScanStatus: { status: string } };
    const total = descriptors.reduce((n, d) => n + d.size, 0) / layers / MiB;
    console.log(
      `scan of a 1 GiB image through \`berth serve\` (${layers} gzip layers, ${total.toFixed(0)} MiB compressed each): ` +
        `push ${pushSeconds.toFixed(1)} s (server VmHWM ${afterPush.toFixed(0)} MiB after it), ` +
        `scan ${peak.seconds.toFixed(1)} s, status ${findings.imageScanStatus.status}; server peak RSS during the scan ` +
        `${peak.peakMiB.toFixed(0)} MiB (VmHWM${peak.reset ? ', reset before' : ' since start: reset refused'}; ` +
        `sampled VmRSS max ${peak.sampledMaxMiB.toFixed(0)} MiB, before ${peak.baselineMiB.toFixed(0)} MiB; ` +
        `target ≤ 200 MiB: ${peak.peakMiB <= 200 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await server.stop();
    await cleanupAll();
  }
}
