import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeClient, edgeClient } from '../support/edge-client.ts';
import { eventually } from '../support/eventually.ts';
import { startWorld, type World } from '../support/topology.ts';
import { buildWeb, checkScreen, launchChromium, newContext, screenshot, WEB_HOSTS } from '../support/web.ts';
import { unzip } from '../support/zip.ts';

/**
 * The compliance and usage screens in Debian's Chromium, through the edge to a real cell and its
 * worker: usage against the plan's quotas (the figures the API gives), a legal hold that stops a
 * person's trash and resumes it on release, a retention policy, a portability export downloaded
 * as a zip, an erasure that completes with its proof, consent asked and answered, and what a
 * non-admin sees (no entries; the refusal by address). axe-core on every new screen.
 */
let world: World;
let browser: Browser;
let port: string;
const slug = 'web-compliance';
const host = `${slug}.quire.localhost`;
const password = 'a long enough password';
const admin = { email: `admin@${slug}.example`, name: `Admin of ${slug}` };
const people = {
  bob: { email: `bob@${slug}.example`, name: 'Bob Keeper', role: 'editor' },
  carol: { email: `carol@${slug}.example`, name: 'Carol Reader', role: 'viewer' },
  zoe: { email: `zoe@${slug}.example`, name: 'Zoe Leaver', role: 'viewer' },
} as const;
let adminToken = '';
let carolToken = '';
let contractId = '';
let handbookId = '';

/** Setup through the edge as the tenant's client (edge-client.ts), once the world is up. */
let call: EdgeClient['call'];
let api: EdgeClient['api'];
let upload: EdgeClient['upload'];

const login = async (email: string) =>
  (await api('POST', '/v1/auth/login', null, { email, password, session: 'token' })).accessToken as string;

