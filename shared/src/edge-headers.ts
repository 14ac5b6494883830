/**
 * Headers between the edge and a cell. Every incoming header starting with
 * INTERNAL_PREFIX is stripped by the edge, so a client can never set one of these.
 */
export const INTERNAL_PREFIX = 'x-quire-';
/** HMAC assertion the edge adds to every forwarded request (see edge-assertion.ts). */
export const EDGE_ASSERTION_HEADER = 'x-quire-edge-assertion';
/** The tenant the edge resolved (from the token or the subdomain); covered by the assertion. */
export const EDGE_TENANT_HEADER = 'x-quire-tenant';
/** Set by the cell on every response: which cell answered. */
export const CELL_HEADER = 'x-quire-cell';
export const REQUEST_ID_HEADER = 'x-request-id';
