import { newId } from '@quire/shared/ids';

/**
 * Ids of the control plane's own records (ops tokens, provisioning jobs) share the shared
 * ids' time-sortable body under a prefix of their own.
 */
export function cpId(prefix: 'opt' | 'job'): string {
  return `${prefix}_${newId('request').slice(4)}`;
}

export const cpIdPattern = (prefix: 'opt' | 'job') => new RegExp(`^${prefix}_[0-9a-z]{25}$`);
