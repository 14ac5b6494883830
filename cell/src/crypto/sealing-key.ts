import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SealingJwk } from '@quire/shared/routing';
import { openSealed } from '@quire/shared/sealed';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { createFileOnce } from '../adapters/durable-fs.ts';

const ALG = 'ECDH-ES+A256KW';

interface StoredSealingKey {
  kid: string;
  createdAt: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * The cell's key for sealed payloads: the control plane seals personal data (the first
 * admin at provisioning) to its public half, so only this cell can read it. Kept in a
 * local file like the signing keys, created on first boot.
 */
export class SealingKey {
  readonly publicJwk: SealingJwk;
  private readonly privateKey: Awaited<ReturnType<typeof importJWK>>;

  private constructor(publicJwk: SealingJwk, privateKey: Awaited<ReturnType<typeof importJWK>>) {
    this.publicJwk = publicJwk;
    this.privateKey = privateKey;
  }

  static async load(file: string): Promise<SealingKey> {
    const stored = await loadOrCreate(file);
    const privateKey = await importJWK(stored.privateJwk, ALG);
    const publicJwk = { ...stored.publicJwk, kid: stored.kid, alg: ALG, use: 'enc' } as SealingJwk;
    return new SealingKey(publicJwk, privateKey);
  }

  open(purpose: string, jwe: string): Promise<unknown> {
    return openSealed(this.privateKey, purpose, jwe);
  }
}

async function loadOrCreate(file: string): Promise<StoredSealingKey> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as StoredSealingKey;
  const { privateKey, publicKey } = await generateKeyPair(ALG, { crv: 'P-256', extractable: true });
  const key: StoredSealingKey = {
    kid: `s${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    createdAt: new Date().toISOString(),
    privateJwk: await exportJWK(privateKey),
    publicJwk: await exportJWK(publicKey),
  };
  await mkdir(dirname(file), { recursive: true });
  if (!(await createFileOnce(file, Buffer.from(JSON.stringify(key, null, 2))))) return loadOrCreate(file);
  return key;
}
