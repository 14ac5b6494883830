import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../support/topology.ts';
import { buildWeb, checkScreen, launchChromium, newContext, screenshot, WEB_HOSTS } from '../support/web.ts';

/**
 * The sales-ops page on the control plane, in Debian's Chromium: a platform admin creates a
 * tenant and watches it provision, its first admin signs in through the edge; a sales-ops token
 * offboards a tenant from its page (typing its short name to confirm), sees the state and the
 * deadline, and cancels it again, and is offered nothing its role may not do (no cells). One
 * build and one topology (control plane, two cells, the edge with the app); axe on each screen.
 */
let world: World;
let browser: Browser;
let port: string;
let salesOps: string;
const leaving = 'leaving-co';

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

beforeAll(async () => {
  const web = await buildWeb();
  world = await startWorld({
    name: 'webops',
    redisDbs: [2, 3],
    hosts: WEB_HOSTS,
    assetsDir: web.app,
    controlPlaneEnv: { ADMIN_UI_DIR: web.ops },
  });
  port = new URL(world.edge.url).port;
  await world.provision({ slug: leaving, region: 'us' });
  await untilRouted(leaving);
  const issued = await world.topology.admin('POST', '/v1/admin/ops-tokens', {
    label: 'sales desk web',
    role: 'sales-ops',
  });
  expect(issued.status).toBe(201);
  salesOps = issued.body.token;
  const readOnly = await world.topology.admin('POST', '/v1/admin/ops-tokens', {
    label: 'support desk web',
    role: 'support',
  });
  expect(readOnly.status).toBe(201);
  support = readOnly.body.token;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const check = (page: Page, name: string) => checkScreen(page, name);

let support = '';

async function signIn(page: Page, token: string) {
  await page.goto(`${world.topology.controlPlane.url}/admin/`);
  await page.getByLabel('Ops token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
}

describe('sales ops on the control plane', () => {
  it('creates a tenant in the EU, watches it provision, and its first admin signs in on the EU hostname', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      await page.goto(`${world.topology.controlPlane.url}/admin/`);
      await page.getByLabel('Ops token').fill(world.topology.secrets.opsToken);
      await check(page, 'ops-01-sign-in');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
      await page.getByRole('cell', { name: leaving, exact: true }).waitFor();
      await page.getByLabel('Short name', { exact: true }).fill('acme-europe');
      await page.getByLabel('Organisation', { exact: true }).fill('Acme Europe');
      await page.getByLabel('Region', { exact: true }).selectOption('eu');
      await page.getByLabel('Plan', { exact: true }).selectOption('standard');
      await page.getByLabel('Isolation', { exact: true }).selectOption('pooled');
      expect(await page.getByLabel(/Strict residency/).isChecked()).toBe(true);
      await page.getByLabel('Name', { exact: true }).fill('Erika Mustermann');
      await page.getByLabel('Email', { exact: true }).fill('erika@acme-europe.example');
      await page.getByLabel('Password (optional)').fill('first admin password');
      await check(page, 'ops-02-tenants');
      await page.getByRole('button', { name: 'Create tenant' }).click();
      await page.getByRole('heading', { name: /Acme Europe/, level: 1 }).waitFor();
      await page.locator('li[data-step="active"][data-done="true"]').waitFor({ timeout: 30_000 });
      await page.getByText('Status: Active').waitFor();
      await check(page, 'ops-03-provisioned');
      await page.getByRole('link', { name: 'Cells' }).click();
      await page.getByRole('button', { name: 'Drain eu-1' }).waitFor();
      await check(page, 'ops-04-cells');

      await untilRouted('acme-europe');
      const app = await ctx.newPage();
      await app.goto(`http://acme-europe.quire.localhost:${port}/sign-in`);
      await app.waitForURL(`http://acme-europe.eu.quire.localhost:${port}/sign-in`);
      await app.getByLabel('Email').fill('erika@acme-europe.example');
      await app.getByLabel('Password').fill('first admin password');
      await app.getByRole('button', { name: 'Sign in' }).click();
      await app.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
      await screenshot(app, 'ops-05-first-admin-signed-in');
    } catch (err) {
      await screenshot(page, 'ops-failed').catch(() => {});
      throw err;
    } finally {
      await ctx.close();
    }
  }, 90_000);

  it('a sales-ops token offboards a tenant from its page (the short name confirms), sees the deadline, and cancels it; no cell controls', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    // What the tenant's own people notice: whether a change is taken (read-only while offboarding).
    const token = await world.login(
      leaving,
      `admin@${leaving}.example`,
      'a long enough password',
      'quire.localhost',
    );
    const write = async () =>
      (
        await world.edge.fetch(`http://${leaving}.quire.localhost/v1/folders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Folder ${Date.now()}` }),
        })
      ).status;
    try {
      await signIn(page, salesOps);
      // Its role runs tenants, not cells: no Cells link, and the cells' page offers no button.
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Cells' }).count()).toBe(0);
      await page.getByRole('link', { name: leaving, exact: true }).click();
      await page.getByRole('heading', { name: new RegExp(`Tenant ${leaving}`), level: 1 }).waitFor();
      await page.getByText('Status: Active').waitFor();
      const section = page.getByRole('region', { name: 'Offboarding' });

      // The confirmation: nothing happens until the short name is typed.
      await section.getByRole('button', { name: 'Offboard…' }).click();
      const confirm = section.getByRole('button', { name: `Offboard Tenant ${leaving}` });
      expect(await confirm.isDisabled()).toBe(true);
      await section.getByLabel(`To confirm, type the short name “${leaving}”`).fill('leaving');
      expect(await confirm.isDisabled()).toBe(true);
      await section.getByLabel(`To confirm, type the short name “${leaving}”`).fill(leaving);
      await check(page, 'ops-06-offboard-confirm');
      expect(await write()).toBe(201);
      await confirm.click();

      // Offboarding: read-only, with its deadline (the 30 days' grace).
      await page.getByText('Status: Offboarding').waitFor();
      await section.getByText('30 days left').waitFor();
      const deadline = await section.locator('[data-deadline]').getAttribute('data-deadline');
      const days = (Date.parse(deadline!) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThan(30.1);
      await section.getByText('The home cell made the customer export:').waitFor();
      expect(await page.getByRole('button', { name: 'Suspend' }).count()).toBe(0);
      await check(page, 'ops-07-offboarding');
      await expect.poll(write, { timeout: 15_000 }).toBe(403);

      // Cancelled during the grace period: active and writable again.
      await section.getByRole('button', { name: 'Cancel offboarding (reactivate)' }).click();
      await page.getByText('Status: Active').waitFor();
      await section.getByRole('button', { name: 'Offboard…' }).waitFor();
      await expect.poll(write, { timeout: 15_000 }).toBe(201);

      // The cells' page itself (a typed address): refused, and not one button.
      await page.goto(`${world.topology.controlPlane.url}/admin/cells`);
      await page.getByLabel('Ops token').fill(salesOps);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Cells', level: 1 }).waitFor();
      await page.getByRole('alert').getByText('Your ops token’s role may not do this.').waitFor();
      expect(await page.getByRole('main').getByRole('button').count()).toBe(0);
    } catch (err) {
      await screenshot(page, 'ops-offboard-failed').catch(() => {});
      throw err;
    } finally {
      await ctx.close();
    }
  }, 90_000);

  it('a support token reads tenants and cells and is offered no button anywhere', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      await signIn(page, support);
      await page.getByRole('link', { name: leaving, exact: true }).click();
      await page.getByRole('heading', { name: new RegExp(`Tenant ${leaving}`), level: 1 }).waitFor();
      await page.getByText('Status: Active').waitFor();
      // Its flags are shown, read-only (reading flags is every role's; setting them is not).
      await page.getByRole('heading', { name: 'Feature flags' }).waitFor();
      await page.getByRole('main').getByRole('table').last().waitFor();
      expect(await page.getByText('Your ops token’s role may not do this.').count()).toBe(0);
      expect(await page.getByRole('main').getByRole('button').count()).toBe(0);
      await check(page, 'ops-08-support-tenant');
      await page.getByRole('navigation').getByRole('link', { name: 'Cells' }).click();
      await page.getByRole('heading', { name: 'Cells', level: 1 }).waitFor();
      await page.getByText('us-1', { exact: true }).first().waitFor();
      expect(await page.getByRole('main').getByRole('button').count()).toBe(0);
      await page.getByRole('navigation').getByRole('link', { name: 'Tenants' }).click();
      await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
      expect(
        await page
          .getByRole('main')
          .getByRole('button', { name: /create/i })
          .count(),
      ).toBe(0);
    } catch (err) {
      await screenshot(page, 'ops-support-failed').catch(() => {});
      throw err;
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
