import { randomBytes } from 'node:crypto';
import { silentLogger } from '@quire/shared/log';
import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from '../src/crypto/secret-box.ts';
import { createDeps } from '../src/deps.ts';
import { parseEnv } from '../src/env.ts';

const base = {
  DATABASE_URL: 'postgres://app:pw@127.0.0.1:1/cp',
  OPS_BOOTSTRAP_TOKEN: 'o'.repeat(32),
  EDGE_TOKEN: 'e'.repeat(32),
  SECRET_KEY: randomBytes(32).toString('hex'),
};

describe('configuration', () => {
  it('takes SECRET_KEY as 64 hex or base64/base64url characters of exactly 32 bytes', () => {
    const key = randomBytes(32);
    for (const encoded of [key.toString('hex'), key.toString('base64'), key.toString('base64url')])
      expect(parseEnv({ ...base, SECRET_KEY: encoded }).SECRET_KEY.equals(key)).toBe(true);
    for (const bad of ['short', randomBytes(16).toString('hex'), randomBytes(48).toString('base64')])
      expect(() => parseEnv({ ...base, SECRET_KEY: bad })).toThrow(/SECRET_KEY/);
  });

  it('refuses short credentials and a missing database, naming each variable', () => {
    expect(() => parseEnv({ ...base, OPS_BOOTSTRAP_TOKEN: 'short' })).toThrow(/OPS_BOOTSTRAP_TOKEN/);
    expect(() => parseEnv({ ...base, EDGE_TOKEN: 'short' })).toThrow(/EDGE_TOKEN/);
    expect(() => parseEnv({ ...base, DATABASE_URL: undefined })).toThrow(/DATABASE_URL/);
    expect(parseEnv(base)).toMatchObject({ PORT: 8070, HEARTBEAT_TIMEOUT_SECONDS: 30, LOG_LEVEL: 'info' });
  });

  it('never arms the crash failpoint in production', async () => {
    const armed = createDeps(parseEnv({ ...base, CP_FAILPOINT: 'after-cell-provisioned' }), silentLogger);
    const prod = createDeps(
      parseEnv({ ...base, CP_FAILPOINT: 'after-cell-provisioned', NODE_ENV: 'production' }),
      silentLogger,
    );
    expect(armed.deps.failpoint).toBe('after-cell-provisioned');
    expect(prod.deps.failpoint).toBeUndefined();
    await armed.close();
    await prod.close();
  });
});

describe('secret box (cell credentials at rest)', () => {
  const key = randomBytes(32);
  it('round-trips, and refuses another key, another owner or a tampered value', () => {
    const sealed = sealSecret(key, 'qcc_secret', 'eu-1');
    expect(sealed).not.toContain('qcc_secret');
    expect(openSecret(key, sealed, 'eu-1')).toBe('qcc_secret');
    expect(() => openSecret(randomBytes(32), sealed, 'eu-1')).toThrow();
    expect(() => openSecret(key, sealed, 'us-1')).toThrow();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(() => openSecret(key, parts.join('.'), 'eu-1')).toThrow();
  });
});
