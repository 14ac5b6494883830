import { Unauthenticated } from '@quire/shared/errors';
import { CELL_ID_PATTERN } from '@quire/shared/routing';
import { eq } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../context.ts';
import { safeEqual, sha256Hex } from '../../crypto/secret-box.ts';
import { cells } from '../../db/schema/index.ts';
import { bearerToken } from '../../http/openapi.ts';

/**
 * A cell speaks for itself only: its credential must match the cell in the path. An unknown
 * cell and a wrong credential answer the same 401, so ids cannot be probed.
 */
export const cellAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const cellId = c.req.param('cellId') ?? '';
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw new Unauthenticated('a cell credential is required (Bearer)');
    const [row] = CELL_ID_PATTERN.test(cellId)
      ? await c.get('deps').db.select({ hash: cells.credentialHash }).from(cells).where(eq(cells.id, cellId))
      : [];
    if (!safeEqual(sha256Hex(token), row?.hash ?? '')) throw new Unauthenticated('invalid cell credential');
    await next();
  });
