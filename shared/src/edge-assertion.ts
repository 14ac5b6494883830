import { constantTimeEqual } from './constant-time.ts';

/**
 * The edge's assertion to a cell: "this request came through the edge, with this request
 * id, for this tenant, at this time". An HMAC-SHA256 under a secret shared by the edge and
 * the cells of a deployment, over `v1.<unix seconds>.<request id>.<tenant id or ->.<METHOD>.<path>`.
 * WebCrypto only, so the same code runs in workerd and in Node.
 */
const VERSION = 'v1';
export const EDGE_ASSERTION_MAX_AGE_SECONDS = 60;

export interface AssertedRequest {
  requestId: string;
  tenantId: string | null;
  method: string;
  path: string;
}

const encoder = new TextEncoder();

async function hmac(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function payload(at: number, r: AssertedRequest): string {
  return [VERSION, at, r.requestId, r.tenantId ?? '-', r.method.toUpperCase(), r.path].join('.');
}

export async function signEdgeAssertion(
  secret: string,
  r: AssertedRequest,
  now = Date.now(),
): Promise<string> {
  const at = Math.floor(now / 1000);
  return `${VERSION}.${at}.${await hmac(secret, payload(at, r))}`;
}

/** True when the header is a fresh assertion of exactly this request under the secret. */
export async function verifyEdgeAssertion(
  secret: string,
  header: string | undefined | null,
  r: AssertedRequest,
  now = Date.now(),
): Promise<boolean> {
  const match = header?.match(/^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/);
  if (!match) return false;
  const at = Number(match[1]);
  if (Math.abs(now / 1000 - at) > EDGE_ASSERTION_MAX_AGE_SECONDS) return false;
  return constantTimeEqual(await hmac(secret, payload(at, r)), match[2]!);
}
