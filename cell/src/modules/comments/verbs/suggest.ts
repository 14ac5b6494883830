import { sql } from 'drizzle-orm';
import { authorize } from '../../../auth/policy.ts';
import { readersOf } from '../../../auth/readers.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { loadDocument } from '../../documents/resource.ts';

/**
 * People and groups of the caller's organisation to mention, by the start of a name or email
 * (the text travels in the body, never the URL). With a document, each user says whether they
 * can read it, so the UI can offer to share before posting.
 */
export async function suggestMentions({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { q: string; documentId?: string; limit: number };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const tenantId = ctx.tenant.id;
      const resource = input.documentId
        ? (await loadDocument(tx, tenantId, input.documentId)).resource
        : undefined;
      if (resource) await authorize(tx, actor, 'read', resource);
      const like = `${input.q.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
      const people = await tx.execute<{ id: string; name: string; email: string }>(sql`
        select id, name, email from users
        where tenant_id = ${tenantId} and status = 'active'
          and (lower(name) like ${like} or lower(email) like ${like} or lower(name) like ${`% ${like}`})
        order by name limit ${input.limit}`);
      const teams = await tx.execute<{ id: string; name: string }>(sql`
        select id, name from groups where tenant_id = ${tenantId} and lower(name) like ${like}
        order by name limit ${input.limit}`);
      const readers = resource
        ? await readersOf(
            tx,
            tenantId,
            people.map((p) => p.id),
            resource,
          )
        : undefined;
      return {
        users: people.map((p) => ({
          id: p.id,
          name: p.name,
          email: p.email,
          marker: `@[${p.id}]`,
          canRead: readers ? Boolean(readers.get(p.id)?.canRead) : null,
        })),
        groups: teams.map((g) => ({ id: g.id, name: g.name, marker: `@[${g.id}]` })),
      };
    },
    { readOnly: true },
  );
}
