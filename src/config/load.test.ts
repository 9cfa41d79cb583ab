// Configuration loading: defaults, the YAML file, BERTH_* variables and flags, in that order of
// precedence, and errors that name the setting (and where its bad value came from).
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../testing/server.js';
import { ConfigError, environmentVariables, fromEnvironment, loadConfig, validate } from './load.js';

const DEFAULTS = {
  listen: 'localhost:5000',
  dataDir: './data',
  log: { level: 'info', requests: true },
  storage: { driver: 'filesystem', filesystem: { root: '' } },
  metadata: { url: '' },
  registry: {
    region: 'us-east-1',
    createRepositoryOnPush: true,
    maxManifestBytes: 4 * 1024 * 1024,
    maxBlobBytes: 50 * 1024 ** 3,
    uploadExpiryHours: 24,
    manifestCacheBytes: 64 * 1024 * 1024,
    defaultPlatform: 'linux/amd64',
  },
};

type Tree = Record<string, unknown>;

/** `value` cut down to the keys `shape` has, so a setting added later does not break a check. */
function pick(value: unknown, shape: unknown): unknown {
  if (typeof shape !== 'object' || shape === null || typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(shape).map((key) => [key, pick((value as Tree)[key], (shape as Tree)[key])]));
}

/** The problems of a ConfigError thrown by `load`, failing when it does not throw one. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.ok(err.message.startsWith('invalid configuration'));
    for (const problem of err.problems) assert.ok(err.message.includes(problem), 'the message lists every problem');
    return err.problems;
  }
  assert.fail('expected the configuration to be rejected');
}

describe('configuration', () => {
  let dir: string;
  let count = 0;
  /** Writes a YAML file and returns its path. */
  const yaml = (text: string) => {
    const file = join(dir, `config-${++count}.yaml`);
    writeFileSync(file, text);
    return file;
  };

  before(() => {
    dir = tempDir('berth-config-');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('defaults', () => {
    it('need no file, no environment and no flags', () => {
      assert.deepEqual(pick(loadConfig({ env: {} }), DEFAULTS), DEFAULTS);
    });

    it('are what an empty file gives', () => {
      assert.deepEqual(loadConfig({ file: yaml(''), env: {} }), loadConfig({ env: {} }));
      assert.deepEqual(loadConfig({ file: yaml('# only a comment\n'), env: {} }), loadConfig({ env: {} }));
    });

    it('ignore unrelated environment variables', () => {
      assert.deepEqual(
        loadConfig({ env: { PATH: '/usr/bin', HOME: '/root', BERTH: 'x', BERTH_NOT_A_SETTING: '1' } }),
        loadConfig({ env: {} }),
      );
    });
  });

  describe('YAML file', () => {
    it('sets any setting, leaving the others at their defaults', () => {
      const file = yaml(
        [
          'listen: 0.0.0.0:5443',
          'dataDir: /var/lib/berth',
          'log:',
          '  level: debug',
          'metadata:',
          '  url: sqlite:/var/lib/berth/meta.db',
          'registry:',
          '  maxBlobBytes: 1073741824',
          '  createRepositoryOnPush: false',
          '  region: eu-west-3',
          '',
        ].join('\n'),
      );
      assert.deepEqual(pick(loadConfig({ file, env: {} }), DEFAULTS), {
        ...DEFAULTS,
        listen: '0.0.0.0:5443',
        dataDir: '/var/lib/berth',
        log: { level: 'debug', requests: true },
        metadata: { url: 'sqlite:/var/lib/berth/meta.db' },
        registry: {
          ...DEFAULTS.registry,
          maxBlobBytes: 1073741824,
          createRepositoryOnPush: false,
          region: 'eu-west-3',
        },
      });
    });

    it('rejects invalid YAML, naming the file', () => {
      const file = yaml('listen: [localhost\nregistry:\n  x: 1\n');
      const problems = problemsOf(() => loadConfig({ file, env: {} }));
      assert.equal(problems.length, 1);
      assert.match(problems[0]!, /not valid YAML/);
      assert.throws(
        () => loadConfig({ file, env: {} }),
        (err: Error) => err.message.includes(file),
      );
      assert.match(
        problemsOf(() => loadConfig({ file: yaml('listen: a\nlisten: b\n'), env: {} }))[0]!,
        /not valid YAML.*unique/s,
      );
    });

    it('rejects a file that is not a mapping', () => {
      assert.match(problemsOf(() => loadConfig({ file: yaml('- listen\n- dataDir\n'), env: {} }))[0]!, /mapping/);
      assert.match(problemsOf(() => loadConfig({ file: yaml('just a string\n'), env: {} }))[0]!, /mapping/);
    });

    it('rejects a missing file, naming it', () => {
      const file = join(dir, 'does-not-exist.yaml');
      const problems = problemsOf(() => loadConfig({ file, env: {} }));
      assert.match(problems[0]!, /cannot read/);
      assert.ok(problems[0]!.includes(file));
    });
  });

  describe('BERTH_* environment', () => {
    it('sets strings, and coerces numbers and booleans', () => {
      const config = loadConfig({
        env: {
          BERTH_LISTEN: '0.0.0.0:6000',
          BERTH_DATA_DIR: '12345',
          BERTH_METADATA_URL: 'sqlite:/tmp/berth.db',
          BERTH_REGISTRY_MAX_BLOB_BYTES: '1048576',
          BERTH_REGISTRY_CREATE_REPOSITORY_ON_PUSH: 'false',
          BERTH_LOG_REQUESTS: '0',
          BERTH_REGISTRY_UPLOAD_EXPIRY_HOURS: '0.5',
          BERTH_STORAGE_FILESYSTEM_ROOT: '/srv/blobs',
        },
      });
      assert.equal(config.listen, '0.0.0.0:6000');
      assert.equal(config.dataDir, '12345', 'a string setting stays a string even when it looks like a number');
      assert.equal(config.metadata.url, 'sqlite:/tmp/berth.db');
      assert.equal(config.registry.maxBlobBytes, 1048576);
      assert.equal(config.registry.createRepositoryOnPush, false);
      assert.equal(config.log.requests, false);
      assert.equal(config.registry.uploadExpiryHours, 0.5);
      assert.equal(config.storage.filesystem.root, '/srv/blobs');
      assert.equal(
        loadConfig({ env: { BERTH_REGISTRY_CREATE_REPOSITORY_ON_PUSH: 'true' } }).registry.createRepositoryOnPush,
        true,
      );
      assert.equal(loadConfig({ env: { BERTH_LOG_REQUESTS: '1' } }).log.requests, true);
    });

    it('derives one variable per setting from the schema', () => {
      const names = environmentVariables();
      assert.equal(new Set(names).size, names.length);
      assert.deepEqual(
        [...names].filter((n) => !n.startsWith('BERTH_')),
        [],
      );
      for (const name of [
        'BERTH_DATA_DIR',
        'BERTH_LISTEN',
        'BERTH_LOG_LEVEL',
        'BERTH_LOG_REQUESTS',
        'BERTH_METADATA_URL',
        'BERTH_REGISTRY_CREATE_REPOSITORY_ON_PUSH',
        'BERTH_REGISTRY_MANIFEST_CACHE_BYTES',
        'BERTH_REGISTRY_MAX_BLOB_BYTES',
        'BERTH_REGISTRY_MAX_MANIFEST_BYTES',
        'BERTH_REGISTRY_REGION',
        'BERTH_REGISTRY_UPLOAD_EXPIRY_HOURS',
        'BERTH_STORAGE_DRIVER',
        'BERTH_STORAGE_FILESYSTEM_ROOT',
      ])
        assert.ok(names.includes(name), name);
      // Every listed variable really sets its setting.
      const all = Object.fromEntries(names.map((n) => [n, 'x']));
      const tree = fromEnvironment(all);
      const leaves = (t: Tree): number =>
        Object.values(t).reduce<number>(
          (n, v) => n + (typeof v === 'object' && v && !Array.isArray(v) ? leaves(v as Tree) : 1),
          0,
        );
      assert.equal(leaves(tree), names.length);
      assert.equal(leaves(loadConfig({ env: {} }) as unknown as Tree), names.length, 'one variable per setting');
    });

    it('rejects values that do not coerce, naming the setting and the variable', () => {
      for (const [variable, value, setting] of [
        ['BERTH_REGISTRY_MAX_BLOB_BYTES', 'lots', 'registry.maxBlobBytes'],
        ['BERTH_REGISTRY_MAX_BLOB_BYTES', '', 'registry.maxBlobBytes'],
        ['BERTH_REGISTRY_MAX_BLOB_BYTES', '1.5', 'registry.maxBlobBytes'],
        ['BERTH_REGISTRY_CREATE_REPOSITORY_ON_PUSH', 'yes', 'registry.createRepositoryOnPush'],
        ['BERTH_LOG_LEVEL', 'loud', 'log.level'],
        ['BERTH_LISTEN', '5000', 'listen'],
      ] as const) {
        const problems = problemsOf(() => loadConfig({ env: { [variable]: value } }));
        assert.equal(problems.length, 1, `${variable}=${value}`);
        assert.ok(problems[0]!.startsWith(`${setting}: `), `${problems[0]} names ${setting}`);
        assert.ok(problems[0]!.includes(variable), `${problems[0]} names ${variable}`);
      }
    });
  });

  describe('precedence', () => {
    it('is defaults < file < environment < flags', () => {
      const file = yaml(
        'listen: 0.0.0.0:1111\ndataDir: /from/file\nregistry:\n  maxBlobBytes: 1000\n  region: eu-west-1\n',
      );
      const env = { BERTH_LISTEN: '0.0.0.0:2222', BERTH_REGISTRY_MAX_BLOB_BYTES: '2000' };
      const overrides = { listen: '0.0.0.0:3333' };
      const config = loadConfig({ file, env, overrides });
      assert.equal(config.listen, '0.0.0.0:3333', 'a flag beats the environment and the file');
      assert.equal(config.registry.maxBlobBytes, 2000, 'the environment beats the file');
      assert.equal(config.dataDir, '/from/file', 'the file beats the defaults');
      assert.equal(config.registry.region, 'eu-west-1');
      assert.equal(
        config.registry.maxManifestBytes,
        DEFAULTS.registry.maxManifestBytes,
        'a setting nobody set keeps its default',
      );
      assert.equal(loadConfig({ file, env }).listen, '0.0.0.0:2222');
      assert.equal(loadConfig({ file, env: {} }).listen, '0.0.0.0:1111');
    });

    it('merges sections key by key instead of replacing them', () => {
      const file = yaml('registry:\n  region: ap-south-1\nlog:\n  level: warn\n');
      const config = loadConfig({
        file,
        env: { BERTH_REGISTRY_MAX_BLOB_BYTES: '42' },
        overrides: { log: { requests: false } },
      });
      assert.equal(config.registry.region, 'ap-south-1');
      assert.equal(config.registry.maxBlobBytes, 42);
      assert.deepEqual(config.log, { level: 'warn', requests: false, format: 'auto' });
    });

    it('lets the environment repair a bad value from the file', () => {
      const file = yaml('registry:\n  maxBlobBytes: many\n');
      assert.equal(loadConfig({ file, env: { BERTH_REGISTRY_MAX_BLOB_BYTES: '7' } }).registry.maxBlobBytes, 7);
    });
  });

  describe('errors', () => {
    it('name the full path of an unknown key', () => {
      assert.deepEqual(
        problemsOf(() => validate({ bogus: 1 }, 'test')),
        ['bogus: unknown setting'],
      );
      assert.deepEqual(
        problemsOf(() => validate({ registry: { maxBlobByte: 1 } }, 'test')),
        ['registry.maxBlobByte: unknown setting'],
      );
      assert.deepEqual(
        problemsOf(() => validate({ storage: { filesystem: { rot: '/x' } } }, 'test')),
        ['storage.filesystem.rot: unknown setting'],
      );
      const file = yaml('listen: localhost:5000\nregistry:\n  typo: true\n  other: 1\n');
      assert.deepEqual(problemsOf(() => loadConfig({ file, env: {} })).sort(), [
        'registry.other: unknown setting',
        'registry.typo: unknown setting',
      ]);
    });

    it('name the path of a value of the wrong type, every problem at once', () => {
      const file = yaml(
        'listen: localhost\nlog:\n  requests: "yes"\nregistry:\n  maxBlobBytes: big\n  uploadExpiryHours: -1\n  region: Mars\n',
      );
      const problems = problemsOf(() => loadConfig({ file, env: {} }));
      const paths = problems.map((p) => p.slice(0, p.indexOf(':'))).sort();
      assert.deepEqual(paths, [
        'listen',
        'log.requests',
        'registry.maxBlobBytes',
        'registry.region',
        'registry.uploadExpiryHours',
      ]);
      assert.ok(problems.find((p) => p.startsWith('registry.maxBlobBytes'))!.includes('number'));
      assert.ok(problems.find((p) => p.startsWith('listen'))!.includes('HOST:PORT'));
      assert.ok(problems.find((p) => p.startsWith('registry.region'))!.includes('us-east-1'));
    });

    it('reject a section that is not a mapping', () => {
      const problems = problemsOf(() => validate({ registry: 'fast' }, 'test'));
      assert.equal(problems.length, 1);
      assert.ok(problems[0]!.startsWith('registry: '));
    });

    it('reject a port out of range', () => {
      assert.equal(validate({ listen: '[::1]:65535' }, 'test').listen, '[::1]:65535');
      assert.ok(problemsOf(() => validate({ listen: 'localhost:65536' }, 'test'))[0]!.startsWith('listen: '));
      assert.ok(problemsOf(() => validate({ listen: 'localhost:99999' }, 'test'))[0]!.startsWith('listen: '));
    });

    it('take a default platform as os/architecture[/variant]', () => {
      assert.equal(
        validate({ registry: { defaultPlatform: 'linux/arm/v7' } }, 'test').registry.defaultPlatform,
        'linux/arm/v7',
      );
      for (const bad of ['linux', 'amd64/', 'linux/amd64/v8/extra', 'Linux/AMD64']) {
        assert.match(
          problemsOf(() => validate({ registry: { defaultPlatform: bad } }, 'test'))[0]!,
          /^registry\.defaultPlatform: must be os\/architecture/,
        );
      }
    });

    it('require a bucket for S3 storage, and a secret with an access key', () => {
      const bucket = problemsOf(() => loadConfig({ env: { BERTH_STORAGE_DRIVER: 's3' } }));
      assert.deepEqual(bucket, ['storage.s3.bucket: is required when storage.driver is s3']);
      const secret = problemsOf(() => loadConfig({ env: { BERTH_STORAGE_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' } }));
      assert.deepEqual(secret, ['storage.s3.secretAccessKey: is required with storage.s3.accessKeyId']);
      assert.ok(
        problemsOf(() => loadConfig({ env: { BERTH_STORAGE_S3_PART_SIZE: '1048576' } }))[0]!.startsWith(
          'storage.s3.partSize: ',
        ),
      );
      assert.ok(
        problemsOf(() => loadConfig({ env: { BERTH_STORAGE_S3_SERVER_SIDE_ENCRYPTION: 'rot13' } }))[0]!.startsWith(
          'storage.s3.serverSideEncryption: ',
        ),
      );
      const config = loadConfig({
        env: {
          BERTH_STORAGE_DRIVER: 's3',
          BERTH_STORAGE_S3_BUCKET: 'blobs',
          BERTH_STORAGE_S3_FORCE_PATH_STYLE: 'true',
          BERTH_STORAGE_S3_ENDPOINT: 'http://127.0.0.1:9000',
          BERTH_STORAGE_S3_SERVER_SIDE_ENCRYPTION: 'aws:kms',
          BERTH_STORAGE_S3_REDIRECT: '0',
        },
      });
      assert.deepEqual(
        pick(config.storage.s3, {
          bucket: 0,
          forcePathStyle: 0,
          endpoint: 0,
          serverSideEncryption: 0,
          redirect: 0,
          partSize: 0,
          prefix: 0,
        }),
        {
          bucket: 'blobs',
          forcePathStyle: true,
          endpoint: 'http://127.0.0.1:9000',
          serverSideEncryption: 'aws:kms',
          redirect: false,
          partSize: 16 * 1024 * 1024,
          prefix: '',
        },
      );
    });

    it('take pre-signed redirects only on S3 with server-side encryption, which then protects the layer bytes', () => {
      const env = { BERTH_STORAGE_DRIVER: 's3', BERTH_STORAGE_S3_BUCKET: 'blobs', BERTH_STORAGE_S3_REDIRECT: 'true' };
      const needsSse =
        'storage.s3.redirect: needs storage.s3.serverSideEncryption (AES256 or aws:kms): redirected layer bytes are encrypted at rest by the object store, not by Berth';
      assert.deepEqual(
        problemsOf(() => loadConfig({ env })),
        [`${needsSse} (from BERTH_STORAGE_S3_REDIRECT)`],
      );
      const file = yaml('storage:\n  s3:\n    redirect: true\n');
      assert.deepEqual(
        problemsOf(() => loadConfig({ file, env: {} })),
        ['storage.s3.redirect: needs storage.driver s3: only an object store can pre-sign URLs'],
      );
      for (const sse of ['AES256', 'aws:kms']) {
        const config = loadConfig({ env: { ...env, BERTH_STORAGE_S3_SERVER_SIDE_ENCRYPTION: sse } });
        assert.equal(config.storage.s3.redirect, true);
        assert.equal(config.storage.s3.redirectExpirySeconds, 1200, "short-lived by default, as ECR's layer URLs");
      }
      const expiry = problemsOf(() =>
        loadConfig({
          env: {
            ...env,
            BERTH_STORAGE_S3_SERVER_SIDE_ENCRYPTION: 'AES256',
            BERTH_STORAGE_S3_REDIRECT_EXPIRY_SECONDS: '604801',
          },
        }),
      );
      assert.ok(expiry[0]!.startsWith('storage.s3.redirectExpirySeconds: '), expiry.join());
    });

    it('say where the configuration came from', () => {
      const file = yaml('registry:\n  maxBlobBytes: big\n');
      assert.throws(
        () => loadConfig({ file, env: {} }),
        (err: ConfigError) => err.message.startsWith(`invalid configuration (${file})`),
      );
    });
  });
});
