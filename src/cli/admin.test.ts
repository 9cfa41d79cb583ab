// `berth admin` as an operator runs it, offline against the data dir (or the PostgreSQL database)
// of this test pass; and a key it makes works on a server of that deployment, until deactivated.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runScript } from '../testing/cli.js';
import { dropPostgresDatabaseFor, testBackend, testMetadataUrl } from '../testing/postgres.js';
import { CLI, startBerth, tempDir } from '../testing/server.js';

describe('berth admin', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  /** `berth admin --data-dir <this pass's data dir> …` */
  const admin = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    runScript(CLI, ['admin', '--data-dir', dataDir, ...args], { ...env, ...extraEnv });

  async function ok(args: string[]): Promise<string> {
    const result = await admin(args);
    assert.equal(result.code, 0, `berth admin ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  async function fails(args: string[], message: RegExp): Promise<void> {
    const result = await admin(args);
    assert.equal(result.code, 1, `berth admin ${args.join(' ')} should fail`);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'a message, not a stack trace');
  }

  before(async () => {
    dataDir = tempDir('berth-admin-');
    const metadataUrl = await testMetadataUrl(dataDir);
    env = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
  });

  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
  });

  it('refuses a place with no deployment, and init makes one (master key, default account, administrator key)', async () => {
    const refused = await admin(['accounts', 'list']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^berth: no Berth database at .*: give the deployment's --config or --data-dir .*berth admin init/,
    );
    assert.doesNotMatch(refused.stderr, /generated a new master key/, 'nothing was made');
    const init = await admin(['init']);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stderr, /generated a new master key in .*master\.key: back it up/);
    assert.match(init.stdout, /^AWS_ACCESS_KEY_ID=AKIA[A-Z2-7]{16}\nAWS_SECRET_ACCESS_KEY=\S+\n$/);
  });

  it('accounts: lists the default account, creates one with a given id or a new one, refuses a duplicate', async () => {
    const first = await admin(['accounts', 'list']);
    assert.equal(first.code, 0, first.stderr);
    const [header, row, ...rest] = first.stdout.trim().split('\n');
    assert.match(header!, /^ACCOUNT\s+CREATED\s+DEFAULT$/);
    assert.match(row!, /^\d{12}\s+\S+Z\s+yes$/);
    assert.deepEqual(rest, []);
    assert.equal(await ok(['accounts', 'create', '--id', '222222222222']), '222222222222\n');
    assert.match(await ok(['accounts', 'create']), /^\d{12}\n$/);
    await fails(['accounts', 'create', '--id', '222222222222'], /^berth: account 222222222222 already exists\n$/);
    await fails(['accounts', 'create', '--id', '42'], /12 digits/);
    const listed = JSON.parse(await ok(['accounts', 'ls', '--json'])) as { AccountId: string; Default: boolean }[];
    assert.equal(listed.length, 3);
    assert.equal(listed.filter((a) => a.Default).length, 1);
    assert.ok(listed.some((a) => a.AccountId === '222222222222' && !a.Default));
  });

  it('users: creates, lists the root first, deletes; refuses a duplicate, a bad name, the root, an unknown account', async () => {
    assert.equal(
      await ok(['users', 'create', '--account', '222222222222', 'ci']),
      'arn:aws:iam::222222222222:user/ci\n',
    );
    await ok(['users', 'create', '--account', '222222222222', 'leaver']);
    await fails(['users', 'create', '--account', '222222222222', 'ci'], /already has a user ci/);
    await fails(['users', 'create', '--account', '222222222222', 'bad name'], /user name/);
    await fails(['users', 'create', '--account', '999999999999', 'ci'], /no account 999999999999/);
    await ok(['users', 'delete', '--account', '222222222222', 'leaver']);
    await fails(['users', 'rm', '--account', '222222222222', 'root'], /root identity cannot be deleted/);
    const rows = (await ok(['users', 'list', '--account', '222222222222']))
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    assert.deepEqual(
      rows.map((r) => r.slice(0, 3)),
      [
        ['NAME', 'KIND', 'ARN'],
        ['root', 'root', 'arn:aws:iam::222222222222:root'],
        ['ci', 'user', 'arn:aws:iam::222222222222:user/ci'],
      ],
    );
  });

  it('keys: shows a secret once, lists keys without secrets, deactivates, activates and deletes them', async () => {
    const created = await admin(['keys', 'create', '--account', '222222222222', '--user', 'ci']);
    assert.equal(created.code, 0, created.stderr);
    const match = /^AWS_ACCESS_KEY_ID=(AKIA[A-Z2-7]{16})\nAWS_SECRET_ACCESS_KEY=(\S{40})\n$/.exec(created.stdout);
    assert.ok(match, created.stdout);
    assert.match(created.stderr, /arn:aws:iam::222222222222:user\/ci.*shown only now/);
    const [, userKey, userSecret] = match;
    const root = JSON.parse(await ok(['keys', 'create', '--account', '222222222222', '--json'])) as {
      AccessKey: { AccessKeyId: string; SecretAccessKey: string; UserName: string };
    };
    assert.equal(root.AccessKey.UserName, 'root');

    const listed = await ok(['keys', 'ls', '--account', '222222222222']);
    assert.ok(
      !listed.includes(userSecret!) && !listed.includes(root.AccessKey.SecretAccessKey),
      'no secret in a listing',
    );
    const rows = listed
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/).slice(0, 3))
      .sort();
    assert.deepEqual(
      rows,
      [
        [userKey, 'ci', 'Active'],
        [root.AccessKey.AccessKeyId, 'root', 'Active'],
      ].sort(),
    );
    const rootOnly = JSON.parse(await ok(['keys', 'ls', '--account', '222222222222', '--user', 'root', '--json'])) as {
      AccessKeyId: string;
    }[];
    assert.deepEqual(
      rootOnly.map((k) => k.AccessKeyId),
      [root.AccessKey.AccessKeyId],
    );

    await ok(['keys', 'deactivate', userKey!]);
    const status = async () =>
      (
        JSON.parse(await ok(['keys', 'ls', '--account', '222222222222', '--user', 'ci', '--json'])) as {
          Status: string;
        }[]
      )[0]?.Status;
    assert.equal(await status(), 'Inactive');
    await ok(['keys', 'activate', userKey!]);
    assert.equal(await status(), 'Active');
    await ok(['keys', 'delete', userKey!]);
    assert.equal(await status(), undefined);
    await fails(['keys', 'rm', userKey!], new RegExp(`no access key ${userKey}`));
    await fails(['keys', 'create', '--account', '222222222222', '--user', 'nobody'], /no user nobody/);
  });

  it("policies: a user's inline policies (inline JSON or file://) and attached managed ones; malformed documents and unknown ARNs refused", async () => {
    const base = ['--account', '222222222222', '--user', 'ci'];
    const pull = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' }],
    });
    await ok(['policies', 'put-user-policy', ...base, '--name', 'pull', '--document', pull]);
    const file = join(dataDir, 'push.json');
    writeFileSync(
      file,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Action: 'ecr:PutImage', Resource: 'arn:aws:ecr:*:222222222222:repository/ci/*' },
      }),
    );
    await ok(['policies', 'put-user-policy', ...base, '--name', 'push', '--document', `file://${file}`]);
    assert.equal(await ok(['policies', 'get-user-policy', ...base, '--name', 'pull']), `${pull}\n`);
    await ok([
      'policies',
      'attach-user-policy',
      ...base,
      '--policy-arn',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    ]);
    const listed = JSON.parse(await ok(['policies', 'list', ...base, '--json'])) as {
      PolicyName: string;
      Kind: string;
    }[];
    assert.deepEqual(
      listed.map((p) => `${p.Kind}:${p.PolicyName}`),
      ['inline:pull', 'inline:push', 'attached:AmazonEC2ContainerRegistryReadOnly'],
    );
    await fails(
      [
        'policies',
        'put-user-policy',
        ...base,
        '--name',
        'bad',
        '--document',
        '{"Statement":[{"Effect":"Allow","Action":"ecr:*"}]}',
      ],
      /Statement\[0\]\.Resource/,
    );
    await fails(
      ['policies', 'attach-user-policy', ...base, '--policy-arn', 'arn:aws:iam::aws:policy/NoSuchPolicy'],
      /does not exist/,
    );
    await fails(
      ['policies', 'put-user-policy', '--account', '222222222222', '--user', 'root', '--name', 'x', '--document', pull],
      /root identity takes no policies/,
    );
    await ok(['policies', 'delete', ...base, '--name', 'push']);
    await ok([
      'policies',
      'detach-user-policy',
      ...base,
      '--policy-arn',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    ]);
    assert.match(await ok(['policies', 'ls', ...base]), /^NAME\s+KIND\s+ARN\npull\s+inline\s*\n$/);
    assert.match(
      await ok(['policies', 'ls']),
      /AmazonEC2ContainerRegistryPullOnly\s+aws-managed\s+arn:aws:iam::aws:policy\/AmazonEC2ContainerRegistryPullOnly/,
    );
  });

  it("console-password: sets the root's console password from standard input, under the password policy", async () => {
    const run = (input: string) => runScript(CLI, ['admin', '--data-dir', dataDir, 'console-password'], env, input);
    const empty = await run('');
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /give the password on standard input/);
    const weak = await run('short\n');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /Password does not conform to the default policy/);
    const set = await run('A-long-root-password-1!\n');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, /set the console password of account \d{12}'s root/);
    const again = await run('Another-root-password-2!\n');
    assert.equal(again.code, 0, again.stderr);
  });

  it('reads the settings serve reads: --config FILE and BERTH_DATA_DIR', async () => {
    const file = join(dataDir, 'berth.yaml');
    writeFileSync(file, `dataDir: ${dataDir}\n`);
    const viaFile = await runScript(CLI, ['admin', 'accounts', 'ls', '--config', file], env);
    assert.equal(viaFile.code, 0, viaFile.stderr);
    assert.match(viaFile.stdout, /222222222222/);
    const viaEnv = await runScript(CLI, ['admin', 'users', 'ls', '--account', '222222222222'], {
      ...env,
      BERTH_DATA_DIR: dataDir,
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, /user\/ci/);
  });

  it('a key it makes works on a running server of the deployment, and stops within the 5 s key cache once deactivated', async () => {
    const created = /AWS_ACCESS_KEY_ID=(\S+)\nAWS_SECRET_ACCESS_KEY=(\S+)/.exec(
      await ok(['keys', 'create', '--account', '222222222222']),
    )!;
    const keyEnv = { AWS_ACCESS_KEY_ID: created[1], AWS_SECRET_ACCESS_KEY: created[2] };
    const server = await startBerth({ dataDir, settings: { auth: { mode: 'iam' } } });
    try {
      const login = () => runScript(CLI, ['login', '--endpoint-url', server.url], keyEnv);
      const first = await login();
      assert.equal(first.code, 0, first.stderr);
      const password = first.stdout.trim();
      const basic = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
      assert.equal((await fetch(`${server.url}/v2/`, { headers: { authorization: basic } })).status, 200);

      await ok(['keys', 'deactivate', created[1]!]);
      const deactivatedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - deactivatedAt < 7_000) {
        await new Promise((r) => setTimeout(r, 250));
        status = (await fetch(`${server.url}/v2/`, { headers: { authorization: basic } })).status;
      }
      assert.equal(status, 401, 'the password stopped working');
      assert.ok(
        Date.now() - deactivatedAt <= 6_000,
        `within the key cache's 5 s (took ${Date.now() - deactivatedAt} ms)`,
      );
      const refused = await login();
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /UnrecognizedClientException/);
    } finally {
      await server.close();
    }
  });
});
