/** Every entity id carries a typed prefix, so a document id can never be mistaken for a folder id. */
export const ID_PREFIXES = {
  tenant: 'ten',
  user: 'usr',
  group: 'grp',
  folder: 'fld',
  document: 'doc',
  version: 'ver',
  grant: 'gnt',
  session: 'ses',
  invitation: 'inv',
  request: 'req',
  /** A personal API token or a SCIM token: a credential row in `sessions` (kind api_token / scim). */
  apiToken: 'tok',
  ssoConnection: 'sso',
  mfaFactor: 'mfa',
  alert: 'alr',
  comment: 'cmt',
  notification: 'ntf',
  shareLink: 'lnk',
  accessRequest: 'arq',
  bulkJob: 'blk',
  webhook: 'whk',
  webhookDelivery: 'dlv',
  erasureRequest: 'era',
  legalHold: 'hld',
  consentPurpose: 'cps',
  retentionPolicy: 'rtp',
  upload: 'upl',
  portabilityExport: 'pex',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 9;

/**
 * `prefix_` + a time-sortable body (ms timestamp, then 80 random bits) in lowercase
 * Crockford base32: sortable ids keep btree inserts local and cursors simple. WebCrypto's
 * `getRandomValues` (not `node:crypto`), so the edge in workerd makes the same ids.
 */
export function newId(kind: IdKind): string {
  let t = Date.now();
  let time = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  let rand = '';
  for (let i = 0; i < 16; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const offset = bit & 7;
    const word = ((bytes[byte] ?? 0) << 8) | (bytes[byte + 1] ?? 0);
    rand += ALPHABET[(word >> (11 - offset)) & 31];
  }
  return `${ID_PREFIXES[kind]}_${time}${rand}`;
}

const ID_BODY = /^[0-9a-z]{25}$/;

/** True when `value` is a well-formed id of this kind; used by zod schemas at the boundary. */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return value.startsWith(prefix) && ID_BODY.test(value.slice(prefix.length));
}

/** Tenant ids are chosen by the control plane: `ten_` + 1-40 lowercase letters, digits or dashes. */
export const TENANT_ID_PATTERN = /^ten_[a-z0-9][a-z0-9-]{0,39}$/;
