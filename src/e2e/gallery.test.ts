// The gallery in headless Chromium (driven by playwright-core): search finds a repository by
// words of its description, its page shows the rendered about text (with nothing active in it),
// its tags and a pull command that the copy button copies and that skopeo pulls without
// credentials. The repository page is saved as test-artifacts/gallery-repository.png.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../testing/public-registry.js';
import { startBerth, tempDir, type TestBerth } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';
import { skopeo } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = resolve(process.cwd(), 'test-artifacts');
const PNG_LOGO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAKklEQVR42mNkYPhfz0AEYBxVSF+FjAwM/4lRyDiqkL4KGRkYGIhRyDiqEACUvgkRnB4y5QAAAABJRU5ErkJggg==',
  'base64',
);

const ABOUT = `# Tiny web server

A **small** static file server for containers.

- serves \`/srv\` on port 8080
- [Project site](https://example.com/tinyweb)

<script>window.__pwned = 'script'</script>
<img src=x onerror="window.__pwned = 'img'">
[click me](javascript:window.__pwned='link')
`;

describe('the gallery in a browser', () => {
  let server: TestBerth;
  let browser: Browser | undefined;
  let publicUrl: string;
  let alias: string;
  const scratch: string[] = [];

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' } } });
    publicUrl = server.berth.publicUrl();
    const app = server.berth.app;
    await publicApi(app, 'PutRegistryCatalogData', { displayName: 'Tiny Tools Inc.' });
    await publicApi(app, 'CreateRepository', {
      repositoryName: 'tinyweb/server',
      catalogData: {
        description: 'Minimal static file server for containers',
        architectures: ['x86-64', 'ARM 64'],
        operatingSystems: ['Linux'],
        aboutText: ABOUT,
        usageText: 'Run it:\n\n```sh\ndocker run -p 8080:8080 tinyweb/server\n```',
        logoImageBlob: PNG_LOGO.toString('base64'),
      },
    });
    await publicApi(app, 'CreateRepository', {
      repositoryName: 'tinyweb/proxy',
      catalogData: {
        description: 'A reverse proxy for static sites',
        architectures: ['x86-64'],
        operatingSystems: ['Linux'],
      },
    });
    await publicApi(app, 'CreateRepository', {
      repositoryName: 'databases/kv',
      catalogData: { description: 'Key-value store', operatingSystems: ['Windows'] },
    });
    alias = (await publicApi(app, 'DescribeRegistries')).registries[0].aliases[0].name;
    const token = await bearerToken(publicUrl, `repository:${alias}/tinyweb/server:push`, await publicPassword(app));
    await pushPublicImage(publicUrl, token, `${alias}/tinyweb/server`, '1.0');
    await pushPublicImage(publicUrl, token, `${alias}/tinyweb/server`, 'latest');
  });

  const launch = async () =>
    (browser ??= await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
    }));

  after(async () => {
    await browser?.close();
    await server.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('the search API ranks and pages, filters by architecture and operating system, and never lists private repositories', async () => {
    await server.berth.store.repositories.ensure(server.berth.accountId, 'tinyweb/private-server');
    const search = async (query: string) =>
      (await (await fetch(`${publicUrl}/api/search?${query}`)).json()) as {
        total: number;
        repositories: { repositoryName: string; alias: string; uri: string }[];
        nextToken?: string;
      };
    const server1 = await search('q=static+server');
    assert.deepEqual(
      server1.repositories.map((r) => r.repositoryName),
      ['tinyweb/server'],
    );
    assert.equal(server1.repositories[0]!.uri, `${new URL(publicUrl).host}/${alias}/tinyweb/server`);
    const tiny = await search('q=tinyweb');
    assert.deepEqual(tiny.repositories.map((r) => r.repositoryName).sort(), ['tinyweb/proxy', 'tinyweb/server']);
    const ranked = await search('q=static');
    assert.deepEqual(ranked.repositories.map((r) => r.repositoryName).sort(), ['tinyweb/proxy', 'tinyweb/server']);
    const first = await search('maxResults=2');
    assert.equal(first.total, 3);
    assert.equal(first.repositories.length, 2);
    const rest = await search(`maxResults=2&nextToken=${first.nextToken}`);
    assert.equal(rest.repositories.length, 1);
    assert.equal(rest.nextToken, undefined);
    assert.deepEqual(
      (await search('architecture=ARM+64')).repositories.map((r) => r.repositoryName),
      ['tinyweb/server'],
    );
    assert.deepEqual(
      (await search('os=windows')).repositories.map((r) => r.repositoryName),
      ['databases/kv'],
    );
    assert.equal((await search(`q=${alias}`)).total, 3, "an alias finds its publisher's repositories");
    assert.equal((await search('q=private')).total, 0);
    assert.equal((await fetch(`${publicUrl}/api/search?nextToken=bad!`)).status, 400);
  });

  it('finds a repository by words of its description, shows its page, tags and a pull command that works', async (t: TestContext) => {
    if (
      !requireTool(t, CHROMIUM, 'apt-get install -y chromium') ||
      !requireTool(t, 'skopeo', 'apt-get install -y skopeo')
    )
      return;
    const context = await (await launch()).newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: publicUrl });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (err) => failures.push(err.message));

    await page.goto(publicUrl);
    await page.fill('input[name=q]', 'static file server');
    await Promise.all([page.waitForURL(/\?q=static/), page.click('header button[type=submit]')]);
    const results = await page.locator('.card h3 a').allTextContents();
    assert.deepEqual(results, [`${alias}/tinyweb/server`]);
    await Promise.all([page.waitForURL(/\/repository\//), page.click(`text=${alias}/tinyweb/server`)]);

    assert.equal(await page.locator('h1').first().textContent(), 'tinyweb/server');
    assert.equal(await page.locator('#about h1').textContent(), 'Tiny web server');
    assert.equal(await page.locator('#about a[href="https://example.com/tinyweb"]').count(), 1);
    assert.equal(await page.locator('#about script, #about img').count(), 0, 'no element from raw HTML');
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0, 'no javascript: link');
    assert.match((await page.locator('#about').textContent())!, /<script>window.__pwned/, 'raw HTML is shown as text');
    assert.match((await page.locator('#usage pre').textContent())!, /docker run -p 8080:8080/);
    assert.deepEqual(
      await page.locator('#tags tbody tr td:first-child').allTextContents(),
      ['latest', '1.0'],
      'the newest push first',
    );
    assert.match((await page.locator('#tags tbody tr').first().textContent())!, /\d+ B/);
    assert.deepEqual(await page.locator('.chip').allTextContents(), ['x86-64', 'ARM 64', 'Linux']);

    const command = (await page.locator('#pull-command').textContent())!;
    assert.match(command, new RegExp(`^docker pull ${new URL(publicUrl).host}/${alias}/tinyweb/server:latest$`));
    await page.click('#copy-pull');
    await page.locator('#copy-pull', { hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), command);
    assert.equal(await page.evaluate('window.__pwned'), undefined, 'nothing from the about text ran');
    assert.deepEqual(failures, []);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'gallery-repository.png'), fullPage: true });

    // The command works: the same reference, pulled with no credentials.
    const out = tempDir('berth-gallery-pull-');
    scratch.push(out);
    const reference = command.slice('docker pull '.length);
    await skopeo(['copy', '--src-tls-verify=false', '--src-no-creds', `docker://${reference}`, `oci:${out}:img`], {
      env: { REGISTRY_AUTH_FILE: join(out, 'none.json') },
    });
    assert.ok(readdirSync(join(out, 'blobs', 'sha256')).length >= 3);

    await page.click(`text=Tiny Tools Inc.`);
    await page.waitForURL(/\/publisher\//);
    assert.equal(await page.locator('h1').textContent(), 'Tiny Tools Inc.');
    assert.deepEqual((await page.locator('.card h3 a').allTextContents()).sort(), [
      `${alias}/databases/kv`,
      `${alias}/tinyweb/proxy`,
      `${alias}/tinyweb/server`,
    ]);
    assert.equal((await page.goto(`${publicUrl}/repository/${alias}/tinyweb/private-server`))?.status(), 404);
  });

  it('fits a phone: at 390 px no page scrolls sideways and the search box and button are whole', async (t: TestContext) => {
    if (!requireTool(t, CHROMIUM, 'apt-get install -y chromium')) return;
    const context = await (await launch()).newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const [name, path] of [
      ['search', '/?q=tinyweb'],
      ['publisher', `/publisher/${alias}`],
      ['repository', `/repository/${alias}/tinyweb/server`],
    ] as const) {
      assert.equal((await page.goto(`${publicUrl}${path}`))?.status(), 200, path);
      assert.ok(
        ((await page.evaluate('document.documentElement.scrollWidth')) as number) <= 390,
        `${name}: the page is wider than the phone`,
      );
      const button = page.locator('header button[type=submit]');
      const box = (await button.boundingBox())!;
      assert.ok(
        box.x >= 0 && box.x + box.width <= 390 && box.y >= 0,
        `${name}: the search button is cut off (${JSON.stringify(box)})`,
      );
      assert.ok(
        await button.evaluate((b) => b.scrollWidth <= b.clientWidth),
        `${name}: the search button's text is cut off`,
      );
      const input = (await page.locator('header input[name=q]').boundingBox())!;
      assert.ok(
        input.x >= 0 && input.x + input.width <= 390 && input.width >= 150,
        `${name}: the search box (${JSON.stringify(input)})`,
      );
      await page.screenshot({ path: join(ARTIFACTS, `gallery-phone-${name}.png`), fullPage: true });
    }
    // A page naming something long, and a repository without tags (no pull command), fit too.
    assert.equal((await page.goto(`${publicUrl}/repository/${alias}/${'very-long-name'.repeat(12)}`))?.status(), 404);
    assert.ok(
      ((await page.evaluate('document.documentElement.scrollWidth')) as number) <= 390,
      'not found: the page is wider than the phone',
    );
    await page.goto(`${publicUrl}/repository/${alias}/tinyweb/proxy`);
    assert.equal(await page.locator('#no-pull').count(), 1);
    assert.ok(
      ((await page.evaluate('document.documentElement.scrollWidth')) as number) <= 390,
      'an untagged repository: the page is wider than the phone',
    );
    await context.close();
  });
});
