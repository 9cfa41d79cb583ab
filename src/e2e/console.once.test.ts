// The console in headless Chromium (Playwright), every flow as a user meets it: the sign-in page
// and a failed sign-in, creating a repository, pushing to it with skopeo by the push commands the
// console shows (run as shown, the AWS CLI included), the image in the list and its detail, a bad
// repository policy refused by the engine and a template saved, a read-only user who is not
// offered deletion, deleting an image after a confirmation, a cross-site POST refused, signing out.
// axe-core checks every page (no serious or critical violations); each page is saved in
// test-artifacts/console-*.png.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { setRootConsolePassword } from '../app/console-password.js';
import { IamUserService } from '../iam/iam-users.js';
import { LoginProfileService } from '../iam/login-profiles.js';
import { OciLayout } from '../testing/oci-layout.js';
import { startBerth, tempDir, type TestBerth, ADMIN_ENV } from '../testing/server.js';
import { AWS_CLI, requireTool } from '../testing/tools.js';
import { skopeoAuthFile } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(process.cwd(), 'test-artifacts');
const ROOT_PASSWORD = 'Console-root-1!';
const READER_PASSWORD = 'Console-reader-1!';

/** Runs a shell line as a user would paste it, with the administrator's AWS credentials. */
function sh(line: string): Promise<string> {
  return new Promise((resolvePromise, reject) =>
    execFile(
      'sh',
      ['-c', line],
      {
        timeout: 120_000,
        env: {
          ...process.env,
          PATH: `${AWS_CLI.replace(/\/aws$/, '')}:${process.env.PATH}`,
          ...ADMIN_ENV,
          REGISTRY_AUTH_FILE: skopeoAuthFile(),
        },
      },
      (err, stdout, stderr) => (err ? reject(new Error(`${line}: ${stderr || err.message}`)) : resolvePromise(stdout)),
    ),
  );
}

