import { newId } from '@quire/shared/ids';
import { type SQL, sql } from 'drizzle-orm';
import { pgArray } from '../../../auth/policy.ts';
import { TOMBSTONE_EMAIL_DOMAIN } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { queueDocumentIndex } from '../../changes/outbox.ts';
import { type Identifiers, needles, strongNeedles } from '../identifiers.ts';

/** The name erased people are shown by (comments, versions, mentions). */
export const DELETED_USER_NAME = 'Deleted user';

/**
 * Tables the generic pass leaves alone: handled by their own step (users, mentions, hold items,
 * consent history, the audit trail through its SECURITY DEFINER functions), the search engine's
 * own rows (the search step), and the erasure requests themselves (cleared when the proof is kept).
 */
const OWN_STEP = new Set([
  'users',
  'comment_mentions',
  'legal_hold_items',
  'consent_events',
  'audit_log',
  'audit_chain',
  'audit_subject_keys',
  'audit_heads',
  'audit_erasures',
  'search_documents',
  'search_outbox',
  'erasure_requests',
]);

/** Free text where people write each other's names: the name is replaced there too. */
const FREE_TEXT = new Set([
  'comments.body',
  'comment_revisions.body',
  'notifications.data',
  'admin_alerts.details',
  'webhook_deliveries.payload',
  'legal_hold_events.details',
]);

type Column = {
  table: string;
  column: string;
  type: string;
  updatable: boolean;
};

