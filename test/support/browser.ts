/**
 * A minimal browser for sign-in flows that cross hosts (the cell or the edge, identity
 * providers): a cookie jar per host, redirects followed one hop at a time, HTML forms
 * submitted as a browser would. `dispatch` decides how a URL is reached (an in-process app,
 * the edge in workerd, or the network).
 */
export type Dispatch = (url: URL, init: RequestInit) => Promise<Response>;

export const network: Dispatch = (url, init) => fetch(url, init);

export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();
  private readonly dispatch: Dispatch;
  constructor(dispatch: Dispatch) {
    this.dispatch = dispatch;
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  setCookie(host: string, name: string, value: string | undefined): void {
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    if (value === undefined) cookies.delete(name);
    else cookies.set(name, value);
    this.jar.set(host, cookies);
  }

  /** Cookies of a host as a `cookie` header value. */
  cookieHeader(host: string): string {
    return [...(this.jar.get(host) ?? new Map())].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const cookies = this.cookieHeader(u.host);
    if (cookies) headers.set('cookie', cookies);
    const res = await this.dispatch(u, { ...init, headers, redirect: 'manual' });
    for (const raw of res.headers.getSetCookie()) {
      const [pair, ...attrs] = raw.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      this.setCookie(u.host, name, expired ? undefined : value);
    }
    return res;
  }

  /**
   * Follows redirects from `url` until a response that is not one, or until `stop(url)` says
   * the next hop is where the caller wants to take over. Returns the last response and URL.
   */
  async follow(
    url: string | URL,
    init: RequestInit = {},
    stop: (next: URL) => boolean = () => false,
    maxHops = 20,
  ): Promise<{ res: Response; url: URL; next: URL | null }> {
    let current = new URL(url);
    let res = await this.request(current, init);
    for (let hop = 0; hop < maxHops && res.status >= 300 && res.status < 400; hop++) {
      const location = res.headers.get('location');
      if (!location) break;
      const next = new URL(location, current);
      await res.body?.cancel();
      if (stop(next)) return { res, url: current, next };
      current = next;
      res = await this.request(current);
    }
    return { res, url: current, next: null };
  }

  /** Submits the first form of an HTML page with its hidden inputs plus `fields` (a login page, an auto-post). */
  async submit(html: string, base: URL, fields: Record<string, string> = {}): Promise<Response> {
    const form = /<form[^>]*>/i.exec(html)?.[0];
    if (!form) throw new Error(`no form in page: ${html.slice(0, 300)}`);
    const action = /action="([^"]*)"/i.exec(form)?.[1] ?? base.href;
    const values = new URLSearchParams();
    for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
      const name = /name="([^"]+)"/i.exec(m[0])?.[1];
      const value = /value="([^"]*)"/i.exec(m[0])?.[1] ?? '';
      if (name) values.set(name, decodeEntities(value));
    }
    for (const [k, v] of Object.entries(fields)) values.set(k, v);
    return this.request(new URL(decodeEntities(action), base), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: values.toString(),
    });
  }
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}
