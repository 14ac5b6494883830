import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenService } from '../../src/auth/token-service.ts';

let tokens: TokenService;
const input = { userId: 'usr_cache', tenantId: 'ten_cache', role: 'editor' as const, sessionId: 'ses_cache' };

beforeAll(async () => {
  tokens = await TokenService.load({
    cellId: 'us-1',
    issuer: 'https://us-1.cells.test',
    audience: 'quire',
    keyFile: join(mkdtempSync(join(tmpdir(), 'quire-tokens-')), 'keys.json'),
  });
});
afterEach(() => vi.useRealTimers());

describe('access token verification', () => {
  it('a token verified once is still refused after it expires', async () => {
    const token = await tokens.issueAccessToken(input, 60);
    expect((await tokens.verifyAccessToken(token)).sub).toBe('usr_cache');
    expect((await tokens.verifyAccessToken(token)).sub).toBe('usr_cache');
    vi.useFakeTimers({ now: Date.now() + 95_000, toFake: ['Date'] }); // past exp + 30 s skew
    await expect(tokens.verifyAccessToken(token)).rejects.toThrow(/expired/);
  });

  it('a remembered token does not vouch for a forged one that differs by a byte', async () => {
    const token = await tokens.issueAccessToken(input, 60);
    await tokens.verifyAccessToken(token);
    const [h, p, s] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), roles: ['admin'] }),
    ).toString('base64url');
    await expect(tokens.verifyAccessToken(`${h}.${forgedPayload}.${s}`)).rejects.toThrow();
    const flipped = `${s!.slice(0, -2)}${s!.endsWith('AA') ? 'AB' : 'AA'}`;
    await expect(tokens.verifyAccessToken(`${h}.${p}.${flipped}`)).rejects.toThrow();
  });
});
