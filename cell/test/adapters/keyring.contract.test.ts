import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKmsClient, KmsKeyring } from '../../src/adapters/keyring/kms.ts';
import { LocalKeyring } from '../../src/adapters/keyring/local.ts';
import { type Keyring, KeyringError } from '../../src/adapters/keyring/port.ts';

const KMS_ENDPOINT = process.env.QUIRE_KMS_ENDPOINT ?? 'http://127.0.0.1:45690';

interface Harness {
  keyring: Keyring;
  /** A second, independent instance over the same storage (another process, or after a restart). */
  reopen(): Keyring;
  teardown(): Promise<void>;
}

async function localHarness(): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-keyring-'));
  return {
    keyring: new LocalKeyring(dir),
    reopen: () => new LocalKeyring(dir),
    teardown: () => rm(dir, { recursive: true, force: true }),
  };
}

async function kmsHarness(): Promise<Harness> {
  const newClient = () =>
    createKmsClient({
      endpoint: KMS_ENDPOINT,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  const clients = [newClient()];
  try {
    await clients[0]?.send(new ListKeysCommand({ Limit: 1 }));
  } catch (err) {
    // Fail loudly: these tests exist to run against a real KMS endpoint.
    throw new Error(`KMS endpoint ${KMS_ENDPOINT} is unreachable (start it: bash infra/local/stack.sh up)`, {
      cause: err,
    });
  }
  // A fresh cell id per run keeps this file's aliases apart from every other run on the shared server.
  const cellId = `test-${randomBytes(5).toString('hex')}`;
  const make = () => {
    const client = newClient();
    clients.push(client);
    return new KmsKeyring({ client, cellId });
  };
  return {
    keyring: make(),
    reopen: make,
    async teardown() {
      for (const client of clients) client.destroy();
    },
  };
}

function newTenant(): string {
  return `ten_${randomBytes(6).toString('hex')}`;
}

describe.each([
  ['LocalKeyring', localHarness],
  ['KmsKeyring', kmsHarness],
])('Keyring contract: %s', (_name, makeHarness) => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness();
  });
  afterAll(async () => {
    await h?.teardown();
  });

  it('ensureTenantKey is idempotent, across instances and under concurrent calls', async () => {
    const tenant = newTenant();
    const refs = await Promise.all([1, 2, 3, 4].map(() => h.keyring.ensureTenantKey(tenant)));
    expect(new Set(refs).size).toBe(1);
    const ref = refs[0];
    expect(ref).toEqual(expect.any(String));
    expect(await h.keyring.ensureTenantKey(tenant)).toBe(ref);
    expect(await h.reopen().ensureTenantKey(tenant)).toBe(ref);
    expect(await h.keyring.ensureTenantKey(newTenant())).not.toBe(ref);
  });

  it('generates a fresh 32-byte data key each call, wrapped under the tenant key', async () => {
    const tenant = newTenant();
    const ref = await h.keyring.ensureTenantKey(tenant);
    const a = await h.keyring.generateDataKey(tenant);
    const b = await h.keyring.generateDataKey(tenant);
    expect(a.plaintext.length).toBe(32);
    expect(b.plaintext.length).toBe(32);
    expect(a.plaintext.equals(b.plaintext)).toBe(false);
    expect(a.wrapped.equals(b.wrapped)).toBe(false);
    expect(a.wrapped.includes(a.plaintext)).toBe(false);
    expect(a.keyRef).toBe(ref);
  });

  it('unwraps what it wrapped, also from a fresh instance (persistence)', async () => {
    const tenant = newTenant();
    await h.keyring.ensureTenantKey(tenant);
    const key = await h.keyring.generateDataKey(tenant);
    expect((await h.keyring.unwrapDataKey(tenant, key.wrapped)).equals(key.plaintext)).toBe(true);
    expect((await h.reopen().unwrapDataKey(tenant, key.wrapped)).equals(key.plaintext)).toBe(true);
  });

  it("refuses to unwrap tenant A's data key as tenant B", async () => {
    const a = newTenant();
    const b = newTenant();
    await h.keyring.ensureTenantKey(a);
    const key = await h.keyring.generateDataKey(a);
    // B without a key, then B with its own key: both refuse.
    await expect(h.keyring.unwrapDataKey(b, key.wrapped)).rejects.toBeInstanceOf(KeyringError);
    await h.keyring.ensureTenantKey(b);
    await expect(h.keyring.unwrapDataKey(b, key.wrapped)).rejects.toBeInstanceOf(KeyringError);
  });

  it('refuses a damaged wrapped key', async () => {
    const tenant = newTenant();
    await h.keyring.ensureTenantKey(tenant);
    const { wrapped } = await h.keyring.generateDataKey(tenant);
    const damaged = Buffer.from(wrapped);
    const at = damaged.length - 5;
    damaged[at] = (damaged[at] ?? 0) ^ 0x01;
    await expect(h.keyring.unwrapDataKey(tenant, damaged)).rejects.toBeInstanceOf(KeyringError);
  });

  it('does not create a key implicitly in generateDataKey', async () => {
    await expect(h.keyring.generateDataKey(newTenant())).rejects.toBeInstanceOf(KeyringError);
  });

  it('shreds: after destroyTenantKey nothing of the tenant unwraps, in any instance', async () => {
    const tenant = newTenant();
    const other = newTenant();
    const ref = await h.keyring.ensureTenantKey(tenant);
    await h.keyring.ensureTenantKey(other);
    const key = await h.keyring.generateDataKey(tenant);
    const otherKey = await h.keyring.generateDataKey(other);
    const elsewhere = h.reopen();
    expect((await elsewhere.unwrapDataKey(tenant, key.wrapped)).equals(key.plaintext)).toBe(true); // warms its cache

    await h.keyring.destroyTenantKey(tenant);
    await h.keyring.destroyTenantKey(tenant); // idempotent

    await expect(h.keyring.unwrapDataKey(tenant, key.wrapped)).rejects.toBeInstanceOf(KeyringError);
    await expect(elsewhere.unwrapDataKey(tenant, key.wrapped)).rejects.toBeInstanceOf(KeyringError);
    await expect(h.reopen().unwrapDataKey(tenant, key.wrapped)).rejects.toBeInstanceOf(KeyringError);
    await expect(h.keyring.generateDataKey(tenant)).rejects.toBeInstanceOf(KeyringError);
    // Other tenants are untouched.
    expect((await h.keyring.unwrapDataKey(other, otherKey.wrapped)).equals(otherKey.plaintext)).toBe(true);

    // A new key for the same id is a different key: the old data stays unreadable.
    const newRef = await h.keyring.ensureTenantKey(tenant);
    expect(newRef).not.toBe(ref);
    await expect(h.keyring.unwrapDataKey(tenant, key.wrapped)).rejects.toBeInstanceOf(KeyringError);
  });

  it('rejects malformed tenant ids', async () => {
    for (const bad of ['', 'acme', '../ten_a', 'ten_A', 'ten_a/b', `ten_${'a'.repeat(41)}`]) {
      await expect(h.keyring.ensureTenantKey(bad)).rejects.toBeInstanceOf(KeyringError);
      await expect(h.keyring.generateDataKey(bad)).rejects.toBeInstanceOf(KeyringError);
    }
  });
});

describe('LocalKeyring files', () => {
  it('creates master.key with mode 0600 and one KEK file per tenant', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-keyring-'));
    try {
      const keyring = new LocalKeyring(dir);
      const tenant = newTenant();
      await keyring.ensureTenantKey(tenant);
      const master = await stat(path.join(dir, 'master.key'));
      expect(master.size).toBe(32);
      expect(master.mode & 0o777).toBe(0o600);
      expect((await stat(path.join(dir, 'tenants', `${tenant}.kek`))).isFile()).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
