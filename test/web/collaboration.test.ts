import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadMetadata } from '../../cell/src/modules/documents/upload-metadata.ts';
import { type EdgeClient, edgeClient } from '../support/edge-client.ts';
import { futureCode, totpCode } from '../support/identity.ts';
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
 * The collaboration and identity screens in Debian's Chromium, through the edge to a real cell:
 * comments with a mention, a reply and resolve (and a mention of someone without access, with
 * the share offer), presence of a second browser, the notification bell after a mention, an
 * external share link opened without an account, a thread anchored to a page (its author shown
 * by name to a colleague who is no admin), TOTP enrolment and a sign-in with a code,
 * bulk export with progress, the admin screens. axe-core on every new screen. One build and one
 * topology for the file; people and a document are made through the API first, so each test
 * stands on its own.
 */
let world: World;
let browser: Browser;
let port: string;
const slug = 'web-collab';
const host = `${slug}.quire.localhost`;
const password = 'a long enough password';
const admin = { email: `admin@${slug}.example`, name: `Admin of ${slug}` };
const people = {
  bob: { email: `bob@${slug}.example`, name: 'Bob Builder', role: 'editor' },
  carol: { email: `carol@${slug}.example`, name: 'Carol Clerk', role: 'viewer' },
  dave: { email: `dave@${slug}.example`, name: 'Dave Dual', role: 'viewer' },
  erin: { email: `erin@${slug}.example`, name: 'Erin Asker', role: 'viewer' },
  frank: { email: `frank@${slug}.example`, name: 'Frank Guard', role: 'admin' },
  gina: { email: `gina@${slug}.example`, name: 'Gina Newcomer', role: 'viewer' },
} as const;
let documentId = '';
let secondDocumentId = '';

/** Setup through the edge as the tenant's client (edge-client.ts), once the world is up. */
let api: EdgeClient['api'];
let upload: EdgeClient['upload'];

