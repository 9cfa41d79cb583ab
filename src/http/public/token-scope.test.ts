// A public registry bearer token grants at most the scope it was issued for, and policies decide
// within it: a pull token does not push, a token for one repository does nothing on another, a
// token with no scope does nothing on any repository; a refusal names the scope to ask for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MediaTypes } from '../../domain/media-types.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../../testing/public-registry.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

describe('public registry token scopes', () => {
  let server: TestBerth;
  let publicUrl: string;
  let alias: string;
  let password: string;

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' } } });
    publicUrl = server.berth.publicUrl();
    await publicApi(server.berth.app, 'CreateRepository', { repositoryName: 'scoped/app' });
    await publicApi(server.berth.app, 'CreateRepository', { repositoryName: 'scoped/other' });
    alias = (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0].aliases[0].name;
    password = await publicPassword(server.berth.app);
    await pushPublicImage(
      publicUrl,
      await bearerToken(publicUrl, `repository:${alias}/scoped/app:pull,push`, password),
      `${alias}/scoped/app`,
      '1',
    );
  });
  after(() => server.close());

  const startUpload = (token: string, repository = 'scoped/app') =>
    fetch(`${publicUrl}/v2/${alias}/${repository}/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  const getManifest = (token: string, repository = 'scoped/app') =>
    fetch(`${publicUrl}/v2/${alias}/${repository}/manifests/1`, {
      headers: { authorization: `Bearer ${token}`, accept: MediaTypes.ociManifest },
    });

  async function assertRefused(res: Response, scope: string): Promise<void> {
    assert.equal(res.status, 401, await res.clone().text());
    assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
    assert.match(res.headers.get('www-authenticate')!, new RegExp(`scope="${scope}"`));
  }

  it('a token for pull (of a caller who may push) cannot start an upload or put a manifest', async () => {
    const pull = await bearerToken(publicUrl, `repository:${alias}/scoped/app:pull`, password);
    await assertRefused(await startUpload(pull), `repository:${alias}/scoped/app:pull,push`);
    const put = await fetch(`${publicUrl}/v2/${alias}/scoped/app/manifests/2`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${pull}`, 'content-type': MediaTypes.ociManifest },
      body: '{}',
    });
    await assertRefused(put, `repository:${alias}/scoped/app:pull,push`);
    assert.equal((await getManifest(pull)).status, 200, 'it pulls');
  });

  it('a token for another repository does nothing on this one', async () => {
    const other = await bearerToken(publicUrl, `repository:${alias}/scoped/other:pull,push`, password);
    await assertRefused(await startUpload(other), `repository:${alias}/scoped/app:pull,push`);
    await assertRefused(await getManifest(other), `repository:${alias}/scoped/app:pull`);
    assert.equal((await startUpload(other, 'scoped/other')).status, 202, 'it pushes where it was issued for');
  });

  it('a token with no scope does nothing on a repository, but answers /v2/', async () => {
    const none = await bearerToken(publicUrl, '', password);
    await assertRefused(await startUpload(none), `repository:${alias}/scoped/app:pull,push`);
    await assertRefused(await getManifest(none), `repository:${alias}/scoped/app:pull`);
    const base = await fetch(`${publicUrl}/v2/`, { headers: { authorization: `Bearer ${none}` } });
    assert.equal(base.status, 200);
  });

  it('a token for pull and push of a caller who may push starts uploads', async () => {
    const push = await bearerToken(publicUrl, `repository:${alias}/scoped/app:pull,push`, password);
    const res = await startUpload(push);
    assert.equal(res.status, 202, await res.text());
  });
});
