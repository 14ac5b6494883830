import { describe, expect, it } from 'vitest';
import { downstreamHeaders, upstreamHeaders, upstreamUrl } from '../src/headers.ts';
import { pathTemplate } from '../src/log.ts';
import { TokenBuckets } from '../src/rate-limit.ts';
import { matchHost, shareHint } from '../src/routing/hosts.ts';
import { websocketBearer } from '../src/websocket-token.ts';

/** The pure pieces of the edge, in Node: the same code the worker bundle runs. */
describe('edge pieces', () => {
  const hosts = new Map(Object.entries({ 'quire.test': 'global', 'eu.quire.test': 'eu' }));

  it('maps hostnames: exact served hostnames win, one slug label, app. and the bare host name no tenant', () => {
    expect(matchHost('quire.test', hosts)).toEqual({ served: 'quire.test', region: 'global', slug: null });
    expect(matchHost('eu.quire.test', hosts)).toEqual({ served: 'eu.quire.test', region: 'eu', slug: null });
    expect(matchHost('acme.quire.test', hosts)).toEqual({
      served: 'quire.test',
      region: 'global',
      slug: 'acme',
    });
    expect(matchHost('ACME.eu.quire.test.', hosts)).toEqual({
      served: 'eu.quire.test',
      region: 'eu',
      slug: 'acme',
    });
    expect(matchHost('app.quire.test', hosts)?.slug).toBeNull();
    expect(matchHost('a.b.quire.test', hosts)).toBeNull();
    expect(matchHost('quire.test.evil.example', hosts)).toBeNull();
    expect(matchHost('evilquire.test', hosts)).toBeNull();
    expect(matchHost('-bad.quire.test', hosts)).toBeNull();
  });

  it('reads only the tenant id prefix of a share token', () => {
    expect(shareHint('/v1/share/ten_acme.rest-of-token')).toBe('ten_acme');
    expect(shareHint('/v1/share/ten_acme.rest/download')).toBe('ten_acme');
    expect(shareHint('/v1/share/notatenant.rest')).toBeNull();
    expect(shareHint('/v1/share/ten_acme')).toBeNull();
    expect(shareHint('/v1/shares/ten_acme.x')).toBeNull();
    expect(shareHint('/x/v1/share/ten_acme.x')).toBeNull();
  });

  it('logs path templates, never ids, tokens or names', () => {
    expect(pathTemplate('/v1/documents/doc_01jbz8y2k3m4n5p6q7r8s9t0vw/content')).toBe(
      '/v1/documents/:id/content',
    );
    expect(pathTemplate('/v1/share/ten_acme.secret-token')).toBe('/v1/share/:token');
    expect(pathTemplate('/v1/folders/root/children')).toBe('/v1/folders/root/children');
    expect(pathTemplate('/v1/users/jane.doe@example.com')).toBe('/v1/users/:x');
    expect(pathTemplate('/v1/documents/Merger%20Plan.pdf')).toBe('/v1/documents/:x');
    expect(pathTemplate('/.well-known/jwks.json')).toBe('/.well-known/jwks.json');
  });

  it('joins the cell origin and the path as strings and stays on the cell origin', () => {
    const at = (raw: string) => upstreamUrl('http://10.0.0.5:8081', new URL(raw));
    expect(at('https://acme.quire.test//evil.example/x?y=1').href).toBe(
      'http://10.0.0.5:8081//evil.example/x?y=1',
    );
    expect(at('https://acme.quire.test/@evil.example/x').host).toBe('10.0.0.5:8081');
    expect(at('https://acme.quire.test/..%2f..%2fx').href).toBe('http://10.0.0.5:8081/..%2f..%2fx');
    expect(at('https://acme.quire.test/a/../../b').pathname).toBe('/b');
    const prefixed = upstreamUrl('https://cell.example/api/', new URL('https://acme.quire.test/v1/me?x=1'));
    expect(prefixed.href).toBe('https://cell.example/api/v1/me?x=1');
    // What `new URL(path, base)` would have done with the same input:
    expect(new URL('//evil.example/x', 'http://10.0.0.5:8081').host).toBe('evil.example');
  });

  it('strips hop-by-hop, Connection-listed, internal and forwarding headers; keeps a websocket upgrade', () => {
    const out = upstreamHeaders(
      new Headers({
        connection: 'Upgrade, X-Secret',
        upgrade: 'websocket',
        'x-secret': '1',
        'x-quire-tenant': 'ten_x',
        'X-Forwarded-For': '6.6.6.6',
        forwarded: 'for=6.6.6.6',
        'cf-connecting-ip': '1.2.3.4',
        host: 'evil.example',
        'sec-websocket-key': 'abc',
        accept: 'application/json',
      }),
    );
    expect([...out.keys()].sort()).toEqual(['accept', 'sec-websocket-key', 'upgrade']);
    expect(upstreamHeaders(new Headers({ upgrade: 'h2c' })).has('upgrade')).toBe(false);
    const down = downstreamHeaders(
      new Headers({ connection: 'x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', 'x-quire-cell': 'us-1' }),
    );
    expect([...down.keys()]).toEqual(['x-quire-cell']);
  });

  it('token buckets: a burst, then the sustained rate, per client', () => {
    const buckets = new TokenBuckets({ burst: 2, perSecond: 1 });
    expect(buckets.take('a', 0).ok).toBe(true);
    expect(buckets.take('a', 0).ok).toBe(true);
    expect(buckets.take('a', 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take('b', 0).ok).toBe(true);
    expect(buckets.take('a', 1000).ok).toBe(true);
    expect(buckets.take('a', 1000).ok).toBe(false);
  });

  it('reads a browser WebSocket token from its subprotocol offer, only on an upgrade', () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(
      websocketBearer(h({ upgrade: 'websocket', 'sec-websocket-protocol': 'quire.v1, quire.bearer.a.b.c' })),
    ).toBe('Bearer a.b.c');
    expect(
      websocketBearer(h({ upgrade: 'websocket', 'sec-websocket-protocol': 'quire.v1' })),
    ).toBeUndefined();
    expect(websocketBearer(h({ 'sec-websocket-protocol': 'quire.bearer.a.b.c' }))).toBeUndefined();
  });
});