beforeAll(async () => {
  const web = await buildWeb();
  world = await startWorld({ name: 'webcollab', redisDbs: [4, 5], hosts: WEB_HOSTS, assetsDir: web.app });
  ({ api, upload } = edgeClient(world, host));
  port = new URL(world.edge.url).port;
  await world.provision({ slug, region: 'us', admin: { ...admin, password } });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await world.edge.fetch(`http://${host}/v1/me`);
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    if (body.error?.code !== 'tenant_not_found') break;
    if (Date.now() > deadline) throw new Error('the edge never learned the route');
    await new Promise((r) => setTimeout(r, 200));
  }
  const { accessToken } = await api('POST', '/v1/auth/login', null, {
    email: admin.email,
    password,
    session: 'token',
  });
  for (const p of Object.values(people)) await api('POST', '/v1/users', accessToken, { ...p, password });
  documentId = await upload(accessToken, 'plan.txt', 'The quarterly plan.');
  secondDocumentId = await upload(accessToken, 'budget.txt', 'The budget.');
  const users = (await api('GET', '/v1/users', accessToken)).items as { id: string; email: string }[];
  const bob = users.find((u) => u.email === people.bob.email)!;
  await api('POST', '/v1/grants', accessToken, {
    resourceType: 'document',
    resourceId: documentId,
    principalType: 'user',
    principalId: bob.id,
    role: 'viewer',
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const url = (path: string) => `http://${host}:${port}${path}`;

const check = (page: Page, name: string) => checkScreen(page, `collab-${name}`);

async function signIn(page: Page, email: string) {
  await page.goto(url('/sign-in'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
}

async function person(email: string) {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, email);
  return page;
}

describe('comments, presence and notifications', () => {
  it('a mention, a reply and resolve; presence of a second browser; the bell after the mention; a mention without access offers to share', async () => {
    const owner = await person(admin.email);
    const bob = await person(people.bob.email);
    try {
      await owner.goto(url(`/documents/${documentId}`));
      await owner.getByRole('heading', { name: 'plan.txt', level: 1 }).waitFor();
      await bob.goto(url(`/documents/${documentId}`));
      await bob.getByRole('heading', { name: 'plan.txt', level: 1 }).waitFor();

      // Presence: the owner sees Bob arrive, live.
      const viewing = owner.getByRole('region', { name: 'Viewing now' });
      await viewing.getByText(people.bob.name).waitFor({ timeout: 15_000 });
      await viewing.getByText('2 people viewing').waitFor();
      await check(owner, '01-presence');

      // Bob's bell counts the share of the document (made before the test).
      const bell = bob.getByRole('link', { name: /^Notifications: [1-9]\d* unread$/ });
      await bell.waitFor();
      const bellBefore = Number((await bell.getAttribute('aria-label'))?.match(/\d+/)?.[0]);

      // A comment with a mention picked from the suggestions.
      const box = owner.getByLabel('New comment');
      await box.click();
      await box.pressSequentially('Please review @Bob');
      const suggestions = owner.getByRole('listbox', { name: 'People and groups to mention' });
      await suggestions.getByRole('option', { name: /Bob Builder/ }).click();
      await box.pressSequentially('before Friday.');
      await owner.getByRole('button', { name: 'Comment', exact: true }).click();
      const thread = owner.locator('[data-thread]').first();
      await thread.getByText('@Bob Builder').waitFor();
      await thread.getByText('before Friday.').waitFor();

      // Bob's page shows it without a reload, and his bell counts it.
      const bobThread = bob.locator('[data-thread]').first();
      await bobThread.getByText('@Bob Builder').waitFor({ timeout: 15_000 });
      // The bell already counted the share; the mention adds one, pushed live.
      await bob
        .getByRole('link', { name: `Notifications: ${bellBefore + 1} unread` })
        .waitFor({ timeout: 15_000 });
      await check(bob, '02-comment-live-and-bell');

      // Bob replies; the owner sees the reply live and resolves the thread.
      await bobThread.getByRole('button', { name: 'Reply' }).click();
      await bob.getByLabel('Reply', { exact: true }).fill('Done, looks good.');
      await bob.getByRole('button', { name: 'Send reply' }).click();
      await thread.getByText('Done, looks good.').waitFor({ timeout: 15_000 });
      await thread.getByRole('button', { name: 'Resolve thread' }).click();
      await thread.getByText('Resolved', { exact: true }).waitFor();
      await thread.getByRole('button', { name: 'Reopen thread' }).waitFor();
      await check(owner, '03-resolved');

      // A mention of Carol, who cannot read the document: refused, with the offer to share.
      await box.click();
      await box.pressSequentially('FYI @Carol');
      await suggestions.getByRole('option', { name: /Carol Clerk/ }).click();
      await owner.getByRole('button', { name: 'Comment', exact: true }).click();
      const refusal = owner.getByRole('alert').filter({ hasText: 'Carol Clerk cannot read this document' });
      await refusal.waitFor();
      await check(owner, '04-mention-without-access');
      await owner.getByRole('button', { name: 'Share with them as viewers and post' }).click();
      await owner.locator('[data-thread]').nth(1).getByText('@Carol Clerk').waitFor();
      await owner
        .getByRole('cell', { name: /carol@|Carol Clerk|usr_/ })
        .first()
        .waitFor();

      // The activity tab.
      await owner.getByRole('tab', { name: 'Activity' }).click();
      await owner
        .getByRole('list', { name: 'Activity' })
        .getByText(/commented/)
        .first()
        .waitFor();
      await check(owner, '05-activity');

      // Bob's notifications: the mention, then all read.
      await bob.getByRole('link', { name: /^Notifications: \d+ unread$/ }).click();
      await bob.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
      await bob.getByText('mentioned you on “plan.txt”').waitFor();
      await check(bob, '06-notifications');
      await bob.getByRole('button', { name: 'Mark all as read' }).click();
      await bob.getByRole('link', { name: 'Notifications: 0 unread' }).waitFor();
    } catch (err) {
      await screenshot(owner, 'collab-failed-owner').catch(() => {});
      await screenshot(bob, 'collab-failed-bob').catch(() => {});
      throw err;
    } finally {
      await owner.context().close();
      await bob.context().close();
    }
  }, 120_000);
});

describe('comment anchors and names', () => {
  it('a thread anchored to a page shows its anchor; a colleague who is no admin sees the author by name, never by email; a page the preview shows is focused from the thread', async () => {
    const { accessToken } = await api('POST', '/v1/auth/login', null, {
      email: admin.email,
      password,
      session: 'token',
    });
    // In a folder of their own: the other tests count the documents at the top level.
    const board = (await api('POST', '/v1/folders', accessToken, { name: 'Board' })).id as string;
    const minutes = await upload(accessToken, 'minutes.txt', 'The minutes of the quarterly meeting.', board);
    const diagram = (
      await api('POST', `/v1/documents?folderId=${board}`, accessToken, pngImage(), {
        'content-type': 'image/png',
        'upload-metadata': uploadMetadata({ filename: 'diagram.png', title: 'diagram.png' }),
      })
    ).document.id as string;
    const users = (await api('GET', '/v1/users', accessToken)).items as { id: string; email: string }[];
    await api('POST', '/v1/grants', accessToken, {
      resourceType: 'document',
      resourceId: minutes,
      principalType: 'user',
      principalId: users.find((u) => u.email === people.bob.email)!.id,
      role: 'viewer',
    });
    const owner = await person(admin.email);
    const bob = await person(people.bob.email);
    try {
      // The owner comments about page 3 of the current version, quoting it.
      await owner.goto(url(`/documents/${minutes}`));
      await owner.getByRole('heading', { name: 'minutes.txt', level: 1 }).waitFor();
      const composer = owner.locator('form.composer').last();
      await composer.getByLabel('New comment').fill('The figures on this page are from last year.');
      await composer.getByText('About a page or passage (optional)').click();
      await composer.getByLabel('Page', { exact: true }).fill('3');
      await composer.getByLabel('Quoted passage').fill('quarterly meeting');
      await check(owner, '25-comment-anchor-fields');
      await composer.getByRole('button', { name: 'Comment', exact: true }).click();
      const anchor = owner.locator('[data-thread]').first().locator('[data-anchor]');
      await expect.poll(() => anchor.textContent()).toBe('About: page 3 · on version 1 · quarterly meeting');
      // A text file has no preview: the page is said, not a button.
      expect(await anchor.getByRole('button').count()).toBe(0);
      await check(owner, '26-comment-anchored');

      // Bob (a viewer, no directory) sees the thread, its anchor and its author's name; no email.
      await bob.goto(url(`/documents/${minutes}`));
      const bobThread = bob.locator('[data-thread]').first();
      await bobThread.getByText('The figures on this page are from last year.').waitFor();
      await bobThread.locator('header').getByText(admin.name, { exact: true }).waitFor();
      await bobThread.locator('[data-anchor]').getByText('page 3').waitFor();
      expect(await bob.locator('main').textContent()).not.toContain(admin.email);
      expect(await bobThread.locator('code').count()).toBe(0);

      // An image has a preview of its first page: the thread's "page 1" brings it into focus.
      await owner.goto(url(`/documents/${diagram}`));
      await owner.getByRole('img', { name: 'Preview of diagram.png' }).waitFor({ timeout: 45_000 });
      const onImage = owner.locator('form.composer').last();
      await onImage.getByLabel('New comment').fill('The legend is cut off.');
      await onImage.getByText('About a page or passage (optional)').click();
      await onImage.getByLabel('Page', { exact: true }).fill('1');
      await onImage.getByRole('button', { name: 'Comment', exact: true }).click();
      await owner.getByRole('button', { name: 'page 1: show it in the preview' }).click();
      await expect
        .poll(() => owner.evaluate("document.activeElement?.classList.contains('preview') ?? false"))
        .toBe(true);
    } catch (err) {
      await screenshot(owner, 'collab-failed-anchor-owner').catch(() => {});
      await screenshot(bob, 'collab-failed-anchor-bob').catch(() => {});
      throw err;
    } finally {
      await owner.context().close();
      await bob.context().close();
    }
  }, 120_000);
});

describe('external share links', () => {
  it('a link with a password and a download limit opens in a fresh browser without signing in, and stops when revoked', async () => {
    const owner = await person(admin.email);
    const stranger = await (await newContext(browser)).newPage();
    try {
      await owner.goto(url(`/documents/${documentId}`));
      await owner.getByRole('heading', { name: 'External links' }).waitFor();
      await owner.getByLabel('Password (optional)').fill('link password 1');
      await owner.getByLabel('Download limit (optional)').fill('2');
      await owner.getByRole('button', { name: 'Create link' }).click();
      const link = await owner.getByLabel('New link').inputValue();
      expect(link).toMatch(new RegExp(`^http://${host}:${port}/shared#`));
      await owner.locator('tr[data-link]').first().waitFor();
      await check(owner, '07-share-link');

      await stranger.goto(link);
      await stranger.getByRole('heading', { name: 'Shared with you' }).waitFor();
      await stranger.getByLabel('Password').fill('link password 1');
      await stranger.getByRole('button', { name: 'Open' }).click();
      await stranger.getByRole('heading', { name: 'plan.txt' }).waitFor();
      await check(stranger, '08-shared-page');
      const [download] = await Promise.all([
        stranger.waitForEvent('download'),
        stranger.getByRole('button', { name: 'Download' }).click(),
      ]);
      expect(readFileSync((await download.path())!, 'utf8')).toBe('The quarterly plan.');
      await stranger.getByText('1 download left.').waitFor();

      await owner.getByRole('button', { name: /^Revoke the link created/ }).click();
      await owner.getByRole('cell', { name: 'Revoked' }).waitFor();
      await stranger.reload();
      await stranger.getByText('This link is no longer valid', { exact: false }).waitFor();
    } finally {
      await owner.context().close();
      await stranger.context().close();
    }
  }, 90_000);
});

describe('access requests', () => {
  it('someone without access asks for it; the owner grants it on the document page', async () => {
    const erin = await person(people.erin.email);
    const owner = await person(admin.email);
    try {
      await erin.goto(url(`/documents/${secondDocumentId}`));
      await erin.getByRole('alert').filter({ hasText: 'Not found, or you have no access to it.' }).waitFor();
      await erin.getByLabel('A note for the owners (optional)').fill('I need the budget for the review.');
      await check(erin, '19-request-access');
      await erin.getByRole('button', { name: 'Ask for access' }).click();
      await erin.getByText('Your request was sent.', { exact: false }).waitFor();

      await owner.goto(url(`/documents/${secondDocumentId}`));
      await owner.getByRole('heading', { name: 'Access requests' }).waitFor();
      await owner.getByText('I need the budget for the review.').waitFor();
      await check(owner, '20-access-requests');
      await owner.getByRole('button', { name: 'Grant' }).click();
      await owner.getByRole('heading', { name: 'Access requests' }).waitFor({ state: 'detached' });

      await erin.reload();
      await erin.getByRole('heading', { name: 'budget.txt', level: 1 }).waitFor();
    } finally {
      await erin.context().close();
      await owner.context().close();
    }
  }, 60_000);
});

describe('your account', () => {
  it('TOTP enrolment with recovery codes, then a sign-in with a code; an API token shown once; sessions', async () => {
    const dave = await person(people.dave.email);
    try {
      await dave.getByRole('link', { name: 'Your account' }).click();
      await dave.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
      await dave.getByRole('cell', { name: /this browser/ }).waitFor();
      await check(dave, '09-account');

      await dave.getByRole('button', { name: 'Set up an authenticator app' }).click();
      expect(await dave.getByLabel('Setup address (otpauth)').inputValue()).toMatch(/^otpauth:\/\/totp\//);
      const secret = await dave.getByLabel('Key').inputValue();
      await check(dave, '10-totp-enrolment');
      await dave.getByLabel('Code from the app').fill(totpCode(secret));
      await dave.getByRole('button', { name: 'Confirm' }).click();
      const codes = dave.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
      await expect.poll(() => codes.count()).toBeGreaterThan(4);
      await check(dave, '11-recovery-codes');
      await dave.getByRole('button', { name: 'I have saved them' }).click();
      await dave.getByText(/^On: an authenticator app/).waitFor();

      // An API token: its secret once, then revoked.
      await dave.getByLabel('Name', { exact: true }).fill('laptop script');
      await dave.getByRole('button', { name: 'Create token' }).click();
      expect((await dave.getByLabel('Your new token').inputValue()).length).toBeGreaterThan(20);
      await dave.getByRole('button', { name: 'Done' }).click();
      await dave.getByRole('button', { name: 'Revoke the token laptop script' }).click();
      await dave.getByText('No API tokens.').waitFor();

      // Sign out, and in again with a code from the app.
      await dave.getByRole('button', { name: 'Sign out', exact: true }).first().click();
      await dave.waitForURL(/\/sign-in$/);
      await dave.getByLabel('Email').fill(people.dave.email);
      await dave.getByLabel('Password').fill(password);
      await dave.getByRole('button', { name: 'Sign in' }).click();
      await dave.getByLabel('Code from your authenticator app, or a recovery code').fill(futureCode(secret));
      await check(dave, '12-sign-in-code');
      await dave.getByRole('button', { name: 'Verify' }).click();
      // Back where the session ended: the account page, signed in.
      await dave.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
      await dave.getByText(/^On: an authenticator app/).waitFor();
    } catch (err) {
      await screenshot(dave, 'collab-failed-account').catch(() => {});
      throw err;
    } finally {
      await dave.context().close();
    }
  }, 90_000);
});

describe('administration and bulk actions', () => {
  it('user actions, identity settings and SSO connections; an export of a selection with progress', async () => {
    const page = await person(admin.email);
    try {
      await page.getByRole('link', { name: 'Users and groups' }).click();
      await page.getByRole('cell', { name: people.carol.email }).waitFor();
      await page.getByRole('button', { name: `Disable ${people.carol.name}` }).click();
      await page.getByRole('button', { name: `Enable ${people.carol.name}` }).click();
      await page.getByRole('button', { name: `Disable ${people.carol.name}` }).waitFor();
      await page.getByLabel(`Role of ${people.carol.name}`).selectOption('editor');
      await expect.poll(() => page.getByLabel(`Role of ${people.carol.name}`).inputValue()).toBe('editor');
      await check(page, '13-users');

      await page.getByRole('link', { name: 'Sign-in and security' }).click();
      await page.getByRole('heading', { name: 'Sign-in and security', level: 1 }).waitFor();
      // Requiring a second factor of admins while this admin has none is refused, with the reason.
      await page.getByLabel('Second factor required for').selectOption('admins');
      await page.getByRole('alert').filter({ hasText: 'Set up two-factor sign-in for yourself' }).waitFor();
      // The checkbox shows the saved setting: it turns on once the cell has it.
      const trust = page.getByLabel('Trust the second factor of the identity provider');
      await trust.click();
      await expect.poll(() => trust.isChecked()).toBe(true);
      await page.getByRole('button', { name: 'New connection' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Corporate IdP');
      await page.getByLabel('Issuer URL').fill('https://idp.example.com');
      await page.getByLabel('Client id').fill('quire-web');
      await page.getByLabel('Client secret').fill('a client secret value');
      await check(page, '14-identity');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('cell', { name: 'Corporate IdP', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Edit Corporate IdP' }).click();
      await page.getByLabel('Enabled', { exact: true }).uncheck();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('cell', { name: 'Disabled', exact: true }).waitFor();

      // Bulk: select both documents, export them as a zip, watch the progress.
      await page.getByRole('link', { name: 'All documents' }).first().click();
      await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
      await page.getByLabel('Select all documents').check();
      await page.getByRole('button', { name: 'Export as zip' }).click();
      await page
        .getByText(/^Finished: 2 done, 0 failed$/)
        .first()
        .waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Download the zip' }).waitFor();
      await check(page, '15-bulk-export');
      expect(secondDocumentId).toMatch(/^doc_/);
    } catch (err) {
      await screenshot(page, 'collab-failed-admin').catch(() => {});
      throw err;
    } finally {
      await page.context().close();
    }
  }, 90_000);
});

describe('folders', () => {
  it('a folder with its activity and links goes to the trash with its contents and comes back', async () => {
    const page = await person(admin.email);
    page.on('dialog', (d) => void d.accept());
    try {
      await page.getByRole('button', { name: 'New folder' }).click();
      await page.getByLabel('Folder name').fill('Archive');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('main').getByRole('link', { name: 'Archive' }).click();
      await page.getByRole('heading', { name: 'Archive', level: 1 }).waitFor();
      await page
        .getByRole('list', { name: 'Activity' })
        .getByText(/created it/)
        .waitFor();
      await page.getByRole('heading', { name: 'External links' }).waitFor();
      await check(page, '21-folder');
      await page.getByRole('button', { name: 'Move folder to trash' }).click();
      await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
      await page.getByRole('link', { name: 'Trash' }).click();
      await page.getByRole('heading', { name: 'Folders in the trash' }).waitFor();
      await check(page, '22-trash-folders');
      await page.getByRole('button', { name: 'Restore: Archive' }).click();
      await page.getByRole('heading', { name: 'Folders in the trash' }).waitFor({ state: 'detached' });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Archive' }).waitFor();
    } finally {
      await page.context().close();
    }
  }, 60_000);
});

describe('a second factor required by the organisation', () => {
  it('someone without one sets it up while signing in and sees the recovery codes once', async () => {
    // An admin with a second factor (through the API) requires one of everybody.
    const login = await api('POST', '/v1/auth/login', null, {
      email: people.frank.email,
      password,
      session: 'token',
    });
    const { secret } = await api('POST', '/v1/me/mfa/totp', login.accessToken);
    await api('POST', '/v1/me/mfa/totp/confirm', login.accessToken, { code: totpCode(secret) });
    const challenge = await api('POST', '/v1/auth/login', null, {
      email: people.frank.email,
      password,
      session: 'token',
    });
    const frank = await api('POST', '/v1/auth/mfa/verify', null, {
      mfaToken: challenge.mfaToken,
      code: futureCode(secret),
    });
    await api('PUT', '/v1/identity/settings', frank.accessToken, { mfaRequired: 'all' });
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      await page.goto(url('/sign-in'));
      await page.getByLabel('Email').fill(people.gina.email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Your organisation requires a second factor').waitFor();
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      const key = await page.getByLabel('Key').inputValue();
      expect(await page.getByLabel('Setup address (otpauth)').inputValue()).toMatch(/^otpauth:\/\/totp\//);
      await page.getByLabel('Code from your authenticator app, or a recovery code').fill(totpCode(key));
      await check(page, '23-enrol-while-signing-in');
      await page.getByRole('button', { name: 'Verify' }).click();
      const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
      await expect.poll(() => codes.count()).toBeGreaterThan(4);
      await check(page, '24-recovery-codes-at-sign-in');
      await page.getByRole('button', { name: 'I have saved them' }).click();
      await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
    } finally {
      await api('PUT', '/v1/identity/settings', frank.accessToken, { mfaRequired: 'off' });
      await ctx.close();
    }
  }, 60_000);
});

describe('on a phone and in German', () => {
  it('the document page with its discussion, the notifications and the account fit a phone, in German', async () => {
    const ctx = await newContext(browser, { locale: 'de-DE', viewport: { width: 375, height: 740 } });
    const page = await ctx.newPage();
    try {
      await page.goto(url('/sign-in'));
      await page.getByLabel('E-Mail').fill(admin.email);
      await page.getByLabel('Passwort').fill(password);
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await page.getByRole('heading', { name: 'Alle Dokumente', level: 1 }).waitFor();
      for (const [path, heading, name] of [
        [`/documents/${documentId}`, 'plan.txt', '16-phone-de-document'],
        ['/notifications', 'Benachrichtigungen', '17-phone-de-notifications'],
        ['/account', 'Ihr Konto', '18-phone-de-account'],
      ] as const) {
        await page.goto(url(path));
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        if (path.startsWith('/documents')) await page.getByRole('heading', { name: 'Diskussion' }).waitFor();
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), name).toBe(
          true,
        );
        await check(page, name);
      }
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
