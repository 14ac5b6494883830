import { z } from '@hono/zod-openapi';
import { TENANT_ROLES } from '@quire/shared/tenancy';
import type { Context } from 'hono';
import { setSessionCookies } from '../../auth/browser.ts';
import { USER_STATUSES } from '../../db/schema/index.ts';
import type { IssuedSession } from './session-store.ts';
import type { LoginOutcome } from './verbs/login.ts';

export const tokenPairSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().describe('Seconds the access token is valid'),
  })
  .openapi('TokenPair');

export const cookieSessionSchema = z
  .object({
    tokenType: z.literal('cookie'),
    csrfToken: z.string().describe('Send in x-csrf-token on every state change made with the cookie'),
    expiresIn: z.number(),
  })
  .openapi('CookieSession');

export const mfaChallengeSchema = z
  .object({
    mfaRequired: z.literal(true),
    mfaToken: z.string().describe('Opaque, single-use, 5 minutes: send to POST /v1/auth/mfa/verify'),
    methods: z.array(z.enum(['totp', 'recovery_code'])),
    enrollmentRequired: z
      .boolean()
      .describe('No factor enrolled yet: POST /v1/auth/mfa/enroll first, then verify the first code'),
    expiresIn: z.number(),
  })
  .openapi('MfaChallenge');

/** A person of the tenant, as admins see them (verbs/directory.ts `presentUser`). */
export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(TENANT_ROLES),
    status: z
      .enum(USER_STATUSES)
      .describe(
        'invited: no password or SSO sign-in yet; disabled: cannot sign in; offboarded: gone, their work transferred',
      ),
    breakGlass: z
      .boolean()
      .describe('A break-glass account: signs in only while single sign-on is unavailable'),
    scimManaged: z.boolean().describe('Provisioned by the identity provider over SCIM'),
    createdAt: z.string(),
    disabledAt: z.string().nullable(),
    offboardedAt: z.string().nullable(),
  })
  .openapi('User');

export const loginResultSchema = z.union([tokenPairSchema, cookieSessionSchema, mfaChallengeSchema]);

/** A session as the client asked for it: a token pair in the body, or cookies (browser). */
export function presentSession(c: Context, s: IssuedSession) {
  if (s.kind === 'cookie') {
    setSessionCookies(c, {
      accessToken: s.accessToken,
      refreshToken: s.refreshToken,
      csrfToken: s.csrfToken!,
      accessTtlSeconds: s.expiresIn,
      refreshTtlSeconds: s.refreshExpiresIn,
    });
    return { tokenType: 'cookie' as const, csrfToken: s.csrfToken!, expiresIn: s.expiresIn };
  }
  return {
    accessToken: s.accessToken,
    refreshToken: s.refreshToken,
    tokenType: 'Bearer' as const,
    expiresIn: s.expiresIn,
  };
}

export function presentLogin(c: Context, outcome: LoginOutcome) {
  if (outcome.type === 'mfa')
    return {
      mfaRequired: true as const,
      mfaToken: outcome.challenge,
      methods: outcome.methods,
      enrollmentRequired: outcome.enrollmentRequired,
      expiresIn: outcome.expiresIn,
    };
  return presentSession(c, outcome.session);
}
