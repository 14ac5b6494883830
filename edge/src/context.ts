import type { RequestIdVariables } from '@quire/shared/request-id';
import type { AccessClaims } from '@quire/shared/tokens';
import type { Bindings, EdgeConfig } from './env.ts';
import type { TokenBuckets } from './rate-limit.ts';
import type { HostMatch } from './routing/hosts.ts';
import type { RouteTable } from './routing/route-table.ts';

/** What lives for the whole isolate: the route table and the rate limiter (memory only). */
export interface EdgeState {
  config: EdgeConfig;
  table: RouteTable;
  limiter: TokenBuckets;
}

export type EdgeEnv = {
  Bindings: Bindings;
  Variables: RequestIdVariables & {
    state: EdgeState;
    host: HostMatch;
    /** The client address as the platform reports it (CF-Connecting-IP), never a client-set header. */
    clientIp: string | null;
    /** Verified access-token claims; null on a request without a token. */
    claims: AccessClaims | null;
    /** For the request log. */
    tenantId: string | null;
    cellId: string | null;
  };
};
