// `npm run bench -- replication`: replication lag and bytes sent between two deployments (regions)
// on loopback. us-east-1 names eu-west-1 as its peer through a counting proxy; BENCH_REPLICATION_IMAGES
// (default 100) images of BENCH_REPLICATION_MIB (default 10) MiB are pushed one after the other
// into BENCH_REPLICATION_REPOSITORIES (default 4) repositories in turn, each a shared base layer
// (80%) and a layer of its own. Reported: the lag from a push's acknowledgement to the image's tag
// answering at the peer, p50 and p99, and the bytes sent to the peer per image (the base layer
// must go once: the existence check skips it in a repository that has it, a cross-repository
// mount in the others).
import { createServer, request, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { aws } from './aws-cli.js';
import { bodyOf, call, expect, makeBody, MiB, type Body } from './http.js';
import { BENCH_ADMIN, cleanupAll, startBerth } from './servers.js';
import { monolithicUpload } from './workloads.js';

const IMAGES = Number(process.env.BENCH_REPLICATION_IMAGES ?? 100);
const IMAGE_MIB = Number(process.env.BENCH_REPLICATION_MIB ?? 10);
const REPOSITORIES = Number(process.env.BENCH_REPLICATION_REPOSITORIES ?? 4);
const POLL_MS = 20;
const repositoryOf = (i: number) => `bench/replicated-${i % REPOSITORIES}`;

interface CountingProxy {
  url: string;
  /** Request body bytes passed on to the target. */
  sent: number;
  /** Cross-repository mounts the target made (POST ?mount= answered 201). */
  mounts: number;
  close(): Promise<void>;
}

function countingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const proxy: CountingProxy = { url: '', sent: 0, mounts: 0, close: async () => {} };
  const server: HttpServer = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      proxy.sent += chunk.length;
    });
    const forward = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (req.method === 'POST' && req.url?.includes('mount=') && answer.statusCode === 201) proxy.mounts++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      proxy.close = () => new Promise((done) => server.close(() => done()));
      resolve(proxy);
    });
  });
}

const origin = (url: string) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
};

async function pushImage(base: string, repository: string, tag: string, shared: Body, own: Body): Promise<void> {
  const config = bodyOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', tag })));
  for (const blob of [config, shared, own]) {
    const head = await call('HEAD', `${base}/v2/${repository}/blobs/${blob.digest}`);
    if (head.status !== 200) await monolithicUpload(base, repository, blob);
  }
  const layer = (b: Body) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: b.digest, size: b.size });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: [layer(shared), layer(own)],
  });
  expect(
    await call('PUT', `${base}/v2/${repository}/manifests/${tag}`, {
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
      data: manifest,
    }),
    201,
    `PUT ${repository}:${tag}`,
  );
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

export async function runReplicationBench(log: (line: string) => void): Promise<void> {
  const peer = await startBerth({ label: 'berth eu-west-1', env: { BERTH_REGISTRY_REGION: 'eu-west-1' } });
  const proxy = await countingProxy(origin(peer.url));
  const peerPeers = [{ region: 'eu-west-1', endpoint: proxy.url, ...BENCH_ADMIN }];
  const source = await startBerth({
    label: 'berth us-east-1',
    env: {
      BERTH_REGISTRY_REGION: 'us-east-1',
      BERTH_REPLICATION_PEERS: JSON.stringify(peerPeers),
      BERTH_REPLICATION_POLL_MILLISECONDS: '50',
    },
  });
  try {
    const peerAccount = (
      (await aws(origin(peer.url), ['sts', 'get-caller-identity'], 'eu-west-1')) as { Account: string }
    ).Account;
    const rules = { rules: [{ destinations: [{ region: 'eu-west-1', registryId: peerAccount }] }] };
    await aws(origin(source.url), [
      'ecr',
      'put-replication-configuration',
      '--replication-configuration',
      JSON.stringify(rules),
    ]);
    const shared = makeBody(Math.round(IMAGE_MIB * 0.8 * MiB));
    const ownBytes = IMAGE_MIB * MiB - shared.size;
    log(
      `replication: ${IMAGES} images of ${IMAGE_MIB} MiB (a shared ${(shared.size / MiB).toFixed(1)} MiB base) into ${REPOSITORIES} repositories …`,
    );

    const pending = new Map<string, { repository: string; acknowledged: number }>();
    const lags: number[] = [];
    let pushing = true;
    const poller = (async () => {
      while (pushing || pending.size > 0) {
        for (const [tag, { repository, acknowledged }] of pending) {
          const res = await call('HEAD', `${peer.url}/v2/${repository}/manifests/${tag}`, {
            headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
          });
          if (res.status === 200) {
            lags.push(performance.now() - acknowledged);
            pending.delete(tag);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    })();
    const started = performance.now();
    for (let i = 0; i < IMAGES; i++) {
      const tag = `v${i}`;
      const repository = repositoryOf(i);
      await pushImage(source.url, repository, tag, shared, makeBody(ownBytes, Math.min(ownBytes, MiB)));
      pending.set(tag, { repository, acknowledged: performance.now() });
    }
    const pushSeconds = (performance.now() - started) / 1000;
    pushing = false;
    await poller;
    lags.sort((a, b) => a - b);
    const perImage = proxy.sent / IMAGES;
    log(`pushed ${IMAGES} images in ${pushSeconds.toFixed(1)} s`);
    log(
      `replication lag (push acknowledged → tag at the peer): p50 ${percentile(lags, 50).toFixed(0)} ms, p99 ${percentile(lags, 99).toFixed(0)} ms, max ${lags[lags.length - 1]?.toFixed(0)} ms`,
    );
    log(
      `bytes sent to the peer: ${(proxy.sent / MiB).toFixed(1)} MiB in all, ${(perImage / MiB).toFixed(2)} MiB per image of ${IMAGE_MIB} MiB (its own layer is ${(ownBytes / MiB).toFixed(1)} MiB; the base went ${proxy.sent >= IMAGES * ownBytes + 2 * shared.size ? 'more than once' : 'once'}; ${proxy.mounts} mounts)`,
    );
  } finally {
    await proxy.close();
    await cleanupAll();
  }
}
