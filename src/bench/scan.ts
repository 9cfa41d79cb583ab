// `npm run bench:scan`: the scanner's figures. (1) Scan time and peak RSS of a 1 GiB image (four
// gzip layers of 256 MiB, made on the fly and streamed, never held whole; package databases among
// large files), pushed to a real `berth serve` and scanned there, its peak RSS the server's VmHWM
// (scan-server.ts); target: RSS flat, at most 200 MiB. (2) Push throughput of small images into
// a repository with scan on push on and off (the scans run on the same node after each burst);
// target: on ≥ 0.95 × off, the median of alternating runs (a shared machine's noise is large).
// (3) Push throughput while scans of large images run on the node (scan-overlap.ts).
import { randomBytes } from 'node:crypto';
import { callApi } from '../testing/api-client.js';
import {
  DEBIAN_OS_RELEASE,
  DPKG_STATUS,
  nodeAppLayers,
  PACKAGE_LOCK,
  pushLayeredImage,
  tarOf,
} from '../testing/scan-images.js';
import { startBerth } from '../testing/server.js';
import { pushRateDuringScans } from './scan-overlap.js';
import { scanBigImageThroughServer } from './scan-server.js';

const MiB = 1024 * 1024;
const LAYERS = Number(process.env.BENCH_SCAN_LAYERS ?? 4);
const LAYER_BYTES = Number(process.env.BENCH_SCAN_LAYER_MIB ?? 256) * MiB;
const FILE_BYTES = 8 * MiB;
const PUSHES = Number(process.env.BENCH_SCAN_PUSHES ?? 40);
/** The large image of the third figure (pushes while scans run), and how many scans of it. */
const OVERLAP_LAYER_BYTES = Number(process.env.BENCH_SCAN_OVERLAP_MIB ?? 64) * MiB;
const OVERLAP_SCANS = Number(process.env.BENCH_SCAN_OVERLAP_SCANS ?? 4);

function header(path: string, size: number): Buffer {
  const h = tarOf([{ path, content: Buffer.alloc(0) }]).subarray(0, 512);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write('        ', 148, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** One layer's tar, generated as it is read: package databases, then large files of changing bytes. */
function* layerBytes(index: number, layerSize = LAYER_BYTES): Generator<Buffer> {
  const small = tarOf([
    { path: 'etc/os-release', content: DEBIAN_OS_RELEASE },
    { path: 'var/lib/dpkg/status', content: DPKG_STATUS },
    { path: `app${index}/package-lock.json`, content: PACKAGE_LOCK },
  ]);
  yield small.subarray(0, small.length - 1024);
  const block = randomBytes(MiB);
  for (let n = 0; n * FILE_BYTES < layerSize; n++) {
    yield header(`data/blob-${index}-${n}`, FILE_BYTES);
    for (let m = 0; m < FILE_BYTES / MiB; m++) {
      block[m] = (block[m]! + 1) & 0xff;
      yield block;
    }
  }
  yield Buffer.alloc(1024);
}

async function pushRate(scanOnPush: boolean): Promise<number> {
  const server = await startBerth({ listen: false, settings: { scanning: { pollMilliseconds: 60_000 } } });
  try {
    const name = scanOnPush ? 'bench/on' : 'bench/off';
    const created = await callApi(server.berth.app, 'CreateRepository', {
      repositoryName: name,
      imageScanningConfiguration: { scanOnPush },
    });
    if (created.statusCode !== 200) throw new Error(created.body);
    const layers = nodeAppLayers();
    const started = process.hrtime.bigint();
    for (let i = 0; i < PUSHES; i++) {
      // Each image different (a layer of its own), so each push stores something and asks for a scan.
      await pushLayeredImage(server.berth.app, name, `v${i}`, [...layers, [{ path: `id-${i}`, content: String(i) }]]);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await server.berth.scans.drain();
    return PUSHES / seconds;
  } finally {
    await server.close();
  }
}

if (LAYERS > 0) await scanBigImageThroughServer(LAYERS, layerBytes);
// A warm-up run first (the first server of a process is slower), then off and on alternating.
await pushRate(false);
const RUNS = Number(process.env.BENCH_SCAN_RUNS ?? 11);
const runs: Record<'off' | 'on', number[]> = { off: [], on: [] };
for (let i = 0; i < RUNS; i++) {
  runs.off.push(await pushRate(false));
  runs.on.push(await pushRate(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const off = median(runs.off);
const on = median(runs.on);
console.log(
  `push throughput, ${PUSHES} images (median of ${RUNS} runs each, after a warm-up): scan on push off ${off.toFixed(1)}/s, ` +
    `on ${on.toFixed(1)}/s (ratio ${(on / off).toFixed(2)}; target ≥ 0.95: ${on / off >= 0.95 ? 'met' : 'NOT met'})`,
);
if (OVERLAP_SCANS > 0)
  await pushRateDuringScans(() => layerBytes(LAYERS, OVERLAP_LAYER_BYTES), {
    pushes: PUSHES / 2,
    runs: Math.min(RUNS, 3),
    scans: OVERLAP_SCANS,
  });
