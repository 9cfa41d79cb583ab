// `npm run bench:scan`, its third figure: push throughput of small images while scans of large
// images run on the same node (the case the deferral does not cover: a burst longer than its
// bound, or a scan already running when pushes start), against the rate with no scan, the
// median of alternating runs. Scans read in short turns while pushes arrive (scanning/pacing.ts);
// without that, a push waited for the scan's reading and the rate fell to a tenth or a quarter.
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import * as zlib from 'node:zlib';
import { callApi } from '../testing/api-client.js';
import { pushBlob, pushManifest } from '../testing/registry-client.js';
import { nodeAppLayers, pushLayeredImage } from '../testing/scan-images.js';
import { startBerth } from '../testing/server.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export async function pushRateDuringScans(
  layer: () => Generator<Buffer>,
  options: { pushes: number; runs: number; scans: number },
): Promise<void> {
  const server = await startBerth({ listen: false, settings: { scanning: { pollMilliseconds: 60_000 } } });
  const { app } = server.berth;
  try {
    for (const repositoryName of ['bench/big', 'bench/small'])
      await callApi(app, 'CreateRepository', { repositoryName });
    const gzipped = await buffer(Readable.from(layer()).pipe(zlib.createGzip({ level: 1 })));
    const layerDescriptor = await pushBlob(app, 'bench/big', gzipped, 'application/vnd.oci.image.layer.v1.tar+gzip');
    let images = 0;
    // An image of the one large layer, its own config making it a new image (a scan of its own).
    const bigImage = async () => {
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', image: images++ }));
      const configDescriptor = await pushBlob(app, 'bench/big', config, 'application/vnd.oci.image.config.v1+json');
      const manifest = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: configDescriptor,
        layers: [layerDescriptor],
      };
      return (await pushManifest(app, 'bench/big', `big-${images}`, manifest, OCI_MANIFEST)).digest;
    };
    const layers = nodeAppLayers();
    let pushed = 0;
    const burst = async () => {
      const started = performance.now();
      for (let i = 0; i < options.pushes; i++, pushed++)
        await pushLayeredImage(app, 'bench/small', `v${pushed}`, [
          ...layers,
          [{ path: `id-${pushed}`, content: `${pushed}` }],
        ]);
      return options.pushes / ((performance.now() - started) / 1000);
    };
    await burst(); // warm-up
    const quiet: number[] = [];
    const scanning: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      quiet.push(await burst());
      const digests: string[] = [];
      for (let i = 0; i < options.scans; i++) digests.push(await bigImage());
      for (const imageDigest of digests) {
        const started = await callApi(app, 'StartImageScan', { repositoryName: 'bench/big', imageId: { imageDigest } });
        if (started.statusCode !== 200) throw new Error(started.body);
      }
      // The scans start now (not after the pushes settled), and the pushes come while they read.
      const draining = server.berth.scans.drain();
      await new Promise((resolve) => setTimeout(resolve, 100));
      scanning.push(await burst());
      await draining;
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [q, s] = [median(quiet), median(scanning)];
    console.log(
      `push throughput while ${options.scans} scans of ${(gzipped.length / 1024 / 1024).toFixed(0)} MiB images run ` +
        `(${options.pushes} images, median of ${options.runs} runs each): no scan ${q.toFixed(1)}/s, ` +
        `scanning ${s.toFixed(1)}/s (ratio ${(s / q).toFixed(2)})`,
    );
  } finally {
    await server.close();
  }
}
