import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from '../../adapters/keyring/port.ts';

/**
 * A webhook's signing secret, kept encrypted under the tenant's key (a fresh data key,
 * AES-256-GCM, the webhook id as authenticated data): never stored or logged in clear.
 */
export async function sealSecret(keyring: Keyring, tenantId: string, webhookId: string, secret: string) {
  const dataKey = await keyring.generateDataKey(tenantId);
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey.plaintext, iv);
    cipher.setAAD(Buffer.from(`quire/v1/${tenantId}/webhooks/${webhookId}`));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return {
      secretCiphertext: Buffer.concat([iv, cipher.getAuthTag(), body]),
      secretWrappedKey: dataKey.wrapped,
      secretKeyRef: dataKey.keyRef,
    };
  } finally {
    dataKey.plaintext.fill(0);
  }
}

export async function openSecret(
  keyring: Keyring,
  tenantId: string,
  webhookId: string,
  sealed: { secretCiphertext: Buffer; secretWrappedKey: Buffer },
): Promise<string> {
  const key = await keyring.unwrapDataKey(tenantId, sealed.secretWrappedKey);
  try {
    const data = sealed.secretCiphertext;
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(`quire/v1/${tenantId}/webhooks/${webhookId}`));
    decipher.setAuthTag(data.subarray(12, 28));
    return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
  } finally {
    key.fill(0);
  }
}
