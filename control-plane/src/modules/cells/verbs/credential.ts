import { randomToken, sealSecret, sha256Hex } from '../../../crypto/secret-box.ts';

/**
 * A fresh cell credential: shown once in clear, kept as its sha256 (to check the cell's calls)
 * and sealed under SECRET_KEY, bound to the cell id (to call the cell's internal API).
 */
export function newCredential(secretKey: Buffer, cellId: string) {
  const credential = randomToken('qcc');
  return {
    credential,
    stored: {
      credentialHash: sha256Hex(credential),
      credentialSealed: sealSecret(secretKey, credential, cellId),
    },
  };
}
