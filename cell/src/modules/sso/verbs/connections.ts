import { BadRequest, Conflict, Forbidden } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { z } from 'zod';
import type { RequestCtx } from '../../../context.ts';
import { sealSecret } from '../../../crypto/secret-box.ts';
import { groups, ssoConnections } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { type Work, withActor } from '../../../unit-of-work.ts';
import { readIdentitySettings } from '../../identity/settings-store.ts';
import {
  assertIdpUrl,
  certBody,
  type Mapping,
  mappingSchema,
  type OidcConfig,
  type oidcSettingsSchema,
  parseIdpMetadata,
  type SamlConfig,
  type samlSettingsSchema,
} from '../config.ts';
import { type ConnectionRow, findConnection, presentConnection, secretPurpose } from '../repo.ts';

type OidcSettings = z.infer<typeof oidcSettingsSchema>;
type SamlSettings = z.infer<typeof samlSettingsSchema>;

export interface ConnectionInput {
  protocol: 'oidc' | 'saml';
  name: string;
  enabled?: boolean | undefined;
  jit?: boolean | undefined;
  oidc?: OidcSettings | undefined;
  saml?: SamlSettings | undefined;
  mapping?: z.input<typeof mappingSchema> | undefined;
}

function requireAdmin(w: Work) {
  if (w.actor.role !== 'admin') throw new Forbidden('only tenant admins manage single sign-on');
}

function oidcConfig(s: OidcSettings, allowInsecure: boolean): OidcConfig {
  assertIdpUrl(s.issuer, allowInsecure);
  return { issuer: s.issuer, clientId: s.clientId, scopes: s.scopes };
}

function samlConfig(s: SamlSettings, allowInsecure: boolean): SamlConfig {
  const cfg = s.idpMetadataXml
    ? parseIdpMetadata(s.idpMetadataXml)
    : s.idpEntityId && s.idpSsoUrl && s.idpCertificates?.length
      ? {
          idpEntityId: s.idpEntityId,
          idpSsoUrl: s.idpSsoUrl,
          idpCertificates: s.idpCertificates.map(certBody),
        }
      : null;
  if (!cfg) throw new BadRequest('give the IdP metadata, or its entity id, SSO URL and certificates');
  assertIdpUrl(cfg.idpSsoUrl, allowInsecure);
  return cfg;
}

async function groupIdsExist(tx: Tx, tenantId: string, mapping: Mapping) {
  const ids = [...new Set(Object.values(mapping.groups))];
  if (ids.length === 0) return;
  const found = await tx.$count(groups, and(eq(groups.tenantId, tenantId), inArray(groups.id, ids)));
  if (found !== ids.length) throw new BadRequest('the mapping names a group that does not exist');
}

export async function createConnection({ ctx, input }: { ctx: RequestCtx; input: ConnectionInput }) {
  const allowInsecure = ctx.deps.sso.allowInsecureIdp;
  const id = newId('ssoConnection');
  const mapping = mappingSchema.parse(input.mapping ?? {});
  let config: OidcConfig | SamlConfig;
  let secretEnc: Buffer | null = null;
  if (input.protocol === 'oidc') {
    if (!input.oidc) throw new BadRequest('oidc settings are required');
    config = oidcConfig(input.oidc, allowInsecure);
    if (input.oidc.clientSecret)
      secretEnc = await sealSecret(
        ctx.deps.keyring,
        ctx.tenant.id,
        secretPurpose(id),
        Buffer.from(input.oidc.clientSecret),
      );
  } else {
    if (!input.saml) throw new BadRequest('saml settings are required');
    config = samlConfig(input.saml, allowInsecure);
  }
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    await groupIdsExist(w.tx, ctx.tenant.id, mapping);
    const [row] = await w.tx
      .insert(ssoConnections)
      .values({
        tenantId: ctx.tenant.id,
        id,
        protocol: input.protocol,
        name: input.name,
        enabled: input.enabled ?? true,
        jit: input.jit ?? true,
        config: config as unknown as Record<string, unknown>,
        secretEnc,
        mapping: mapping as unknown as Record<string, unknown>,
      })
      .returning();
    w.audit({
      action: 'sso.connection_created',
      resourceType: 'sso_connection',
      resourceId: id,
      details: { protocol: input.protocol, enabled: row!.enabled, jit: row!.jit },
    });
    return presentConnection(row!);
  });
}

