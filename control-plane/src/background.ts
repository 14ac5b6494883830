import { errorFields } from '@quire/shared/error-log';
import type { CpDeps } from './context.ts';
import { every } from './loops.ts';
import { sweepCells } from './modules/cells/sweeper.ts';
import { resumePending } from './modules/provisioning/resumer.ts';
import { sweepOffboarding } from './modules/tenants/offboarding-sweeper.ts';

export interface BackgroundOptions {
  sweepIntervalMs: number;
  resumeIntervalMs: number;
}

/**
 * The control plane's loops: the heartbeat sweeper (cells down, retired keys dropped), the saga
 * resumer, and the offboarding sweeper (past-grace tenants deleted, their cells' purge retried). On start, every unfinished job is resumed at once.
 */
export async function startBackground(deps: CpDeps, o: BackgroundOptions) {
  const onError = (what: string) => (err: unknown) => deps.log.error(`${what} failed`, errorFields(err));
  const listeningSince = deps.clock.now();
  await sweepCells(deps, { listeningSince }).catch(onError('sweep'));
  const resumed = await resumePending(deps, 'all').catch(onError('resume'));
  if (resumed) deps.log.info('resumed unfinished provisioning jobs', { count: resumed });
  const loops = [
    every(o.sweepIntervalMs, () => sweepCells(deps, { listeningSince }), onError('sweep')),
    every(o.resumeIntervalMs, () => resumePending(deps, 'due'), onError('resume')),
    every(o.sweepIntervalMs, () => sweepOffboarding(deps), onError('offboarding sweep')),
  ];
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
