import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from '../adapters/keyring/port.ts';

/**
 * Small secrets of a tenant (TOTP seeds, an IdP's client secret) encrypted under the tenant's
 * key: a fresh data key per secret, wrapped by the keyring with the tenant bound, AES-256-GCM
 * with the tenant and the secret's purpose as associated data (a sealed value copied to
 * another tenant, row or purpose does not open). Crypto-shredding the tenant's key shreds them.
 *
 *   sealed = version (1) | wrapped key length (2) | wrapped key | iv (12) | tag (16) | ciphertext
 */
const VERSION = 1;

export async function sealSecret(
  keyring: Keyring,
  tenantId: string,
  purpose: string,
  plaintext: Buffer,
): Promise<Buffer> {
  const key = await keyring.generateDataKey(tenantId);
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv);
    cipher.setAAD(Buffer.from(`${tenantId}|${purpose}`));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(key.wrapped.length);
    return Buffer.concat([Buffer.of(VERSION), len, key.wrapped, iv, cipher.getAuthTag(), ct]);
  } finally {
    key.plaintext.fill(0);
  }
}

export async function openSecret(
  keyring: Keyring,
  tenantId: string,
  purpose: string,
  sealed: Buffer,
): Promise<Buffer> {
  if (sealed[0] !== VERSION) throw new Error('sealed secret of an unknown version');
  const len = sealed.readUInt16BE(1);
  const wrapped = sealed.subarray(3, 3 + len);
  const iv = sealed.subarray(3 + len, 15 + len);
  const tag = sealed.subarray(15 + len, 31 + len);
  const ct = sealed.subarray(31 + len);
  const key = await keyring.unwrapDataKey(tenantId, wrapped);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(`${tenantId}|${purpose}`));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } finally {
    key.fill(0);
  }
}
