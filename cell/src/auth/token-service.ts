import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Unauthenticated } from '@quire/shared/errors';
import type { TenantRole } from '@quire/shared/tenancy';
import { ACCESS_TOKEN_TTL_SECONDS, type AccessClaims, accessClaimsSchema } from '@quire/shared/tokens';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';
import { createFileOnce } from '../adapters/durable-fs.ts';

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/** Tokens whose signature was checked, kept until they expire (bounded; oldest out first). */
const VERIFIED_CACHE_MAX = 20_000;
const CLOCK_TOLERANCE_SECONDS = 30;

interface StoredKey {
  kid: string;
  createdAt: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface AccessTokenInput {
  userId: string;
  tenantId: string;
  role: TenantRole;
  sessionId: string;
}

/**
 * The cell's token authority: signs ES256 access tokens with its newest key and
 * publishes every key it still honours as a JWKS (rotation keeps old keys until the
 * tokens they signed have expired).
 */
export class TokenService {
  readonly cellId: string;
  readonly issuer: string;
  readonly audience: string;
  private readonly signing: { kid: string; key: SigningKey };
  private readonly jwks: { keys: JWK[] };
  private readonly verifyKey: JWTVerifyGetKey;
  /**
   * An ES256 signature check costs more CPU than the rest of a metadata read. A token's
   * signature cannot change, so a verified token is remembered until it expires; everything
   * that can change (session revoked, user disabled, role) is read from the database on
   * every request, not from here. The keys never change in a running process.
   */
  private readonly verified = new Map<string, AccessClaims>();
  /** HMAC key for CSRF tokens, derived from the newest signing key (every process of the cell agrees). */
  private readonly csrfKey: Buffer;

  private constructor(
    cellId: string,
    issuer: string,
    audience: string,
    signing: { kid: string; key: SigningKey },
    publics: JWK[],
    csrfKey: Buffer,
  ) {
    this.cellId = cellId;
    this.issuer = issuer;
    this.audience = audience;
    this.signing = signing;
    this.jwks = { keys: publics };
    this.verifyKey = createLocalJWKSet(this.jwks);
    this.csrfKey = csrfKey;
  }

  static async load(o: {
    cellId: string;
    issuer: string;
    audience: string;
    keyFile: string;
  }): Promise<TokenService> {
    const keys = await loadOrCreateKeys(o.keyFile);
    const newest = keys[keys.length - 1]!;
    const key = (await importJWK(newest.privateJwk, 'ES256')) as SigningKey;
    const publics = keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: 'ES256', use: 'sig' }));
    const csrfKey = Buffer.from(
      hkdfSync(
        'sha256',
        Buffer.from(String(newest.privateJwk.d), 'base64url'),
        newest.kid,
        'quire csrf v1',
        32,
      ),
    );
    return new TokenService(o.cellId, o.issuer, o.audience, { kid: newest.kid, key }, publics, csrfKey);
  }

  /**
   * The CSRF token of a browser session: bound to the session id, so it cannot be reused for
   * another session, and unknowable without the cell's key (a cross-site form cannot send it).
   */
  csrfToken(sessionId: string): string {
    return createHmac('sha256', this.csrfKey).update(`csrf:${sessionId}`).digest('base64url');
  }

  checkCsrf(sessionId: string, presented: string): boolean {
    const expected = Buffer.from(this.csrfToken(sessionId));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  publicJwks(): { keys: JWK[] } {
    return this.jwks;
  }

  async issueAccessToken(input: AccessTokenInput, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS): Promise<string> {
    return new SignJWT({ tid: input.tenantId, cell: this.cellId, roles: [input.role], sid: input.sessionId })
      .setProtectedHeader({ alg: 'ES256', kid: this.signing.kid, typ: 'at+jwt' })
      .setSubject(input.userId)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.signing.key);
  }

  /** Signature, algorithm allow-list, iss, aud, exp (30 s skew), then the claim shape. */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000) return known;
      this.verified.delete(token);
      throw new Unauthenticated('token is invalid or expired');
    }
    try {
      const { payload } = await jwtVerify(token, this.verifyKey, {
        algorithms: ['ES256'],
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      const claims = accessClaimsSchema.safeParse(payload);
      if (!claims.success) throw new Unauthenticated('token claims are invalid');
      if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims.data);
      return claims.data;
    } catch (err) {
      if (err instanceof Unauthenticated) throw err;
      throw new Unauthenticated('token is invalid or expired');
    }
  }
}

async function loadOrCreateKeys(file: string): Promise<StoredKey[]> {
  if (existsSync(file)) {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { keys: StoredKey[] };
    if (!Array.isArray(parsed.keys) || parsed.keys.length === 0)
      throw new Error(`no signing keys in ${file}`);
    return parsed.keys;
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const key: StoredKey = {
    kid: `k${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    createdAt: new Date().toISOString(),
    privateJwk: await exportJWK(privateKey),
    publicJwk: await exportJWK(publicKey),
  };
  await mkdir(dirname(file), { recursive: true });
  // Two processes booting at once: the first key file wins and both use it.
  if (!(await createFileOnce(file, Buffer.from(JSON.stringify({ keys: [key] }, null, 2)))))
    return loadOrCreateKeys(file);
  return [key];
}
