import { Unauthenticated } from '@quire/shared/errors';
import { CELL_ID_PATTERN } from '@quire/shared/routing';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../context.ts';
import { safeEqual, sha256Hex } from '../../crypto/secret-box.ts';
import { bearerToken } from '../../http/openapi.ts';
import { credentialHashOf } from './repo.ts';

/**
 * A cell speaks for itself only: its credential must match the cell in the path. An unknown
 * cell and a wrong credential answer the same 401, so ids cannot be probed.
 */
export const cellAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const cellId = c.req.param('cellId') ?? '';
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw new Unauthenticated('a cell credential is required (Bearer)');
    const hash = CELL_ID_PATTERN.test(cellId) ? await credentialHashOf(c.get('deps').db, cellId) : null;
    if (!safeEqual(sha256Hex(token), hash ?? '')) throw new Unauthenticated('invalid cell credential');
    await next();
  });
