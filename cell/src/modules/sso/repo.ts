import { NotFound } from '@quire/shared/errors';
import { and, eq } from 'drizzle-orm';
import type { CellDeps } from '../../context.ts';
import { openSecret } from '../../crypto/secret-box.ts';
import { ssoConnections } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { type Mapping, mappingSchema, type OidcConfig, type SamlConfig } from './config.ts';

export type ConnectionRow = typeof ssoConnections.$inferSelect;

export const secretPurpose = (connectionId: string) => `sso-client-secret:${connectionId}`;

export async function findConnection(tx: Tx, tenantId: string, id: string): Promise<ConnectionRow> {
  const [row] = await tx
    .select()
    .from(ssoConnections)
    .where(and(eq(ssoConnections.tenantId, tenantId), eq(ssoConnections.id, id)));
  if (!row) throw new NotFound('SSO connection', { resourceType: 'sso_connection', resourceId: id });
  return row;
}

export async function enabledConnections(tx: Tx, tenantId: string): Promise<ConnectionRow[]> {
  return tx
    .select()
    .from(ssoConnections)
    .where(and(eq(ssoConnections.tenantId, tenantId), eq(ssoConnections.enabled, true)));
}

export const oidcConfigOf = (c: ConnectionRow) => c.config as unknown as OidcConfig;
export const samlConfigOf = (c: ConnectionRow) => c.config as unknown as SamlConfig;
export const mappingOf = (c: ConnectionRow): Mapping => mappingSchema.parse(c.mapping ?? {});

export async function clientSecretOf(deps: CellDeps, c: ConnectionRow): Promise<string | undefined> {
  if (!c.secretEnc) return undefined;
  return (await openSecret(deps.keyring, c.tenantId, secretPurpose(c.id), c.secretEnc)).toString('utf8');
}

/** The SP entity id of a connection: bound to the tenant and the connection (the audience of its assertions). */
export const spEntityId = (tenantId: string, connectionId: string) =>
  `urn:quire:sp:${tenantId}:${connectionId}`;

export function presentConnection(c: ConnectionRow) {
  return {
    id: c.id,
    protocol: c.protocol,
    name: c.name,
    enabled: c.enabled,
    jit: c.jit,
    config: c.config,
    hasClientSecret: c.secretEnc !== null,
    mapping: mappingOf(c),
    ...(c.protocol === 'saml' ? { spEntityId: spEntityId(c.tenantId, c.id) } : {}),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
