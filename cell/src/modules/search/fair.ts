/** The weighted fair choice moved to the one scheduler of background work; kept here for its callers. */
export { FairScheduler } from '../../jobs/scheduler/fair.ts';
