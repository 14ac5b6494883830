import { z } from '@hono/zod-openapi';
import type { RequestCtx } from '../../../context.ts';
import { decodeCursor, encodeCursor } from '../../../http/openapi.ts';
import { withActor } from '../../../unit-of-work.ts';
import { presentDocument } from '../presenter.ts';
import { trashedDocuments } from '../repo.ts';

const cursorSchema = z.object({ id: z.string().max(64) });

export async function listTrash({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { cursor?: string; limit: number };
}) {
  const after = decodeCursor(input.cursor, cursorSchema)?.id;
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const who = actor.role === 'admin' ? 'all' : actor.role === 'viewer' ? [] : actor.principalIds;
      const found =
        who.length === 0 ? [] : await trashedDocuments(tx, ctx.tenant.id, who, after, input.limit + 1);
      const rows = found.slice(0, input.limit);
      const last = rows[rows.length - 1];
      return {
        items: rows.map(presentDocument),
        nextCursor: found.length > input.limit && last ? encodeCursor({ id: last.id }) : null,
      };
    },
    { readOnly: true },
  );
}
