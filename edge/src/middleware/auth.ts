import { ACCESS_TOKEN_ALGORITHMS, type AccessClaims, accessClaimsSchema } from '@quire/shared/tokens';
import { createMiddleware } from 'hono/factory';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { EdgeEnv } from '../context.ts';
import { EdgeError } from '../errors.ts';
import type { RouteTable, WaitUntil } from '../routing/route-table.ts';
import { websocketBearer } from '../websocket-token.ts';

/** The `typ` header the cells put on access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Skew tolerated on `exp`/`iat`. */
export const CLOCK_TOLERANCE_SECONDS = 60;

const invalid = () => new EdgeError('unauthenticated', 'invalid or expired access token');

/**
 * Verifies an access token against the cells' keys in the route table: ES256 only, the kid
 * must be a key of the cell named in `cell`, `iss` that cell's issuer, `aud` ours, `typ`
 * `at+jwt`, `exp` with skew. An unknown kid costs one rate-limited refresh of the table. The tenant/home-cell
 * check happens in the tenant middleware, once the tenant is known.
 */
export async function verifyAccessToken(
  token: string,
  o: { table: RouteTable; audience: string; waitUntil: WaitUntil; now?: number },
): Promise<AccessClaims> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw invalid();
  }
  if (!(ACCESS_TOKEN_ALGORITHMS as readonly unknown[]).includes(header.alg)) throw invalid();
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) throw invalid();
  const found = await o.table.key(header.kid, o.waitUntil);
  if (!found) throw invalid();
  const now = Math.floor((o.now ?? Date.now()) / 1000);
  const { key, cryptoKey } = found;
  if (key.retiresAt !== null && now > key.retiresAt + CLOCK_TOLERANCE_SECONDS) throw invalid();
  const cell = o.table.cell(key.cellId);
  if (!cell) throw invalid();
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, cryptoKey, {
      algorithms: [...ACCESS_TOKEN_ALGORITHMS],
      issuer: cell.issuer,
      audience: o.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      // Access tokens only: another JWT a cell might sign with the same key is not a credential here.
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ['exp', 'iat', 'sub', 'tid', 'cell'],
      currentDate: new Date(now * 1000),
    }));
  } catch {
    throw invalid();
  }
  const claims = accessClaimsSchema.safeParse(payload);
  if (!claims.success || claims.data.cell !== key.cellId) throw invalid();
  return claims.data;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** The browser session's access-token cookie (the cells' `__Host-quire_at`, HttpOnly). */
export const ACCESS_COOKIE = '__Host-quire_at';

/** The access token of a browser session, from the Cookie header (never logged). */
export function accessCookie(header: string | undefined): string | null {
  if (!header || header.length > 16_384) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === ACCESS_COOKIE) {
      const value = part.slice(i + 1).trim();
      return JWT.test(value) && value.length <= 4096 ? value : null;
    }
  }
  return null;
}

/**
 * Verifies the bearer token when there is one, else a browser session's access-token cookie.
 * Requests without a valid token spend from the client IP's bucket (429 when empty), so
 * forged tokens and unknown kids cannot be used to hammer the control plane or the cells. A
 * cookie that does not verify (expired, typically, on the way to /v1/auth/refresh) counts as
 * no token: the request goes on by its hostname and the cell decides.
 */
export const authenticate = () =>
  createMiddleware<EdgeEnv>(async (c, next) => {
    const { table, limiter, config } = c.var.state;
    const spend = () => {
      const taken = limiter.take(c.var.clientIp ?? 'unknown');
      if (!taken.ok) throw new EdgeError('rate_limited', 'too many requests', taken.retryAfterSeconds);
    };
    const verify = (token: string) =>
      verifyAccessToken(token, {
        table,
        audience: config.JWT_AUDIENCE,
        waitUntil: (p) => c.executionCtx.waitUntil(p),
      });
    const header = c.req.header('authorization') ?? websocketBearer(c.req.raw.headers);
    if (header === undefined) {
      const cookie = accessCookie(c.req.header('cookie'));
      const claims = cookie ? await verify(cookie).catch(() => null) : null;
      if (!claims) spend();
      c.set('claims', claims);
      return next();
    }
    const token = BEARER.exec(header.trim())?.[1];
    try {
      if (!token) throw invalid();
      c.set('claims', await verify(token));
    } catch (err) {
      spend();
      throw err;
    }
    return next();
  });