/** Every text-like column of every tenant table the app role can read. */
export async function tenantColumns(tx: Tx): Promise<Column[]> {
  return tx.execute<Column>(sql`
    select c.table_name as table, c.column_name as column, c.data_type as type,
           has_column_privilege(current_user, format('%I', c.table_name), c.column_name, 'UPDATE') as updatable
    from information_schema.columns c
    where c.table_schema = 'public' and c.column_name <> 'tenant_id'
      and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'inet')
      and exists (select 1 from information_schema.columns t
                  where t.table_schema = 'public' and t.table_name = c.table_name and t.column_name = 'tenant_id')
    order by 1, 2`);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `expr` with the person's id → tombstone id, email (and, in free text, name) → "Deleted user". */
function rewritten(expr: SQL, ids: Identifiers, tombstoneId: string, freeText: boolean): SQL {
  let out = sql`replace(${expr}, ${ids.userId}, ${tombstoneId})`;
  out = sql`regexp_replace(${out}, ${escapeRegex(ids.email)}, ${DELETED_USER_NAME}, 'gi')`;
  if (freeText && ids.name.trim().length >= 3)
    out = sql`regexp_replace(${out}, ${escapeRegex(ids.name)}, ${DELETED_USER_NAME}, 'gi')`;
  return out;
}

function containsAny(expr: SQL, list: string[]): SQL {
  return sql`exists (select 1 from unnest(${pgArray(list)}::text[]) n where strpos(lower(${expr}), n) > 0)`;
}

/**
 * Postgres, last, in one transaction: documents and folders reassigned to a tenant admin; the
 * person's identity rows deleted (sessions, API and SCIM tokens, MFA factors and recovery codes,
 * SSO identities, group memberships, grants, invitations, notifications, preferences); their
 * comments kept, by a "Deleted user" tombstone account; every other mention of their id or email
 * rewritten; their consent answers and audit entries pseudonymised (SECURITY DEFINER functions,
 * migration 0013); finally their user row. Returns the documents to re-index.
 */
export async function erasePostgres(
  tx: Tx,
  input: { tenantId: string; erasureId: string; ids: Identifiers; reassignTo: string | null },
): Promise<{ tombstoneId: string; assignee: string; reindex: string[] }> {
  const { tenantId, ids } = input;
  const [assigneeRow] = await tx.execute<{ id: string }>(sql`
    select id from users where tenant_id = ${tenantId} and role = 'admin' and status = 'active' and id <> ${ids.userId}
    order by (id = ${input.reassignTo ?? ''}) desc, created_at limit 1`);
  if (!assigneeRow) throw new Error('no other active tenant admin to reassign the documents to');
  const assignee = assigneeRow.id;
  const tombstoneId = newId('user');
  await tx.execute(sql`
    insert into users (tenant_id, id, email, name, role, status, offboarded_at)
    values (${tenantId}, ${tombstoneId}, ${`deleted-${tombstoneId.slice(4)}@${TOMBSTONE_EMAIL_DOMAIN}`}, ${DELETED_USER_NAME},
            'viewer', 'offboarded', now())`);

  const reindex = await tx.execute<{ id: string }>(sql`
    select id from documents where tenant_id = ${tenantId} and created_by = ${ids.userId}
    union select document_id from comments where tenant_id = ${tenantId}
      and (author_id = ${ids.userId} or strpos(body, ${ids.userId}) > 0 or strpos(lower(body), lower(${ids.email})) > 0)`);

  // Ownership goes to the admin; what they did (versions, comments, trash) to the tombstone below.
  await tx.execute(
    sql`update documents set created_by = ${assignee} where tenant_id = ${tenantId} and created_by = ${ids.userId}`,
  );
  await tx.execute(
    sql`update folders set created_by = ${assignee} where tenant_id = ${tenantId} and created_by = ${ids.userId}`,
  );
  await tx.execute(sql`update identity_settings set deprovision_transfer_to = ${assignee}
    where tenant_id = ${tenantId} and deprovision_transfer_to = ${ids.userId}`);

  // What was theirs alone.
  for (const table of [
    'sessions',
    'mfa_factors',
    'mfa_recovery_codes',
    'user_identities',
    'group_members',
    'invitations',
    'notifications',
    'notification_preferences',
    'idempotency_keys',
  ])
    await tx.execute(
      sql`delete from ${sql.identifier(table)} where tenant_id = ${tenantId} and user_id = ${ids.userId}`,
    );
  await tx.execute(
    sql`delete from access_requests where tenant_id = ${tenantId} and requester_id = ${ids.userId}`,
  );
  await tx.execute(
    sql`delete from grants where tenant_id = ${tenantId} and principal_type = 'user' and principal_id = ${ids.userId}`,
  );
  await tx.execute(sql`delete from bulk_jobs where tenant_id = ${tenantId} and created_by = ${ids.userId}`);

  // Tables without UPDATE for the app role: rows re-pointed at the tombstone.
  await tx.execute(sql`
    with gone as (delete from comment_mentions where tenant_id = ${tenantId} and principal_type = 'user'
                  and principal_id = ${ids.userId} returning *)
    insert into comment_mentions
      select (jsonb_populate_record(null::comment_mentions, to_jsonb(g) || jsonb_build_object('principal_id', ${tombstoneId}::text))).* from gone g
    on conflict do nothing`);
  await tx.execute(sql`
    with gone as (delete from legal_hold_items where tenant_id = ${tenantId} and kind = 'custodian'
                  and target_id = ${ids.userId} returning *)
    insert into legal_hold_items
      select (jsonb_populate_record(null::legal_hold_items, to_jsonb(g) || jsonb_build_object('target_id', ${tombstoneId}::text))).* from gone g
    on conflict do nothing`);
  await tx.execute(sql`select consent_erase_subject(${ids.userId})`);
  await tx.execute(sql`update erasure_requests set requested_by = ${tombstoneId}
    where tenant_id = ${tenantId} and requested_by = ${ids.userId}`);
  await tx.execute(sql`update erasure_requests set reassign_to = ${assignee}
    where tenant_id = ${tenantId} and reassign_to = ${ids.userId}`);

  // Everything else that names them, wherever it is: id → tombstone, email (and name in free text) → "Deleted user".
  const list = strongNeedles(ids);
  for (const c of await tenantColumns(tx)) {
    if (OWN_STEP.has(c.table) || !c.updatable || c.type === 'inet') continue;
    const col = sql`${sql.identifier(c.column)}`;
    const free = FREE_TEXT.has(`${c.table}.${c.column}`);
    const look = free ? needles(ids) : list;
    if (c.type === 'ARRAY') {
      await tx.execute(sql`update ${sql.identifier(c.table)}
        set ${col} = array(select ${rewritten(sql`x`, ids, tombstoneId, free)} from unnest(${col}) x)
        where tenant_id = ${tenantId} and ${containsAny(sql`${col}::text`, look)}`);
    } else if (c.type === 'jsonb' || c.type === 'json') {
      await tx.execute(sql`update ${sql.identifier(c.table)}
        set ${col} = ${rewritten(sql`${col}::text`, ids, tombstoneId, free)}::${sql.raw(c.type)}
        where tenant_id = ${tenantId} and ${containsAny(sql`${col}::text`, look)}`);
    } else {
      await tx.execute(sql`update ${sql.identifier(c.table)}
        set ${col} = ${rewritten(col, ids, tombstoneId, free)}
        where tenant_id = ${tenantId} and ${containsAny(col, look)}`);
    }
  }

  await tx.execute(
    sql`select audit_erase_subject(${ids.userId}, ${pgArray(needles(ids))}::text[], ${input.erasureId})`,
  );
  await tx.execute(sql`delete from users where tenant_id = ${tenantId} and id = ${ids.userId}`);
  await queueDocumentIndex(
    tx,
    tenantId,
    reindex.map((r) => r.id),
    'erasure',
  );
  return { tombstoneId, assignee, reindex: reindex.map((r) => r.id) };
}

/** The proof for Postgres: every text-like column of every tenant table, and the audit trail's personal fields. */
export async function verifyPostgres(tx: Tx, tenantId: string, ids: Identifiers) {
  const list = needles(ids);
  const found: Record<string, number> = {};
  for (const c of await tenantColumns(tx)) {
    if (c.table === 'erasure_requests' || c.table.startsWith('audit_')) continue;
    const look = FREE_TEXT.has(`${c.table}.${c.column}`) ? list : strongNeedles(ids);
    const [r] = await tx.execute<{ n: number }>(sql`
      select count(*)::int as n from ${sql.identifier(c.table)}
      where tenant_id = ${tenantId} and ${containsAny(sql`${sql.identifier(c.column)}::text`, look)}`);
    if (r && r.n > 0) found[`${c.table}.${c.column}`] = r.n;
  }
  const [audit] = await tx.execute<{ entries: number; key_exists: boolean }>(sql`
    select entries::int, key_exists from audit_subject_traces(${ids.userId}, ${pgArray(list)}::text[])`);
  const auditCount = (audit?.entries ?? 0) + (audit?.key_exists ? 1 : 0);
  const count = Object.values(found).reduce((a, b) => a + b, 0) + auditCount;
  return {
    query:
      "every text, jsonb, array and inet column of every tenant table (information_schema): strpos(lower(col::text), <id|email>) > 0, and <name> in free text (comments, notification data, alert details, hold history); audit_subject_traces(): the audit trail's personal fields (actor_id, user_agent, details) for id, email and name, and the subject's key",
    count,
    ...(count ? { where: { ...found, ...(auditCount ? { audit: auditCount } : {}) } } : {}),
  };
}