export async function listConnections({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async (w) => {
      requireAdmin(w);
      const rows = await w.tx
        .select()
        .from(ssoConnections)
        .where(eq(ssoConnections.tenantId, ctx.tenant.id))
        .orderBy(asc(ssoConnections.id));
      return { items: rows.map(presentConnection) };
    },
    { readOnly: true },
  );
}

export async function getConnection({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async (w) => {
      requireAdmin(w);
      return presentConnection(await findConnection(w.tx, ctx.tenant.id, input.id));
    },
    { readOnly: true },
  );
}

export async function updateConnection({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string } & Partial<Omit<ConnectionInput, 'protocol'>>;
}) {
  const allowInsecure = ctx.deps.sso.allowInsecureIdp;
  const secret = input.oidc?.clientSecret;
  const secretEnc = secret
    ? await sealSecret(ctx.deps.keyring, ctx.tenant.id, secretPurpose(input.id), Buffer.from(secret))
    : undefined;
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const current = await findConnection(w.tx, ctx.tenant.id, input.id);
    const set: Partial<typeof ssoConnections.$inferInsert> = { updatedAt: new Date() };
    if (input.name !== undefined) set.name = input.name;
    if (input.enabled !== undefined) set.enabled = input.enabled;
    if (input.jit !== undefined) set.jit = input.jit;
    if (input.mapping !== undefined) {
      const mapping = mappingSchema.parse(input.mapping);
      await groupIdsExist(w.tx, ctx.tenant.id, mapping);
      set.mapping = mapping as unknown as Record<string, unknown>;
    }
    if (current.protocol === 'oidc' && input.oidc) {
      set.config = oidcConfig(input.oidc, allowInsecure) as unknown as Record<string, unknown>;
      if (secretEnc) set.secretEnc = secretEnc;
    }
    if (current.protocol === 'saml' && input.saml)
      set.config = samlConfig(input.saml, allowInsecure) as unknown as Record<string, unknown>;
    if (input.enabled === false) await assertNotLastSso(w.tx, ctx.tenant.id, current.id);
    const [row] = await w.tx
      .update(ssoConnections)
      .set(set)
      .where(and(eq(ssoConnections.tenantId, ctx.tenant.id), eq(ssoConnections.id, current.id)))
      .returning();
    w.audit({
      action: 'sso.connection_updated',
      resourceType: 'sso_connection',
      resourceId: current.id,
      details: {
        fields: Object.keys(input).filter((k) => k !== 'id'),
        ...(secretEnc ? { clientSecretChanged: true } : {}),
      },
    });
    return presentConnection(row!);
  });
}

/** A tenant that signs in only through SSO keeps at least one enabled connection. */
async function assertNotLastSso(tx: Tx, tenantId: string, connectionId: string) {
  const settings = await readIdentitySettings(tx, tenantId);
  if (settings.passwordLogin !== 'sso_only') return;
  const others = await tx.$count(
    ssoConnections,
    and(
      eq(ssoConnections.tenantId, tenantId),
      eq(ssoConnections.enabled, true),
      ne(ssoConnections.id, connectionId),
    ),
  );
  if (others === 0)
    throw new Conflict('the tenant signs in only through SSO: allow passwords first', { reason: 'last_sso' });
}

export async function deleteConnection({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const current: ConnectionRow = await findConnection(w.tx, ctx.tenant.id, input.id);
    await assertNotLastSso(w.tx, ctx.tenant.id, current.id);
    await w.tx
      .delete(ssoConnections)
      .where(and(eq(ssoConnections.tenantId, ctx.tenant.id), eq(ssoConnections.id, current.id)));
    w.audit({ action: 'sso.connection_deleted', resourceType: 'sso_connection', resourceId: current.id });
  });
}
