import { z } from 'zod';
import { TENANT_ROLES } from './tenancy.ts';

/** Claims of a Quire access token, issued by the tenant's home cell and verified by the edge and the cell. */
export const accessClaimsSchema = z.object({
  sub: z.string().min(1),
  tid: z.string().min(1),
  cell: z.string().min(1),
  roles: z.array(z.enum(TENANT_ROLES)).min(1),
  sid: z.string().min(1),
  iss: z.string().min(1),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number().int(),
  iat: z.number().int(),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

/** Only asymmetric algorithms: a verifier never holds a secret that could mint tokens. */
export const ACCESS_TOKEN_ALGORITHMS = ['ES256'] as const;
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
