// The layer table of docs/architecture.md, checked by dependency-cruiser (`npm run lint`, and in
// CI): a production module imports only from its own folder and from the tiers below it, never
// sideways across the parts of one tier. Tests, test support, fuzzing and the bench are exempt.

/** The tiers, low to high: each part (a folder under src/) and the parts it may import. */
const DOMAIN = ['domain'];
const RUNTIME = ['runtime'];
// What the operator gives: the settings, and the TLS certificates they name.
const CONFIG = ['config', 'tls'];
const PORTS = ['storage', 'metadata', 'keys'];
const POLICY = ['policy'];
const IAM = ['iam'];
const SERVICES = [
  'registry',
  'kms',
  'public',
  'jobs',
  'secrets',
  'events',
  'pullthrough',
  'metering',
  'scanning',
  'audit',
];
const HTTP_HOST = ['http-host', 'http/aws-json'];
const FACES = [
  'http/oci',
  'http/ecr',
  'http/ecr-public',
  'http/kms',
  'http/iam',
  'http/public',
  'http/web',
  'http/secrets',
  'http/events',
  'http/console',
  'http/usage',
  'http/cloudtrail',
  'http/cloudwatch',
];
const APP = ['app'];
const CLIENT = ['client'];
const CLI = ['cli'];

const tiers = [
  { tier: 'domain', parts: DOMAIN, may: [] },
  { tier: 'runtime', parts: RUNTIME, may: [...DOMAIN] },
  { tier: 'config', parts: CONFIG, may: [...DOMAIN], sideways: { tls: ['config'] } },
  { tier: 'ports and adapters', parts: PORTS, may: [...DOMAIN, ...RUNTIME, ...CONFIG] },
  { tier: 'access: the policy engine', parts: POLICY, may: [...DOMAIN] },
  { tier: 'access: identities', parts: IAM, may: [...DOMAIN, ...RUNTIME, ...CONFIG, ...PORTS, ...POLICY] },
  { tier: 'services', parts: SERVICES, may: [...DOMAIN, ...RUNTIME, ...CONFIG, ...PORTS, ...POLICY, ...IAM] },
  {
    tier: 'the http host',
    parts: HTTP_HOST,
    may: [...DOMAIN, ...RUNTIME, ...CONFIG, ...POLICY, ...IAM, ...SERVICES],
    sideways: { 'http/aws-json': ['http-host'] },
  },
  { tier: 'faces', parts: FACES, may: [...DOMAIN, ...CONFIG, ...POLICY, ...IAM, ...SERVICES, ...HTTP_HOST] },
  { tier: 'client', parts: CLIENT, may: [...DOMAIN] },
  { tier: 'app', parts: APP, may: ['*'] },
  { tier: 'cli', parts: CLI, may: [...DOMAIN, ...CONFIG, ...POLICY, ...IAM, ...SERVICES, ...CLIENT, ...APP] },
];

const EXEMPT = '(\\.test\\.ts$|^src/(testing|e2e|fuzz|bench)/)';

/** A part as a path pattern: `http-host` is the files directly in src/http/; a folder is itself and below. */
function pattern(part) {
  if (part === 'http-host') return '^src/http/[^/]+\\.ts$';
  return `^src/${part.replace('/', '\\/')}/`;
}

const known = tiers.flatMap((t) => t.parts);
const rules = [];
for (const { tier, parts, may, sideways = {} } of tiers) {
  if (may.includes('*')) continue;
  for (const part of parts) {
    const allowed = [part, ...may, ...(sideways[part] ?? [])];
    rules.push({
      name: `layer:${part}`,
      comment: `${part} (${tier}) may import only ${allowed.join(', ')}`,
      severity: 'error',
      from: { path: pattern(part), pathNot: EXEMPT },
      to: { path: '^src/', pathNot: [EXEMPT, ...allowed.map(pattern)] },
    });
  }
}

module.exports = {
  forbidden: [
    ...rules,
    {
      name: 'every-module-in-a-tier',
      comment: 'every production module lives in a part of the layer table (docs/architecture.md)',
      severity: 'error',
      from: { path: '^src/', pathNot: [EXEMPT, ...known.map(pattern), '^src/app/', '^src/cli/'] },
      to: {},
    },
    {
      name: 'domain-without-io',
      comment: 'the shared vocabulary does no I/O: no files, sockets, processes or threads',
      severity: 'error',
      from: { path: pattern('domain'), pathNot: EXEMPT },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|worker_threads|cluster|os)$',
      },
    },
    {
      name: 'no-test-code-in-production',
      comment: 'production modules never import tests or test support',
      severity: 'error',
      from: { path: '^src/', pathNot: EXEMPT },
      to: { path: EXEMPT },
    },
    {
      name: 'no-app-below-cli',
      comment: 'only the command line (and tests) may import the composition root',
      severity: 'error',
      from: { path: '^src/', pathNot: [EXEMPT, '^src/app/', '^src/cli/'] },
      to: { path: '^src/app/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    reporterOptions: {
      archi: { collapsePattern: '^src/(http/[^/]+|[^/]+)/' },
      dot: { collapsePattern: '^src/(http/[^/]+|[^/]+)/' },
    },
  },
};
