import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTenant, startTestCell, type TestCell, type TestUser } from '../../../test/support/harness.ts';

let cell: TestCell;
let admin: TestUser;
let claims: Record<string, unknown>;

beforeAll(async () => {
  cell = await startTestCell();
  ({ admin } = await buildTenant(cell));
  claims = JSON.parse(Buffer.from(admin.token.split('.')[1]!, 'base64url').toString());
});
afterAll(async () => cell.close());

const realKid = () =>
  JSON.parse(Buffer.from(admin.token.split('.')[0]!, 'base64url').toString()).kid as string;
const status = async (token: string) =>
  (await cell.app.request('/v1/folders/root/children', { headers: { authorization: `Bearer ${token}` } }))
    .status;

describe('the cell refuses forged tokens itself (edge bypassed)', () => {
  it('accepts the genuine token (control)', async () => {
    expect(await status(admin.token)).toBe(200);
  });

  it('alg: none', async () => {
    expect(await status(new UnsecuredJWT(claims).encode())).toBe(401);
  });

  it('HS256 signed with the public key as the secret', async () => {
    const jwk = cell.deps.tokens.publicJwks().keys[0]!;
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: realKid() })
      .sign(secret);
    expect(await status(forged)).toBe(401);
  });

  it('signed by an attacker key under the real kid, or an unknown kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    expect(
      await status(
        await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: realKid() }).sign(privateKey),
      ),
    ).toBe(401);
    expect(
      await status(
        await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'nope' }).sign(privateKey),
      ),
    ).toBe(401);
  });

  it('expired, tampered claims (another tenant), and a token of another cell (other issuer and key)', async () => {
    const expired = await cell.deps.tokens.issueAccessToken(
      { userId: admin.userId, tenantId: admin.tenantId, role: 'admin', sessionId: String(claims.sid) },
      -120,
    );
    expect(await status(expired)).toBe(401);
    const tampered = admin.token.split('.');
    const body = { ...claims, tid: 'ten_someoneelse' };
    expect(
      await status(
        `${tampered[0]}.${Buffer.from(JSON.stringify(body)).toString('base64url')}.${tampered[2]}`,
      ),
    ).toBe(401);
    const other = await startTestCell('eu-1');
    try {
      const foreign = await other.deps.tokens.issueAccessToken({
        userId: admin.userId,
        tenantId: admin.tenantId,
        role: 'admin',
        sessionId: String(claims.sid),
      });
      expect(await status(foreign)).toBe(401);
    } finally {
      await other.close();
    }
  });
});
