import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OpenID provider for local development and the test suite: `oidc-provider` (the
 * certified implementation) with open dynamic client registration, a one-form login page
 * (any email signs in; the form carries the claims to assert: name, groups, whether the
 * login was multi-factor) and automatic consent. It is a stand-in for a customer's IdP, run
 * on 127.0.0.1 only: it authenticates nobody for real.
 *
 * For tests that must see how the cell treats a misbehaving IdP, `faults.nextIdToken` makes
 * the next token response carry a broken ID token (tampered, expired, for another audience,
 * another issuer or another nonce), re-signed with the provider's own key where that matters.
 */
export type IdTokenFault = 'tampered' | 'expired' | 'audience' | 'issuer' | 'nonce' | 'unsigned';

export interface OidcIdp {
  issuer: string;
  /** Registers a confidential client (code flow, client_secret_basic). */
  registerClient(redirectUris: string[]): Promise<{ clientId: string; clientSecret: string }>;
  faults: { nextIdToken: IdTokenFault | null };
  /** Signing keys: rotate() puts a new key first (the old one still published). */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

interface Login {
  email: string;
  name: string;
  groups: string[];
  mfa: boolean;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function privateJwk(kid: string) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
    kid,
    alg: 'RS256',
    use: 'sig',
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function b64json(part: string) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * oidc-provider's storage, in memory, shared by the provider instances of one IdP (a key
 * rotation builds a new instance: clients, grants and sessions must survive it).
 */
function memoryAdapter() {
  const store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  const live = (key: string) => {
    const hit = store.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt && hit.expiresAt < Date.now()) {
      store.delete(key);
      return undefined;
    }
    return hit.payload;
  };
  return class MemoryAdapter {
    private readonly name: string;
    constructor(name: string) {
      this.name = name;
    }
    private key(id: string) {
      return `${this.name}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      store.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
    }
    async find(id: string) {
      return live(this.key(id));
    }
    async findByUserCode(userCode: string) {
      for (const [k, v] of store)
        if (k.startsWith(`${this.name}:`) && v.payload.userCode === userCode) return v.payload;
      return undefined;
    }
    async findByUid(uid: string) {
      for (const [k, v] of store) if (k.startsWith(`${this.name}:`) && v.payload.uid === uid) return live(k);
      return undefined;
    }
    async consume(id: string) {
      const hit = store.get(this.key(id));
      if (hit) hit.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, v] of store) if (v.payload.grantId === grantId) store.delete(k);
    }
  };
}

export async function startOidcIdp(o: { port?: number; host?: string } = {}): Promise<OidcIdp> {
  const host = o.host ?? '127.0.0.1';
  // Listen first: the issuer must name the port.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, s) => s.end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((ok) => server.listen(o.port ?? 0, host, ok));
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  const logins = new Map<string, Login>();
  const keys = [privateJwk('k1')];
  const faults: OidcIdp['faults'] = { nextIdToken: null };
  const { importJWK, SignJWT } = await import('jose');
  const adapter = memoryAdapter();

  const build = () => {
    const configuration: Configuration = {
      adapter: adapter as never,
      jwks: { keys: keys as never },
      cookies: { keys: ['local-idp-cookie-key-0123456789'] },
      features: {
        devInteractions: { enabled: false },
        registration: { enabled: true },
      },
      claims: {
        acr: null,
        amr: null,
        auth_time: null,
        sid: null,
        openid: ['sub', 'acr', 'amr', 'auth_time'],
        email: ['email', 'email_verified'],
        profile: ['name'],
        groups: ['groups'],
      },
      scopes: ['openid', 'email', 'profile', 'groups'],
      // Claims in the ID token itself (no userinfo call needed).
      conformIdTokenClaims: false,
      interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
      findAccount: async (_ctx: KoaContextWithOIDC, sub: string) => {
        const login = logins.get(sub);
        if (!login) return undefined;
        return {
          accountId: sub,
          claims: async () => ({
            sub,
            email: login.email,
            email_verified: true,
            name: login.name,
            groups: login.groups,
          }),
        };
      },
      ttl: {
        Session: 60,
        Interaction: 300,
        Grant: 300,
        AccessToken: 60,
        AuthorizationCode: 60,
        IdToken: 300,
      },
      renderError: async (ctx: KoaContextWithOIDC, out: object) => {
        ctx.type = 'json';
        ctx.body = out;
      },
    };
    const provider = new Provider(issuer, configuration);
    provider.proxy = false;
    // Fault injection on the token endpoint's answer (tests of the relying party only).
    provider.use(async (ctx, next) => {
      await next();
      const fault = faults.nextIdToken;
      if (!fault || ctx.path !== '/token' || ctx.status !== 200) return;
      faults.nextIdToken = null;
      const body = ctx.body as { id_token?: string };
      if (!body?.id_token) return;
      const [h, p, s] = body.id_token.split('.');
      const claims = b64json(p!);
      const header = b64json(h!);
      const now = Math.floor(Date.now() / 1000);
      const sign = async (c: Record<string, unknown>) =>
        new SignJWT(c)
          .setProtectedHeader({ alg: 'RS256', kid: String(header.kid) })
          .sign(await importJWK(keys.find((k) => k.kid === header.kid) as never, 'RS256'));
      if (fault === 'tampered')
        body.id_token = `${h}.${Buffer.from(JSON.stringify({ ...claims, email: 'ceo@victim.example' })).toString('base64url')}.${s}`;
      else if (fault === 'unsigned')
        body.id_token = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
      else if (fault === 'expired')
        body.id_token = await sign({ ...claims, iat: now - 7200, exp: now - 3600 });
      else if (fault === 'audience') body.id_token = await sign({ ...claims, aud: 'another-client' });
      else if (fault === 'issuer') body.id_token = await sign({ ...claims, iss: 'https://evil.example' });
      else if (fault === 'nonce') body.id_token = await sign({ ...claims, nonce: 'not-the-one-sent' });
      ctx.body = body;
    });
    return provider;
  };
  let provider = build();

  handler = async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', issuer);
      const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(url.pathname);
      if (!m) return provider.callback()(req, res);
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'consent') {
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({
              accountId: details.session!.accountId,
              clientId: details.params.client_id as string,
            });
        grant!.addOIDCScope(String(details.params.scope ?? 'openid'));
        const grantId = await grant!.save();
        return provider.interactionFinished(
          req,
          res,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
      }
      if (req.method === 'POST' && m[2]) {
        const form = await readForm(req);
        const email = (form.get('email') ?? '').trim().toLowerCase();
        if (!email) {
          res.writeHead(400).end('email required');
          return;
        }
        const login: Login = {
          email,
          name: form.get('name') || email,
          groups: (form.get('groups') ?? '')
            .split(',')
            .map((g) => g.trim())
            .filter(Boolean),
          mfa: form.get('mfa') === 'on',
        };
        const sub = `sub-${Buffer.from(email).toString('base64url')}`;
        logins.set(sub, login);
        return provider.interactionFinished(
          req,
          res,
          {
            login: {
              accountId: sub,
              amr: login.mfa ? ['pwd', 'otp', 'mfa'] : ['pwd'],
              acr: login.mfa ? 'mfa' : 'pwd',
            },
          },
          { mergeWithLastSubmission: false },
        );
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        `<!doctype html><title>Local IdP</title><form method="post" action="/interaction/${esc(m[1]!)}/login">
<label>Email <input name="email"></label><label>Name <input name="name"></label>
<label>Groups <input name="groups"></label><label><input type="checkbox" name="mfa"> MFA</label>
<button>Sign in</button></form>`,
      );
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String((err as Error).message));
    }
  };

  return {
    issuer,
    faults,
    async registerClient(redirectUris) {
      const res = await fetch(`${issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          application_type: 'web',
        }),
      });
      const body = (await res.json()) as { client_id: string; client_secret: string };
      if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(body)}`);
      return { clientId: body.client_id, clientSecret: body.client_secret };
    },
    async rotate() {
      keys.unshift(privateJwk(`k${keys.length + 1}`));
      // A new instance signs with the new key; clients and sessions live in the shared adapter.
      provider = build();
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