describe('the console in a browser', () => {
  let server: TestBerth;
  let browser: Browser | undefined;
  let base: string;
  let layout: OciLayout;
  const scratch: string[] = [];
  const checked: string[] = [];

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' } } });
    base = server.url;
    const A = server.berth.accountId;
    await setRootConsolePassword(server.berth as never, A, ROOT_PASSWORD);
    await server.berth.identities.createUser(A, 'reader');
    await server.berth.userPolicies.putUserPolicy(
      A,
      'reader',
      'read',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['ecr:Describe*', 'ecr:List*', 'ecr:BatchGetImage'], Resource: '*' }],
      }),
    );
    const allow = async () => {};
    await new LoginProfileService(
      server.berth.store,
      new IamUserService(server.berth.store, server.berth.identities, allow),
      allow,
    ).create({ kind: 'root', accountId: A, arn: '', userId: '', accessKeyId: '' }, 'reader', READER_PASSWORD, false);
    await server.berth.publicServices.repositories.create(
      {
        principal: { kind: 'root', accountId: A, arn: `arn:aws:iam::${A}:root`, userId: A, accessKeyId: '' },
        registry: { accountId: A, visibility: 'public' },
      },
      { name: 'web/site' },
    );
    const dir = tempDir('berth-console-layout-');
    scratch.push(dir);
    layout = new OciLayout(dir);
    layout.tag(layout.addImage([2048, 8192]), 'img');
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  /** axe-core on the page (no serious or critical violations), then its screenshot. */
  async function look(page: Page, name: string): Promise<void> {
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(
      bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
      [],
      `${name}: accessibility`,
    );
    await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });
    checked.push(name);
  }

  async function signIn(page: Page, user: string, password: string): Promise<void> {
    await page.goto(`${base}/console/`);
    await page.getByLabel('Account ID or alias').fill(server.berth.accountId);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('signs in, creates a repository, pushes by the shown commands, edits the policy, deletes the image and signs out', async (t: TestContext) => {
    if (
      !requireTool(t, CHROMIUM, 'apt-get install -y chromium') ||
      !requireTool(t, 'skopeo', 'apt-get install -y skopeo') ||
      !requireTool(t, AWS_CLI, 'the AWS CLI v2')
    )
      return;
    browser ??= await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (err) => failures.push(err.message));

    // Sign-in: the page, then a wrong password, refused without saying which part was wrong.
    await page.goto(`${base}/console/`);
    assert.match(page.url(), /\/console\/signin$/);
    await look(page, 'signin');
    await signIn(page, '', 'Wrong-password-1!');
    await assert.doesNotReject(
      page.getByRole('alert').getByText('Your authentication information is incorrect').waitFor(),
    );
    await look(page, 'signin-failed');
    await signIn(page, '', ROOT_PASSWORD);
    await page.waitForURL(/\/console\/repositories$/);
    await look(page, 'repositories-empty');

    // Create a repository.
    await page.getByRole('link', { name: 'Create repository' }).click();
    await page.getByLabel('Repository name').fill('web/app');
    await page.getByLabel('Scan on push').check();
    await look(page, 'create-repository');
    await page.getByRole('button', { name: 'Create repository' }).click();
    await page.waitForURL(/\/console\/repositories\/web\/app$/);
    await look(page, 'repository-empty');

    // Push with skopeo by the commands the console shows.
    await page.getByRole('link', { name: 'View push commands' }).click();
    await look(page, 'push-commands');
    const [login, copy] = ((await page.locator('#push-skopeo').textContent()) ?? '').split('\n');
    assert.match(
      login!,
      /^aws ecr get-login-password --endpoint-url http:\/\/127\.0\.0\.1:\d+ --region us-east-1 \| skopeo login/,
    );
    await sh(login!);
    assert.match(copy!, /oci-archive:image\.tar docker:\/\/127\.0\.0\.1:\d+\/web\/app:latest$/);
    await sh(
      `${copy!.replace('oci-archive:image.tar', `oci:${layout.dir}:img`).replace('skopeo copy', 'skopeo --insecure-policy copy')}`,
    );

    // The image in the list, and its detail.
    await page.goto(`${base}/console/repositories`);
    await assert.doesNotReject(page.getByRole('link', { name: 'web/app', exact: true }).waitFor());
    await look(page, 'repositories');
    await page.getByRole('link', { name: 'web/app', exact: true }).click();
    // The image's row (scan on push may add its SBOM, an untagged referrer, beside it).
    const row = page.locator('tbody tr', { hasText: 'latest' });
    assert.equal(await row.count(), 1);
    assert.match((await row.textContent()) ?? '', /latest/);
    assert.match((await row.textContent()) ?? '', /Image/);
    assert.match((await row.textContent()) ?? '', /linux\/amd64/);
    await look(page, 'images');
    await row.locator('a').first().click();
    await page.waitForURL(/\/-\/image\/sha256:/);
    assert.match((await page.locator('pre.json').last().textContent()) ?? '', /"schemaVersion": 2/);
    assert.equal(await page.locator('h2:text("Layers") + div table tbody tr').count(), 2);
    // The config's platform and history, and the scan on push's state.
    assert.equal(await page.locator('#image-platform').textContent(), 'linux/amd64');
    assert.match((await page.locator('#scan-status').textContent()) ?? '', /Scan|Not scanned/);
    await look(page, 'image-detail');

    // Permissions: a policy the engine refuses, then a template saved.
    await page.goto(`${base}/console/repositories/web/app/-/permissions`);
    await page
      .getByLabel('Policy JSON')
      .fill('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*"}]}');
    // As you type, the engine's answer shows beside the editor (the console's one script).
    await assert.doesNotReject(
      page
        .locator('#policy-live.invalid')
        .getByText(/Principal/)
        .waitFor(),
    );
    await look(page, 'policy-validating');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await assert.doesNotReject(page.getByRole('alert').waitFor());
    assert.match((await page.getByRole('alert').textContent()) ?? '', /Principal/);
    await look(page, 'policy-refused');
    await page.getByLabel('Policy JSON').fill('');
    await page.getByRole('button', { name: 'Allow pull from another account' }).click();
    assert.match(await page.getByLabel('Policy JSON').inputValue(), /AllowCrossAccountPull/);
    await page.getByRole('button', { name: 'Save policy' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Policy saved.').waitFor());
    await look(page, 'policy');
    // The engine answers for the saved policy, naming the statement that decided.
    await page.getByLabel('Principal ARN').fill('arn:aws:iam::111122223333:root');
    await page.getByLabel('Action').selectOption('ecr:BatchGetImage');
    await page.getByRole('button', { name: 'Check' }).click();
    assert.match(
      (await page.locator('#access-answer').textContent()) ?? '',
      /^Allowed: .* by statement "AllowCrossAccountPull"/,
    );
    await page.getByLabel('Action').selectOption('ecr:BatchDeleteImage');
    await page.getByRole('button', { name: 'Check' }).click();
    assert.match((await page.locator('#access-answer').textContent()) ?? '', /^Not allowed: no statement/);
    // The reader's identity policy weighs too: it allows pulls, and the statement is named.
    await page.getByLabel('Principal ARN').fill(`arn:aws:iam::${server.berth.accountId}:user/reader`);
    await page.getByLabel('Action').selectOption('ecr:BatchGetImage');
    await page.getByRole('button', { name: 'Check' }).click();
    assert.match(
      (await page.locator('#access-answer').textContent()) ?? '',
      /^Allowed: .* by statement #1 of the identity policy "read"/,
    );
    await look(page, 'policy-check');

    // Lifecycle rules: a policy saved, and its preview's result.
    await page.goto(`${base}/console/repositories/web/app`);
    await page.getByRole('link', { name: 'Lifecycle', exact: true }).click();
    await page.waitForURL(/\/console\/lifecycle\?repository=web%2Fapp$/);
    await page.getByRole('button', { name: 'Save policy' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Lifecycle policy saved.').waitFor());
    await page.getByRole('button', { name: 'Preview' }).click();
    await assert.doesNotReject(page.locator('#preview-status').getByText('Preview COMPLETE').waitFor());
    await look(page, 'lifecycle');

    // Pull-through cache: a rule created, listed.
    await page.getByRole('link', { name: 'Pull-through cache' }).click();
    await page.getByLabel('Repository prefix', { exact: true }).fill('quay');
    await page.getByLabel('Upstream registry', { exact: true }).selectOption('quay');
    await page.getByLabel('Upstream registry URL').fill('quay.io');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Rule quay created.').waitFor());
    assert.equal(await page.locator('#rules tbody tr').count(), 1);
    await look(page, 'pull-through');

    // Replication: a rule to another account's registry.
    await page.getByRole('link', { name: 'Replication' }).click();
    await page.getByLabel('Destination registry (account id)').fill('111122223333');
    await page.getByLabel('Repository prefixes, one a line (none: every repository)').fill('web/');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Replication rule added.').waitFor());
    await look(page, 'replication');

    // Scanning: the registry's filters.
    await page.getByRole('link', { name: 'Scanning' }).click();
    await page.getByLabel(/^Scan on push/).fill('web/*');
    await page.getByRole('button', { name: 'Save scanning configuration' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Scanning configuration saved.').waitFor());
    await look(page, 'scanning');

    // Users and keys: a user created, an access key whose secret shows once, deactivated; a console password.
    await page.getByRole('link', { name: 'Users and keys' }).click();
    await page.getByLabel('User name').fill('dev');
    await page.getByRole('button', { name: 'Create user' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('User dev created.').waitFor());
    await page.getByRole('button', { name: 'Create access key for dev' }).click();
    const secret = (await page.locator('#new-secret').textContent()) ?? '';
    assert.match(secret, /^[A-Za-z0-9/+]{40}$/);
    await page.getByRole('button', { name: /^Deactivate AKIA/ }).click();
    await assert.doesNotReject(
      page
        .getByRole('status')
        .getByText(/is Inactive\.$/)
        .waitFor(),
    );
    assert.equal(await page.locator('#new-secret').count(), 0, 'the secret is shown once');
    await page.getByLabel('New console password for dev').fill('Dev-console-1!');
    await page.getByRole('button', { name: 'Set password of dev' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Console password set for dev.').waitFor());
    await look(page, 'users');
    await page.getByRole('link', { name: 'Account settings' }).click();
    await page.getByLabel('Alias', { exact: true }).fill('webteam');
    await page.getByRole('button', { name: 'Request alias' }).click();
    await assert.doesNotReject(
      page
        .getByRole('status')
        .getByText(/^Alias webteam requested/)
        .waitFor(),
    );
    await look(page, 'account');

    // A public repository's catalog data: Markdown previewed, a logo uploaded, saved.
    await page.goto(`${base}/console/repositories?tab=public`);
    await page.getByRole('link', { name: 'web/site', exact: true }).click();
    await page.getByLabel('Description').fill('The web site');
    await page.getByLabel('About (Markdown)').fill('## About\n\nServes **the site**.');
    await page.getByLabel('Usage (Markdown)').fill('`docker pull web/site`');
    await page.getByLabel('ARM 64').check();
    await page.getByLabel('Linux').check();
    await page.getByRole('button', { name: 'Preview Markdown' }).click();
    assert.equal(await page.locator('#markdown-preview strong').textContent(), 'the site');
    await page.getByLabel(/^Upload a logo/).setInputFiles({
      name: 'logo.png',
      mimeType: 'image/png',
      buffer: Buffer.from(
        '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a30000000049454e44ae426082',
        'hex',
      ),
    });
    await page.getByRole('button', { name: 'Save catalog data' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Catalog data saved.').waitFor());
    await assert.doesNotReject(page.getByText(/A image\/png logo of \d+ bytes is set/).waitFor());
    await look(page, 'catalog');

    // The other pages of the navigation.
    for (const [path, name] of [
      ['usage', 'usage'],
      ['repositories/web/app/-/settings', 'repository-settings'],
      ['registry', 'registry-policy'],
      ['repositories?tab=public', 'repositories-public'],
    ] as const) {
      await page.goto(`${base}/console/${path}`);
      await look(page, name);
    }

    // A read-only user sees the image, and no way to delete it.
    const readerContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const readerPage = await readerContext.newPage();
    await signIn(readerPage, 'reader', READER_PASSWORD);
    await readerPage.waitForURL(/\/console\/repositories$/);
    await readerPage.goto(`${base}/console/repositories/web/app`);
    assert.equal(await readerPage.locator('tbody tr', { hasText: 'latest' }).count(), 1);
    assert.equal(await readerPage.getByRole('button', { name: 'Delete selected' }).count(), 0);
    assert.equal(await readerPage.locator('input[type=checkbox]').count(), 0);
    await assert.doesNotReject(readerPage.locator('#no-delete').waitFor());
    await look(readerPage, 'read-only');
    // Nor users to manage: no buttons.
    await readerPage.goto(`${base}/console/users`);
    assert.equal(await readerPage.getByRole('button', { name: 'Create user' }).count(), 0);
    assert.equal(await readerPage.getByRole('button', { name: /^Delete / }).count(), 0);
    await readerContext.close();

    // A POST from elsewhere with the session's cookie but without its CSRF token is refused.
    const forged = await context.request.post(`${base}/console/create-repository`, {
      form: { name: 'forged' },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(forged.status(), 403);
    assert.equal(await server.berth.store.repositories.get(server.berth.accountId, 'forged'), undefined);

    // Delete the image, after the confirmation.
    await page.goto(`${base}/console/repositories/web/app`);
    await page.locator('tbody tr', { hasText: 'latest' }).locator('input[type=checkbox]').check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await assert.doesNotReject(page.getByRole('heading', { name: 'Delete images' }).waitFor());
    await look(page, 'delete-confirm');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Deleted 1 image(s).').waitFor());
    assert.equal(await page.locator('tbody tr', { hasText: 'latest' }).count(), 0);
    await look(page, 'deleted');

    // Sign out: the session is gone.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/signin$/);
    await page.goto(`${base}/console/repositories`);
    assert.match(page.url(), /\/console\/signin$/);
    assert.deepEqual(failures, []);
    await context.close();
    assert.ok(checked.length >= 27, `pages checked: ${checked.join(', ')}`);
  });
});
