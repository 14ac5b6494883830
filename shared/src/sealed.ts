import { CompactEncrypt, compactDecrypt, importJWK, type JWK } from 'jose';

/**
 * Personal data that must cross the control plane without being readable there (the first
 * admin's email and name at provisioning): the control plane seals it to the target cell's
 * public sealing key (JWE, ECDH-ES+A256KW with A256GCM) and may keep only the ciphertext, which
 * no one but that cell can open. The sealed payload is bound to one tenant by `purpose`.
 */
const ALG = 'ECDH-ES+A256KW';
const ENC = 'A256GCM';

export async function sealForCell(
  cellKey: JWK & { kid: string },
  purpose: string,
  payload: unknown,
): Promise<string> {
  const key = await importJWK({ ...cellKey, alg: ALG }, ALG);
  const body = new TextEncoder().encode(JSON.stringify({ purpose, payload }));
  return new CompactEncrypt(body).setProtectedHeader({ alg: ALG, enc: ENC, kid: cellKey.kid }).encrypt(key);
}

/** Opens a sealed payload with the cell's private key; throws unless it was sealed for `purpose`. */
export async function openSealed(
  privateKey: Parameters<typeof compactDecrypt>[1],
  purpose: string,
  jwe: string,
): Promise<unknown> {
  const { plaintext } = await compactDecrypt(jwe, privateKey, {
    keyManagementAlgorithms: [ALG],
    contentEncryptionAlgorithms: [ENC],
  });
  const parsed = JSON.parse(new TextDecoder().decode(plaintext)) as { purpose?: unknown; payload?: unknown };
  if (parsed.purpose !== purpose) throw new Error('sealed payload was sealed for another purpose');
  return parsed.payload;
}
