import type { CellHeartbeat } from '@quire/shared/routing';
import type { CpDeps } from '../../context.ts';
import { readVersion } from '../../db/versions.ts';
import { applyHeartbeat } from '../cells/heartbeat.ts';

/** `PUT /v1/cells/{cellId}/heartbeat`: applies it, and tells the cell the config version to compare with its own. */
export async function receiveHeartbeat(deps: CpDeps, cellId: string, hb: CellHeartbeat) {
  const { status } = await applyHeartbeat(deps, cellId, hb);
  return { cellId, status, configVersion: await readVersion(deps.db, 'config') };
}
