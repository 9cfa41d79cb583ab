// A second account's user on a deployment where only the default account has a host: the
// README's admin walkthrough. GetAuthorizationToken hands out no proxyEndpoint the caller's account
// does not own, and a push to the plain host is refused with a message that says whose registry
// that host is and how the caller's account gets its own (accounts.domain, accounts.hosts). With
// accounts.hosts naming a host for the account, the same user pushes to its own registry there.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { runScript } from '../testing/cli.js';
import { CLI, startBerth, type TestBerth } from '../testing/server.js';

const B = '222222222222';
const HOST_B = 'registry-b.localhost';

async function userOfB(server: TestBerth, keys: { id?: string; secret?: string } = {}) {
  const { identities, userPolicies } = server.berth;
  await identities.createAccount(B);
  await identities.createUser(B, 'ci');
  await userPolicies.attachUserPolicy(B, 'ci', 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess');
  const key = await identities.createAccessKeyFor(B, 'ci');
  keys.id = key.accessKeyId;
  keys.secret = key.secretAccessKey;
  const client = new ECRClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
  });
  const { authorizationData } = await client.send(new GetAuthorizationTokenCommand({}));
  client.destroy();
  return authorizationData![0]!;
}

describe("a second account's registry host", () => {
  const servers: TestBerth[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('without a host of its own: no proxyEndpoint, and a push to the plain host says why it is refused', async () => {
    const server = await startBerth({ settings: { auth: { mode: 'iam' } } });
    servers.push(server);
    const keys: { id?: string; secret?: string } = {};
    const data = await userOfB(server, keys);
    assert.ok(data.authorizationToken, 'the password is still given (for registries that share with the account)');
    const login = await runScript(CLI, ['login', '--endpoint-url', server.url], {
      AWS_ACCESS_KEY_ID: keys.id,
      AWS_SECRET_ACCESS_KEY: keys.secret,
    });
    assert.equal(login.code, 0, login.stderr);
    assert.match(
      login.stderr,
      /your account has no registry host of its own on 127\.0\.0\.1:\d+ .*accounts\.domain or accounts\.hosts/,
      'berth login says so too',
    );
    assert.equal(data.proxyEndpoint, undefined, "the plain host is the default account's registry, not B's");
    const push = await fetch(`${server.url}/v2/app/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Basic ${data.authorizationToken}` },
    });
    assert.equal(push.status, 403);
    const { errors } = (await push.json()) as { errors: { code: string; message: string }[] };
    assert.equal(errors[0]!.code, 'DENIED');
    const host = new URL(server.url).host;
    assert.match(
      errors[0]!.message,
      new RegExp(
        `is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:us-east-1:${server.berth.accountId}:repository/app`,
      ),
    );
    assert.ok(
      errors[0]!.message.includes(
        `(${host} is the registry of account ${server.berth.accountId}, the deployment's default account; account ${B} has no registry host of its own: give it one with accounts.domain (${B}.<domain>) or accounts.hosts)`,
      ),
      errors[0]!.message,
    );
  });

  it('with accounts.hosts: the proxyEndpoint is its host, and the user pushes there', async () => {
    const server = await startBerth({ settings: { auth: { mode: 'iam' }, accounts: { hosts: { [HOST_B]: B } } } });
    servers.push(server);
    const data = await userOfB(server);
    const port = new URL(server.url).port;
    assert.equal(data.proxyEndpoint, `http://${HOST_B}:${port}`);
    // As a client following proxyEndpoint would ask: that Host, on this server's address.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolveStatus, reject) => {
      const req = request(
        `${server.url}/v2/app/blobs/uploads/`,
        { method: 'POST', headers: { host: `${HOST_B}:${port}`, authorization: `Basic ${data.authorizationToken}` } },
        (res) => {
          res.resume();
          resolveStatus(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 202, "B's user pushes to B's own registry");
  });
});