beforeAll(async () => {
  const web = await buildWeb();
  world = await startWorld({ name: 'webcompliance', redisDbs: [2, 3], hosts: WEB_HOSTS, assetsDir: web.app });
  ({ call, api, upload } = edgeClient(world, host));
  port = new URL(world.edge.url).port;
  await world.provision({ slug, region: 'eu', admin: { ...admin, password } });
  await eventually(async () => {
    const res = await world.edge.fetch(`http://${host}/v1/me`);
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    return body.error?.code !== 'tenant_not_found';
  }, 'the edge never learned the route');
  adminToken = await login(admin.email);
  for (const p of Object.values(people)) await api('POST', '/v1/users', adminToken, { ...p, password });
  carolToken = await login(people.carol.email);
  contractId = await upload(await login(people.bob.email), 'contract.txt', 'The supplier contract.');
  handbookId = await upload(adminToken, 'handbook.txt', 'The staff handbook.');
  // The hold form finds documents through search: wait until the index has the contract.
  await eventually(
    async () => {
      const found = await api('POST', '/v1/search', adminToken, { q: 'contract' });
      return (found.items as { id: string }[]).some((i) => i.id === contractId);
    },
    'the contract was never indexed',
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const url = (path: string) => `http://${host}:${port}${path}`;

const check = (page: Page, name: string) => checkScreen(page, `compliance-${name}`);

async function person(email: string) {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(url('/sign-in'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
  return page;
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

/** The figures as the app writes them in English (src/shared/i18n.ts: Intl, decimal units). */
function englishBytes(bytes: number): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return new Intl.NumberFormat('en', {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

describe('usage against quotas', () => {
  it('an admin sees storage, documents and users with a meter each, the figures the API gives', async () => {
    const page = await person(admin.email);
    try {
      await nav(page).getByRole('link', { name: 'Usage and quotas' }).click();
      await page.getByRole('heading', { name: 'Usage and quotas', level: 1 }).waitFor();
      const usage = (await api('GET', '/v1/usage', adminToken)) as {
        plan: string;
        quotas: { resource: string; unit: string; limit: number | null; used: number | null }[];
      };
      const counted = usage.quotas.filter((q) => ['storage', 'documents', 'users'].includes(q.resource));
      expect(counted.map((q) => q.resource).sort()).toEqual(['documents', 'storage', 'users']);
      expect(counted.find((q) => q.resource === 'documents')?.used).toBe(2);
      expect(counted.find((q) => q.resource === 'users')?.used).toBe(4);
      for (const q of counted) {
        const fmt = (v: number) =>
          q.unit === 'bytes' ? englishBytes(v) : new Intl.NumberFormat('en').format(v);
        const expected =
          q.limit === null
            ? `${fmt(q.used ?? 0)} used (no limit)`
            : `${fmt(q.used ?? 0)} of ${fmt(q.limit)} used`;
        await expect
          .poll(() => page.locator(`[data-quota="${q.resource}"] [data-figures]`).textContent())
          .toBe(expected);
        if (q.limit !== null) {
          const meter = page.getByRole('meter', {
            name: { storage: 'Storage', documents: 'Documents', users: 'Users' }[q.resource],
          });
          expect(Number(await meter.getAttribute('value'))).toBe(Math.min(q.used ?? 0, q.limit));
          expect(Number(await meter.getAttribute('max'))).toBe(q.limit);
        }
      }
      await page.getByRole('cell', { name: 'Largest file' }).waitFor();
      await check(page, '01-usage');
    } finally {
      await page.context().close();
    }
  }, 60_000);
});

describe('legal holds', () => {
  it('a hold on a document: its author cannot trash it and is told why; released, the trash goes through', async () => {
    const page = await person(admin.email);
    const bob = await person(people.bob.email);
    try {
      await nav(page).getByRole('link', { name: 'Legal holds' }).click();
      await page.getByRole('heading', { name: 'Legal holds', level: 1 }).waitFor();
      await page.getByText('No legal holds.').waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Supplier dispute');
      await page.getByLabel('Description (optional)').fill('Keep everything about the supplier.');
      await page.getByLabel('Find documents by title').fill('contract');
      await page.getByRole('checkbox', { name: 'Hold contract.txt' }).check();
      // Chosen, it stays listed when the search changes.
      await page.getByLabel('Find documents by title').fill('handbook');
      await page.getByRole('checkbox', { name: 'Hold handbook.txt' }).waitFor();
      expect(await page.getByRole('checkbox', { name: 'Hold contract.txt' }).isChecked()).toBe(true);
      expect(await page.getByRole('checkbox', { name: 'Hold handbook.txt' }).isChecked()).toBe(false);
      await check(page, '02-hold-form');
      await page.getByRole('button', { name: 'Place hold' }).click();
      const row = page.locator('tr[data-hold]').filter({ hasText: 'Supplier dispute' });
      await row.getByRole('link', { name: 'contract.txt' }).waitFor();
      await row.getByText('Active').waitFor();
      await check(page, '03-holds');

      // Bob wrote the contract; he tries to move it to the trash and is told why he cannot.
      await bob.goto(url(`/documents/${contractId}`));
      await bob.getByRole('heading', { name: 'contract.txt', level: 1 }).waitFor();
      await bob.getByRole('button', { name: 'Move to trash' }).click();
      await bob.getByRole('alert').filter({ hasText: 'This is under a legal hold' }).waitFor();
      await screenshot(bob, 'compliance-04-trash-refused');
      expect((await api('GET', `/v1/documents/${contractId}`, adminToken)).trashedAt).toBeNull();

      // The admin sees the stopped request, then releases the hold: the trash is carried out.
      await page.reload();
      const stopped = page.locator('tr').filter({ hasText: 'Move document to trash' });
      await stopped.getByText('Waiting for the release').waitFor();
      await stopped.getByText(people.bob.name).waitFor();
      await page.getByRole('button', { name: 'Release the hold Supplier dispute' }).click();
      await row.getByText(/^Released /).waitFor();
      await stopped.getByText('Carried out').waitFor();
      await stopped.getByRole('link', { name: 'contract.txt' }).waitFor();
      await check(page, '05-hold-released');
      await eventually(
        async () => !!(await api('GET', `/v1/documents/${contractId}`, adminToken)).trashedAt,
        'the queued trash was not carried out',
        { timeoutMs: 10_000, intervalMs: 200 },
      );
    } finally {
      await page.context().close();
      await bob.context().close();
    }
  }, 90_000);
});

describe('retention policies', () => {
  it('an admin adds a policy for a tag, sees what it does in words, runs a dry run, removes another and changes the first', async () => {
    const page = await person(admin.email);
    try {
      await nav(page).getByRole('link', { name: 'Retention policies' }).click();
      await page.getByRole('heading', { name: 'Retention policies', level: 1 }).waitFor();
      await page.getByText('No retention policies.').waitFor();
      const add = async (name: string, tag: string, days: string) => {
        await page.getByLabel('Name', { exact: true }).fill(name);
        await page.getByLabel('Applies to').selectOption('tag');
        await page.getByLabel('Tag', { exact: true }).fill(tag);
        await page.getByLabel('Keep for (days)').fill(days);
        await page.getByLabel('Counted from').selectOption('created');
        await page.getByLabel('Then', { exact: true }).selectOption('trash');
        await page.getByRole('button', { name: 'Add policy' }).click();
        await page.locator('tr[data-policy]').filter({ hasText: name }).waitFor();
      };
      await add('Old drafts', 'draft', '30');
      await add('Scratch', 'scratch', '1');
      const row = page.locator('tr[data-policy]').filter({ hasText: 'Old drafts' });
      await row.getByText('Kept 30 days after creation, then moved to the trash').waitFor();
      await row.getByText('Tag: draft').waitFor();
      await page.getByRole('button', { name: 'Dry run of Old drafts' }).click();
      await page.getByText('A run now would move 0 documents to the trash.').waitFor();
      await check(page, '06-retention');
      await page.getByRole('button', { name: 'Remove the policy Scratch' }).click();
      await page.locator('tr[data-policy]').filter({ hasText: 'Scratch' }).waitFor({ state: 'detached' });
      // Changed in place: kept longer and paused (the daily pass skips it); its scope stays.
      await page.getByRole('button', { name: 'Change the policy Old drafts' }).click();
      const form = page.getByRole('form', { name: 'Change “Old drafts”' });
      await form.getByLabel('Keep for (days)').fill('90');
      await form.getByLabel('Run every day').uncheck();
      expect(await form.getByLabel('Applies to').isDisabled()).toBe(true);
      await check(page, '06b-retention-change');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.waitFor({ state: 'detached' });
      await row.getByText('Kept 90 days after creation, then moved to the trash').waitFor();
      await row.getByText('Runs only when started here').waitFor();
      const listed = (await api('GET', '/v1/retention-policies', adminToken)).items as Record<string, any>[];
      expect(listed.map((p) => [p.name, p.scope, p.keepDays, p.basis, p.action, p.enabled])).toEqual([
        ['Old drafts', { kind: 'tag', value: 'draft' }, 90, 'created', 'trash', false],
      ]);
    } finally {
      await page.context().close();
    }
  }, 60_000);
});

describe('portability export', () => {
  it('an admin exports the organisation, follows it to ready and downloads a zip with the document', async () => {
    const page = await person(admin.email);
    try {
      await nav(page).getByRole('link', { name: 'Data exports' }).click();
      await page.getByRole('heading', { name: 'Data exports', level: 1 }).waitFor();
      await page.getByLabel('Whose data').selectOption({ label: 'The whole organisation' });
      await page.getByRole('button', { name: 'Start export' }).click();
      const row = page.locator('tr[data-export]').first();
      await row.getByText('The whole organisation').waitFor();
      await row.getByRole('button', { name: 'Download' }).waitFor({ timeout: 60_000 });
      await row.getByText('Ready').waitFor();
      await check(page, '07-exports');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        row.getByRole('button', { name: 'Download' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^quire-tenant-export-.+\.zip$/);
      const zip = readFileSync((await download.path())!);
      expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
      const entries = await unzip(zip);
      const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Record<string, any>;
      expect(JSON.stringify(manifest)).toContain(handbookId);
      const file = [...entries.keys()].find((k) => k.startsWith(`files/${handbookId}/`));
      expect(file, [...entries.keys()].join(', ')).toBeDefined();
      expect(entries.get(file!)!.toString('utf8')).toBe('The staff handbook.');
    } finally {
      await page.context().close();
    }
  }, 90_000);
});

describe('erasure', () => {
  it('an admin asks for a person’s erasure and sees it complete, store by store, with the proof', async () => {
    const page = await person(admin.email);
    try {
      await nav(page).getByRole('link', { name: 'Erasure requests' }).click();
      await page.getByRole('heading', { name: 'Erasure requests', level: 1 }).waitFor();
      await page.getByText('No erasure requests.').waitFor();
      // Zoe is a custodian of a legal hold: nothing is erased until it is released.
      const users = (await api('GET', '/v1/users', adminToken)).items as { id: string; email: string }[];
      const zoe = users.find((u) => u.email === people.zoe.email)!;
      const hold = await api('POST', '/v1/legal-holds', adminToken, { name: 'Zoe', custodianIds: [zoe.id] });
      await page.getByLabel('Person').selectOption({ label: `${people.zoe.name} (${people.zoe.email})` });
      await page.getByRole('button', { name: 'Erase this person' }).click();
      const row = page.locator('tr[data-erasure]').first();
      await row.getByText('Held back by a legal hold').waitFor();
      await row
        .getByText('The person is a custodian of an active legal hold: nothing was erased.', { exact: false })
        .waitFor();
      await row.getByText(people.zoe.name).waitFor();
      await check(page, '08-erasure-held');
      await api('POST', `/v1/legal-holds/${hold.id}/release`, adminToken);
      await page.reload();
      await row.getByText('Completed').waitFor({ timeout: 60_000 });
      await row.getByText('Erased person').waitFor();
      await row.getByText(/^Checked .+: no trace left\.$/).waitFor();
      for (const store of ['Live data', 'Search index', 'Files', 'Database'])
        await row.getByText(`${store}: erased`).waitFor();
      await check(page, '09-erasure');
      const [request] = (await api('GET', '/v1/erasure-requests', adminToken)).items as Record<string, any>[];
      expect(request?.status).toBe('completed');
      expect(request?.proof?.verified).toBe(true);
      const after = (await api('GET', '/v1/users', adminToken)).items as { email: string }[];
      expect(after.map((u) => u.email)).not.toContain(people.zoe.email);
    } finally {
      await page.context().close();
    }
  }, 90_000);
});

describe('consent', () => {
  it('an admin defines a purpose; a person agrees, is asked again after a new version, withdraws; the admin sees it', async () => {
    const page = await person(admin.email);
    const carol = await person(people.carol.email);
    try {
      await nav(page).getByRole('link', { name: 'Consent' }).click();
      await page.getByRole('heading', { name: 'Consent', level: 1 }).waitFor();
      await page.getByText('No purposes defined.').waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Product updates');
      await page.getByLabel('Key', { exact: true }).fill('product_updates');
      await page.getByLabel('Text version', { exact: true }).fill('1');
      await page.getByRole('button', { name: 'Define purpose' }).click();
      const purpose = page.locator('tr[data-purpose="product_updates"]');
      await purpose.getByText('0 people').waitFor();

      await nav(carol).getByRole('link', { name: 'Your privacy' }).click();
      await carol.getByRole('heading', { name: 'Your privacy', level: 1 }).waitFor();
      const card = carol.locator('[data-purpose="product_updates"]');
      await card.getByText('You have not answered yet.').waitFor();
      await card.getByRole('button', { name: 'Agree to Product updates' }).click();
      await card.getByText(/^You agreed on /).waitFor();
      await check(carol, '10-privacy');

      await page.reload();
      await purpose.getByText('1 person').waitFor();
      const answer = page.locator('tr').filter({ hasText: people.carol.name });
      await answer.getByRole('cell', { name: 'Agreed' }).waitFor();
      await page.getByLabel('New text version of Product updates').fill('2');
      await page.getByRole('button', { name: 'Publish a new version of Product updates' }).click();
      await purpose.getByRole('cell', { name: '2', exact: true }).waitFor();
      await check(page, '11-consent');

      await carol.reload();
      await card
        .getByText('You agreed to an earlier text (version 1); agree again to the current one.')
        .waitFor();
      await card.getByRole('button', { name: 'Withdraw consent to Product updates' }).click();
      await card.getByText(/^You withdrew on /).waitFor();
      const mine = await api('GET', '/v1/me/consents', carolToken);
      expect((mine.history as { decision: string }[]).map((e) => e.decision)).toEqual(
        expect.arrayContaining(['granted', 'withdrawn']),
      );
      await page.reload();
      await answer.getByRole('cell', { name: 'Withdrawn' }).waitFor();
      await purpose.getByText('0 people').waitFor();
    } finally {
      await page.context().close();
      await carol.context().close();
    }
  }, 90_000);
});

describe('not an admin', () => {
  it('sees no admin or compliance entries, and each screen by its address says only admins may see it', async () => {
    const carol = await person(people.carol.email);
    try {
      await nav(carol).getByRole('link', { name: 'Your privacy' }).waitFor();
      for (const heading of ['Administration', 'Compliance'])
        expect(await nav(carol).getByRole('heading', { name: heading }).count()).toBe(0);
      for (const link of [
        'Usage and quotas',
        'Legal holds',
        'Retention policies',
        'Erasure requests',
        'Data exports',
      ])
        expect(await nav(carol).getByRole('link', { name: link }).count()).toBe(0);
      for (const [path, title] of [
        ['/admin/usage', 'Usage and quotas'],
        ['/admin/legal-holds', 'Legal holds'],
        ['/admin/retention', 'Retention policies'],
        ['/admin/erasure', 'Erasure requests'],
        ['/admin/exports', 'Data exports'],
        ['/admin/consent', 'Consent'],
      ] as const) {
        await carol.goto(url(path));
        await carol.getByRole('heading', { name: title, level: 1 }).waitFor();
        await carol
          .getByRole('alert')
          .filter({ hasText: 'Only administrators can see this page.' })
          .waitFor();
      }
      await check(carol, '12-forbidden');
      // The API refuses them too.
      for (const path of [
        '/v1/usage',
        '/v1/legal-holds',
        '/v1/retention-policies',
        '/v1/erasure-requests',
        '/v1/consent/state',
      ])
        expect((await call('GET', path, carolToken)).status, path).toBe(403);
    } finally {
      await carol.context().close();
    }
  }, 60_000);
});

describe('on a phone and in German', () => {
  it('the usage, legal hold and erasure screens fit a phone, in German', async () => {
    const ctx = await newContext(browser, { locale: 'de-DE', viewport: { width: 375, height: 740 } });
    const page = await ctx.newPage();
    try {
      await page.goto(url('/sign-in'));
      await page.getByLabel('E-Mail').fill(admin.email);
      await page.getByLabel('Passwort').fill(password);
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await page.getByRole('heading', { name: 'Alle Dokumente', level: 1 }).waitFor();
      for (const [path, heading, name] of [
        ['/admin/usage', 'Nutzung und Kontingente', '13-phone-de-usage'],
        ['/admin/legal-holds', 'Rechtliche Aufbewahrung', '14-phone-de-holds'],
        ['/admin/erasure', 'Löschanträge', '15-phone-de-erasure'],
      ] as const) {
        await page.goto(url(path));
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await check(page, name);
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), name).toBe(
          true,
        );
      }
    } finally {
      await ctx.close();
    }
  }, 60_000);
});

describe('right-to-left', () => {
  it('the compliance, usage, integration and privacy screens mirror and nothing overflows', async () => {
    // Arabic has no strings yet (English shows), but the direction follows the language.
    const ctx = await newContext(browser, { locale: 'ar-EG', timezoneId: 'Africa/Cairo' });
    const page = await ctx.newPage();
    try {
      await page.goto(url('/sign-in'));
      await page.getByLabel('Email').fill(admin.email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
      expect(await page.evaluate('document.documentElement.dir')).toBe('rtl');
      for (const [path, heading] of [
        ['/admin/usage', 'Usage and quotas'],
        ['/admin/legal-holds', 'Legal holds'],
        ['/admin/retention', 'Retention policies'],
        ['/admin/erasure', 'Erasure requests'],
        ['/admin/exports', 'Data exports'],
        ['/admin/consent', 'Consent'],
        ['/admin/webhooks', 'Webhooks'],
        ['/admin/identity', 'Sign-in and security'],
        ['/privacy', 'Your privacy'],
      ] as const) {
        await page.goto(url(path));
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        const navBox = await nav(page).boundingBox();
        const mainBox = await page.getByRole('main').boundingBox();
        expect(navBox!.x, path).toBeGreaterThan(mainBox!.x);
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), path).toBe(
          true,
        );
        await check(page, `16-rtl${path.replaceAll('/', '-')}`);
      }
    } finally {
      await ctx.close();
    }
  }, 90_000);
});
