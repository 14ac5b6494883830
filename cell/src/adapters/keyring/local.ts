import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { createFileOnce, errno, fsyncDir } from '../durable-fs.ts';
import { type DataKey, type Keyring, KeyringError } from './port.ts';

/** Wrapped-key layout: version (1) | nonce (12) | GCM tag (16) | ciphertext. */
const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const HEADER_BYTES = 1 + NONCE_BYTES + TAG_BYTES;

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_VERSION), nonce, cipher.getAuthTag(), ciphertext]);
}

function unseal(key: Buffer, sealed: Buffer, aad: Buffer, what: string): Buffer {
  if (sealed.length !== HEADER_BYTES + KEY_BYTES || sealed[0] !== FORMAT_VERSION) {
    throw new KeyringError(`${what} is malformed or of an unknown format`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + NONCE_BYTES));
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(1 + NONCE_BYTES, HEADER_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
  } catch (err) {
    throw new KeyringError(`${what} does not authenticate (wrong tenant, wrong key or damaged)`, {
      cause: err,
    });
  }
}

function assertTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new KeyringError(`invalid tenant id: ${JSON.stringify(tenantId)}`);
  }
}

interface CachedKek {
  kek: Buffer;
  keyRef: string;
  /** File identity when it was read: a destroyed (or destroyed and recreated) key is noticed by any process. */
  stamp: string;
}

/**
 * The embedded default keyring. `master.key` (32 random bytes, mode 0600) wraps
 * one KEK per tenant in `tenants/<tenantId>.kek` (AAD = tenant id, so KEK files
 * cannot be swapped between tenants); each KEK wraps that tenant's data keys
 * (AAD = `tenant_id=<id>`, mirroring KMS encryption context). Deleting a KEK file
 * shreds the tenant: the master key alone cannot recover it.
 */
export class LocalKeyring implements Keyring {
  readonly #dir: string;
  readonly #tenantsDir: string;
  #master: Promise<Buffer> | undefined;
  readonly #keks = new Map<string, CachedKek>();

  constructor(dir: string) {
    this.#dir = path.resolve(dir);
    this.#tenantsDir = path.join(this.#dir, 'tenants');
  }

  #kekFile(tenantId: string): string {
    return path.join(this.#tenantsDir, `${tenantId}.kek`);
  }

  #masterKey(): Promise<Buffer> {
    this.#master ??= this.#loadMaster().catch((err: unknown) => {
      this.#master = undefined; // let a later call retry (e.g. after a permissions fix)
      throw err;
    });
    return this.#master;
  }

  async #loadMaster(): Promise<Buffer> {
    await mkdir(this.#tenantsDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.#dir, 'master.key');
    try {
      await stat(file);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
      await createFileOnce(file, randomBytes(KEY_BYTES));
    }
    const master = await readFile(file);
    if (master.length !== KEY_BYTES) throw new KeyringError(`${file} is not a 32-byte key`);
    return master;
  }

  /** A stable reference that changes if the tenant's key is destroyed and created again. */
  static #keyRef(tenantId: string, sealed: Buffer): string {
    return `local:${tenantId}:${createHash('sha256').update(sealed).digest('hex').slice(0, 16)}`;
  }

  async ensureTenantKey(tenantId: string): Promise<string> {
    assertTenantId(tenantId);
    const master = await this.#masterKey();
    const file = this.#kekFile(tenantId);
    try {
      return LocalKeyring.#keyRef(tenantId, await readFile(file));
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
    await createFileOnce(file, seal(master, randomBytes(KEY_BYTES), Buffer.from(tenantId)));
    // Whoever won a creation race, the file now holds the one key.
    return LocalKeyring.#keyRef(tenantId, await readFile(file));
  }

  /** The tenant's KEK, from cache while its file is unchanged; a stat per call keeps destruction immediate. */
  async #kek(tenantId: string): Promise<CachedKek> {
    assertTenantId(tenantId);
    const master = await this.#masterKey();
    const file = this.#kekFile(tenantId);
    let sealed: Buffer;
    let stamp: string;
    try {
      const st = await stat(file, { bigint: true });
      stamp = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      const cached = this.#keks.get(tenantId);
      if (cached?.stamp === stamp) return cached;
      sealed = await readFile(file);
    } catch (err) {
      if (errno(err) === 'ENOENT') {
        this.#keks.delete(tenantId);
        throw new KeyringError(`tenant ${tenantId} has no key (never created, or destroyed)`);
      }
      throw err;
    }
    const kek = unseal(master, sealed, Buffer.from(tenantId), `key file of ${tenantId}`);
    const entry = { kek, keyRef: LocalKeyring.#keyRef(tenantId, sealed), stamp };
    this.#keks.set(tenantId, entry);
    return entry;
  }

  async generateDataKey(tenantId: string): Promise<DataKey> {
    const { kek, keyRef } = await this.#kek(tenantId);
    const plaintext = randomBytes(KEY_BYTES);
    const wrapped = seal(kek, plaintext, Buffer.from(`tenant_id=${tenantId}`));
    return { plaintext, wrapped, keyRef };
  }

  async unwrapDataKey(tenantId: string, wrapped: Buffer): Promise<Buffer> {
    const { kek } = await this.#kek(tenantId);
    return unseal(kek, wrapped, Buffer.from(`tenant_id=${tenantId}`), 'wrapped data key');
  }

  async destroyTenantKey(tenantId: string): Promise<void> {
    assertTenantId(tenantId);
    this.#keks.delete(tenantId);
    try {
      await unlink(this.#kekFile(tenantId));
    } catch (err) {
      if (errno(err) === 'ENOENT') return;
      throw err;
    }
    await fsyncDir(this.#tenantsDir);
  }
}
