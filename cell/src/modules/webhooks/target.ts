import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { QuireError } from '@quire/shared/errors';

function privateV4(ip: string): boolean {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224
  );
}

export function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) return privateV4(ip);
  const v6 = ip.toLowerCase();
  const mapped = v6.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return privateV4(mapped[1]!);
  return v6 === '::' || v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6);
}

/**
 * A webhook may only call out to the public internet over HTTPS: loopback, private, link-local
 * and metadata addresses are refused (no reaching into the cell's own network), checked when
 * the webhook is saved and again before every delivery (DNS can change). Local development
 * and tests allow them with WEBHOOK_ALLOW_PRIVATE_TARGETS.
 */
export async function assertDeliverable(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new QuireError('validation_failed', 'request is invalid', [
      { path: 'url', message: 'not a URL', reason: 'url_invalid' },
    ]);
  }
  // `reason` names the refusal for clients that explain it in their own words.
  const refuse = (message: string, reason: string) =>
    new QuireError('validation_failed', 'request is invalid', [{ path: 'url', message, reason }]);
  if (url.username || url.password) throw refuse('credentials in the URL are not allowed', 'url_credentials');
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:'))
    throw refuse('webhooks use https', 'https_required');
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw refuse('the host does not resolve', 'host_unresolvable');
  if (addresses.some(isPrivateAddress))
    throw refuse('the host is on a private or loopback network', 'private_target');
  return url;
}
