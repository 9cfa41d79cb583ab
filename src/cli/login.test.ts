// `berth login` and docker-credential-berth against a server that requires credentials: the
// password they print logs in to /v2, and every way of failing says why.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CREDENTIAL_HELPER, runScript } from '../testing/cli.js';
import { ADMIN_ENV, CLI, startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';

let server: TestBerth;
let host: string;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  host = new URL(server.url).host;
});
after(() => server.close());

/** The status GET /v2/ answers to Basic AWS:<password>. */
async function v2Status(password: string, username = 'AWS'): Promise<number> {
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return (await fetch(`${server.url}/v2/`, { headers: { authorization } })).status;
}

describe('berth login', () => {
  const login = (args: string[], env: NodeJS.ProcessEnv = {}) => runScript(CLI, ['login', ...args], env);

  it('prints a password that logs in to the registry, with the key from the AWS environment', async () => {
    assert.equal(await v2Status('not-a-password'), 401);
    const { code, stdout, stderr } = await login(['--endpoint-url', server.url], ADMIN_ENV);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^\S+\n$/, 'the password alone, for --password-stdin');
    assert.equal(await v2Status(stdout.trim()), 200);
    assert.equal(stderr, '', 'no hint and no SDK warning when stdout is not a terminal');
  });

  it('takes the key from flags and the endpoint from BERTH_ENDPOINT_URL', async () => {
    const { code, stdout, stderr } = await login(
      ['--access-key-id', TEST_ADMIN.accessKeyId, '--secret-access-key', TEST_ADMIN.secretAccessKey],
      { BERTH_ENDPOINT_URL: server.url },
    );
    assert.equal(code, 0, stderr);
    assert.equal(await v2Status(stdout.trim()), 200);
  });

  it('fails with the exception the server names: a wrong secret, an unknown key, another region', async () => {
    const wrong = await login(['--endpoint-url', server.url], {
      ...ADMIN_ENV,
      AWS_SECRET_ACCESS_KEY: `${TEST_ADMIN.secretAccessKey.slice(0, -1)}X`,
    });
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stdout, '');
    assert.match(wrong.stderr, /^berth: InvalidSignatureException: /);
    const unknown = await login(['--endpoint-url', server.url], {
      ...ADMIN_ENV,
      AWS_ACCESS_KEY_ID: 'AKIAAAAAAAAAAAAAAAAA',
    });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^berth: UnrecognizedClientException: /);
    const region = await login(['--endpoint-url', server.url, '--region', 'eu-west-1'], ADMIN_ENV);
    assert.equal(region.code, 1);
    assert.match(region.stderr, /InvalidSignatureException: .*region/);
  });

  it('says what is missing: no credentials, half the flags, no server', async () => {
    const none = await login(['--endpoint-url', server.url]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^berth: no AWS credentials: set AWS_ACCESS_KEY_ID/);
    const half = await login(['--endpoint-url', server.url, '--access-key-id', TEST_ADMIN.accessKeyId]);
    assert.equal(half.code, 1);
    assert.match(half.stderr, /go together/);
    const unreachable = await login(['--endpoint-url', 'http://127.0.0.1:9'], ADMIN_ENV);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^berth: cannot reach http:\/\/127\.0\.0\.1:9/);
    for (const result of [none, half, unreachable]) assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});

describe('docker-credential-berth', () => {
  const helper = (action: string, input: string, env: NodeJS.ProcessEnv = ADMIN_ENV) =>
    runScript(CREDENTIAL_HELPER, [action], env, input);

  it('get: answers the server URL on stdin with a fresh password for user AWS', async () => {
    for (const serverUrl of [host, `http://${host}`, `http://${host}/`]) {
      const { code, stdout, stderr } = await helper('get', `${serverUrl}\n`);
      assert.equal(code, 0, stderr);
      const answer = JSON.parse(stdout) as { ServerURL: string; Username: string; Secret: string };
      assert.deepEqual(Object.keys(answer).sort(), ['Secret', 'ServerURL', 'Username']);
      assert.equal(answer.ServerURL, serverUrl);
      assert.equal(answer.Username, 'AWS');
      assert.equal(await v2Status(answer.Secret), 200, serverUrl);
    }
  });

  it('get: BERTH_ENDPOINT_URL names the API when the registry host is not it', async () => {
    const { code, stdout, stderr } = await helper('get', 'registry.example.test', {
      ...ADMIN_ENV,
      BERTH_ENDPOINT_URL: server.url,
    });
    assert.equal(code, 0, stderr);
    assert.equal(await v2Status((JSON.parse(stdout) as { Secret: string }).Secret), 200);
  });

  it('get: "not found" without credentials (clients then go on anonymously); the reason with bad ones', async () => {
    const none = await helper('get', host, {});
    assert.equal(none.code, 1);
    assert.equal(none.stdout, 'credentials not found in native keychain\n');
    const wrong = await helper('get', host, { ...ADMIN_ENV, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /^InvalidSignatureException: /, 'the protocol reads errors from stdout');
    const empty = await helper('get', '');
    assert.equal(empty.code, 1);
    assert.match(empty.stdout, /no server URL/);
  });

  it('store and erase accept and ignore; list names the configured server; anything else is a usage error', async () => {
    const stored = await helper('store', JSON.stringify({ ServerURL: host, Username: 'AWS', Secret: 'ignored' }));
    assert.deepEqual([stored.code, stored.stdout], [0, '']);
    const erased = await helper('erase', host);
    assert.deepEqual([erased.code, erased.stdout], [0, '']);
    assert.deepEqual(JSON.parse((await helper('list', '')).stdout), {});
    assert.deepEqual(JSON.parse((await helper('list', '', { BERTH_ENDPOINT_URL: server.url })).stdout), {
      [host]: 'AWS',
    });
    const unknown = await runScript(CREDENTIAL_HELPER, ['fetch']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /usage: docker-credential-berth get\|store\|erase\|list/);
  });
});
