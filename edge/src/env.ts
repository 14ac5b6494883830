import { REGION_PATTERN } from '@quire/shared/routing';
import { z } from 'zod';

/** The Workers KV methods the edge uses (a cold-start fallback only, never per request). */
export interface RoutesKv {
  get(key: string, type: 'text'): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
}

/** The Workers static assets binding (`[assets]` in wrangler.toml): the built web app. */
export interface AssetsFetcher {
  fetch(request: Request): Promise<Response>;
}

/** What wrangler/miniflare hand the worker: vars may arrive as strings, numbers or (HOSTS) objects. */
export type Bindings = Record<string, unknown> & { ROUTES_KV?: RoutesKv; ASSETS?: AssetsFetcher };

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const hostsSchema = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .transform((value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'HOSTS must be a JSON object' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .record(
        z.string().regex(HOSTNAME, 'a lowercase hostname without port'),
        z.union([z.literal('global'), z.string().regex(REGION_PATTERN)]),
      )
      .refine((m) => Object.keys(m).length > 0, 'HOSTS must name at least one hostname'),
  );

const seconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const bindingsSchema = z.object({
  CONTROL_PLANE_URL: z
    .string()
    .url()
    .describe('Base URL of the control plane; the edge pulls GET /v1/edge/snapshot from it'),
  EDGE_TOKEN: z.string().min(16).describe("The edge's bearer credential at the control plane (secret)"),
  EDGE_ASSERTION_SECRET: z
    .string()
    .min(32)
    .describe('HMAC secret shared with the cells for the x-quire-edge-assertion header (secret)'),
  JWT_AUDIENCE: z.string().min(1).describe('`aud` every access token must carry'),
  HOSTS: hostsSchema.describe('JSON map of served hostnames to a region or "global"'),
  ROUTE_REFRESH_SECONDS: seconds(1, 3600, 30).describe(
    'Age after which the route table refreshes in the background',
  ),
  ROUTE_MISS_REFRESH_SECONDS: seconds(1, 3600, 10).describe(
    'At most one refresh per this many seconds for an unknown tenant or key id',
  ),
  UPSTREAM_TIMEOUT_SECONDS: seconds(1, 600, 100).describe('How long a cell may take to start its response'),
  RATE_LIMIT_BURST: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(120)
    .describe('Requests without a valid token a client IP may send in a burst'),
  RATE_LIMIT_PER_SECOND: z.coerce
    .number()
    .positive()
    .max(100_000)
    .default(2)
    .describe('Sustained rate of requests without a valid token per client IP'),
});

export type EdgeConfig = z.infer<typeof bindingsSchema> & {
  /** Hostname → region, and region → its hostname (for residency redirects). */
  hosts: Map<string, string>;
  regionHosts: Map<string, string>;
  kv: RoutesKv | null;
};

export class EdgeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EdgeConfigError';
  }
}

const parsed = new WeakMap<object, EdgeConfig>();

/** Validates the bindings once per isolate (per env object); throws a readable error naming bad keys only. */
export function edgeConfig(env: Bindings): EdgeConfig {
  const hit = parsed.get(env);
  if (hit) return hit;
  const result = bindingsSchema.safeParse(env);
  if (!result.success) {
    const keys = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new EdgeConfigError(`invalid edge bindings: ${keys}`);
  }
  const hosts = new Map(Object.entries(result.data.HOSTS));
  const regionHosts = new Map<string, string>();
  for (const [host, region] of hosts) if (!regionHosts.has(region)) regionHosts.set(region, host);
  const config: EdgeConfig = { ...result.data, hosts, regionHosts, kv: env.ROUTES_KV ?? null };
  parsed.set(env, config);
  return config;
}
