import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../support/topology.ts';
import {
  buildWeb,
  checkScreen,
  launchChromium,
  newContext,
  pngImage,
  screenshot,
  WEB_HOSTS,
} from '../support/web.ts';

/**
 * The web app as people use it, in Debian's Chromium, through the edge (workerd, static
 * assets) to the control plane and two real cells: one journey per region, and the app in
 * German, on a phone and right-to-left (the sales-ops page: sales-ops.test.ts). One build and
 * one topology for the file; screenshots of the key screens in test-results/web/; axe-core on
 * each screen.
 */
let world: World;
let browser: Browser;
let port: string;
const tenants: Record<'us' | 'eu', { slug: string; email: string; password: string }> = {
  us: { slug: 'web-us', email: 'admin@web-us.example', password: 'a long enough password' },
  eu: { slug: 'web-eu', email: 'admin@web-eu.example', password: 'a long enough password' },
};

beforeAll(async () => {
  const web = await buildWeb();
  world = await startWorld({
    name: 'web',
    redisDbs: [14, 15],
    hosts: WEB_HOSTS,
    assetsDir: web.app,
  });
  port = new URL(world.edge.url).port;
  await world.provision({ slug: tenants.us.slug, region: 'us' });
  await world.provision({ slug: tenants.eu.slug, region: 'eu', strictResidency: true });
  for (const t of Object.values(tenants)) await untilRouted(t.slug);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

/** The edge knows the tenant once its API answers on the tenant's hostname with something else than tenant_not_found. */
async function untilRouted(slug: string) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await world.edge.fetch(`http://${slug}.quire.localhost/v1/me`, { redirect: 'manual' });
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    if (body.error?.code !== 'tenant_not_found') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the edge never learned the route of ${slug}`);
}

/** Screenshot and accessibility pass of a screen: no serious or critical axe violation. */
const check = (page: Page, name: string) => checkScreen(page, name);

const hostOf = (region: 'us' | 'eu', slug: string) =>
  `http://${slug}.${region === 'eu' ? 'eu.' : ''}quire.localhost:${port}`;

async function signIn(page: Page, region: 'us' | 'eu', email: string, password: string) {
  await page.goto(`${hostOf(region, tenants[region].slug)}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
}

for (const region of ['us', 'eu'] as const) {
  describe(`the ${region.toUpperCase()} journey`, () => {
    it('sign in, folder, upload with progress, preview, version and rollback, share, search, trash and restore, audit', async () => {
      const t = tenants[region];
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      const cells = new Set<string>();
      page.on('response', (res) => {
        if (new URL(res.url()).pathname.startsWith('/v1/'))
          cells.add(res.headers()['x-quire-cell'] ?? 'none');
      });
      const shot = (name: string) => check(page, `${region}-${name}`);
      try {
        // Sign in on the one hostname: the organisation first, then its own (regional) hostname.
        await page.goto(`http://quire.localhost:${port}/`);
        await page.getByLabel('Organisation').fill(t.slug);
        await shot('01-sign-in-organisation');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.waitForURL(`${hostOf(region, t.slug)}/sign-in`);
        await page.getByLabel('Email').fill(t.email);
        await page.getByLabel('Password').fill(t.password);
        await shot('02-sign-in');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();

        // A folder.
        await page.getByRole('button', { name: 'New folder' }).click();
        await page.getByLabel('Folder name').fill('Contracts');
        await page.getByRole('button', { name: 'Create' }).click();
        await page.getByRole('main').getByRole('link', { name: 'Contracts' }).click();
        await page.getByRole('heading', { name: 'Contracts', level: 1 }).waitFor();

        // Upload two files with progress.
        const word = `zephyrine${region}`;
        const notes = `notes-${region}.txt`;
        const text = `Quarterly ${word} report.\n${'Lorem ipsum dolor sit amet. '.repeat(40_000)}`;
        await page.locator('input[type=file]').setInputFiles([
          { name: 'diagram.png', mimeType: 'image/png', buffer: pngImage() },
          { name: notes, mimeType: 'text/plain', buffer: Buffer.from(text) },
        ]);
        await page.getByRole('heading', { name: 'Uploads: 2 of 2 done' }).waitFor();
        const bars = page.locator('.uploads progress');
        await expect.poll(() => bars.count()).toBe(2);
        for (const bar of await bars.all()) {
          expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
        }
        expect(Number(await bars.nth(1).getAttribute('max'))).toBeGreaterThan(1_000_000);
        await page
          .getByRole('main')
          .getByRole('row', { name: /diagram\.png/ })
          .waitFor();
        await shot('03-folder-after-upload');

        // The preview the worker renders.
        await page.locator('.uploads').getByRole('link', { name: 'diagram.png' }).click();
        await page.getByRole('heading', { name: 'diagram.png', level: 1 }).waitFor();
        const documentUrl = page.url();
        await page.getByRole('img', { name: 'Preview of diagram.png' }).waitFor({ timeout: 45_000 });
        await shot('04-document-preview');

        // A new version, then a rollback to the first.
        await page.getByLabel('Upload new version').setInputFiles({
          name: 'diagram.png',
          mimeType: 'image/png',
          buffer: pngImage(160, 90),
        });
        const versionRows = page.locator('tr[data-version]');
        await expect.poll(() => versionRows.count(), { timeout: 15_000 }).toBe(2);
        await page.getByRole('button', { name: 'Restore version 1' }).click();
        await expect.poll(() => versionRows.count(), { timeout: 15_000 }).toBe(3);
        await expect.poll(() => page.locator('tr[data-version="3"]').textContent()).toContain('(rollback)');
        await expect.poll(() => page.locator('tr[data-version="3"]').textContent()).toContain('current');
        await shot('05-versions-rolled-back');

        // Two people: a colleague and a stranger.
        await page.getByRole('link', { name: 'Users and groups' }).click();
        for (const who of ['Colleague', 'Stranger']) {
          await page.getByLabel('Name', { exact: true }).fill(`${who} ${region}`);
          await page.getByLabel('Email', { exact: true }).fill(`${who.toLowerCase()}@${t.slug}.example`);
          await page.getByLabel('Role', { exact: true }).selectOption('viewer');
          await page.getByLabel('Password (optional)').fill('another long password');
          await page.getByRole('button', { name: 'Add user' }).click();
          await page.getByRole('cell', { name: `${who.toLowerCase()}@${t.slug}.example` }).waitFor();
        }
        await shot('06-users');

        // Share the document with the colleague.
        await page.goto(documentUrl);
        await page
          .getByLabel('Share with')
          .selectOption({ label: `Colleague ${region} (colleague@${t.slug}.example)` });
        await page.getByLabel('Role', { exact: true }).selectOption('viewer');
        await page.getByRole('button', { name: 'Share', exact: true }).click();
        await page.getByRole('cell', { name: `Colleague ${region}` }).waitFor();
        await shot('07-shared');

        const colleague = await (await newContext(browser)).newPage();
        await signIn(colleague, region, `colleague@${t.slug}.example`, 'another long password');
        await colleague.goto(documentUrl);
        await colleague.getByRole('heading', { name: 'diagram.png', level: 1 }).waitFor();
        await check(colleague, `${region}-08-colleague-sees-it`);
        const stranger = await (await newContext(browser)).newPage();
        await signIn(stranger, region, `stranger@${t.slug}.example`, 'another long password');
        await stranger.goto(documentUrl);
        await stranger
          .getByRole('alert')
          .filter({ hasText: 'Not found, or you have no access to it.' })
          .waitFor();
        await screenshot(stranger, `${region}-09-stranger-does-not`);
        await colleague.context().close();
        await stranger.context().close();

        // Search as you type (the index converges within seconds of the upload) and open the hit.
        await page.getByRole('link', { name: 'Search', exact: true }).click();
        await page.getByRole('heading', { name: 'Search', level: 1 }).waitFor();
        const box = page.getByRole('main').getByRole('searchbox', { name: 'Search documents' });
        const hit = page
          .getByRole('list', { name: 'Results' })
          .getByRole('listitem')
          .filter({ hasText: notes });
        const deadline = Date.now() + 30_000;
        for (;;) {
          await box.fill(word);
          const marked = hit.locator('mark', { hasText: new RegExp(word, 'i') });
          if (
            await marked.waitFor({ timeout: 2_500 }).then(
              () => true,
              () => false,
            )
          )
            break;
          if (Date.now() > deadline) throw new Error('the search never found the upload');
          await box.fill('');
        }
        expect(page.url()).not.toContain(word);
        await shot('10-search');
        await hit.getByRole('link', { name: notes }).click();
        await page.getByRole('heading', { name: notes, level: 1 }).waitFor();

        // Trash and restore.
        await page.getByRole('button', { name: 'Move to trash' }).click();
        await page.getByRole('heading', { name: 'Contracts', level: 1 }).waitFor();
        await page.getByRole('link', { name: 'Trash' }).click();
        await page.getByRole('row', { name: new RegExp(notes) }).waitFor();
        await shot('11-trash');
        await page.getByRole('button', { name: `Restore: ${notes}` }).click();
        await page.getByText('The trash is empty.').waitFor();
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contracts' }).click();
        await page
          .getByRole('main')
          .getByRole('row', { name: new RegExp(notes) })
          .waitFor();

        // The audit log: entries, filter, chain verification, CSV export.
        await page.getByRole('link', { name: 'Audit log' }).click();
        await page.getByRole('cell', { name: 'document.version_restored' }).first().waitFor();
        await page.getByLabel('Action').fill('grant.created');
        await page.getByRole('button', { name: 'Apply filters' }).click();
        await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThan(0);
        await expect
          .poll(async () => new Set(await page.locator('tbody tr td:nth-child(3)').allTextContents()))
          .toEqual(new Set(['grant.created']));
        await page.getByRole('button', { name: 'Verify chain' }).click();
        await page.getByText(/The chain holds/).waitFor();
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('button', { name: 'Export CSV' }).click(),
        ]);
        const csv = readFileSync((await download.path())!, 'utf8');
        expect(csv.split('\r\n')[0]).toContain('"occurredAt"');
        expect(csv).toContain('"grant.created"');
        await shot('12-audit');

        // Every API call was answered by the region's own cell.
        expect([...cells]).toEqual([`${region}-1`]);
      } catch (err) {
        await screenshot(page, `${region}-failed`).catch(() => {});
        throw err;
      } finally {
        await ctx.close();
      }
    }, 180_000);
  });
}

describe('for users all over the world', () => {
  it('in German, with German dates and sizes', async () => {
    const ctx = await newContext(browser, { locale: 'de-DE' });
    const page = await ctx.newPage();
    await page.goto(`${hostOf('us', tenants.us.slug)}/sign-in`);
    await page.getByRole('heading', { name: 'Bei Quire anmelden' }).waitFor();
    await page.getByLabel('E-Mail').fill(tenants.us.email);
    await page.getByLabel('Passwort').fill(tenants.us.password);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { name: 'Alle Dokumente', level: 1 }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('de');
    await page.getByRole('link', { name: 'Papierkorb' }).click();
    await page.getByRole('heading', { name: 'Papierkorb', level: 1 }).waitFor();
    await check(page, 'i18n-de-trash');
    await ctx.close();
  });

  it('on a phone: no sideways scrolling, the menu opens', async () => {
    const ctx = await newContext(browser, { viewport: { width: 375, height: 740 } });
    const page = await ctx.newPage();
    await signIn(page, 'us', tenants.us.email, tenants.us.password);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Trash' }).waitFor();
    await check(page, 'responsive-phone-menu');
    await ctx.close();
  });

  it('right-to-left: the layout mirrors and nothing overflows', async () => {
    const ctx = await newContext(browser, { locale: 'ar-EG', timezoneId: 'Africa/Cairo' });
    const page = await ctx.newPage();
    await signIn(page, 'us', tenants.us.email, tenants.us.password);
    expect(await page.evaluate('document.documentElement.dir')).toBe('rtl');
    const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
    const main = await page.getByRole('main').boundingBox();
    expect(nav!.x).toBeGreaterThan(main!.x);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await check(page, 'rtl-documents');
    await ctx.close();
  });
});
