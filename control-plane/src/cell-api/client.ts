import {
  type BeginOffboardingResult,
  beginOffboardingResultSchema,
  type InternalTenant,
  internalOffboardingPath,
  internalTenantPath,
  internalTenantSchema,
  type ProvisionTenantRequest,
  type ProvisionTenantResult,
  type PurgeTenantResult,
  provisionTenantResultSchema,
  purgeTenantResultSchema,
  type UpdateTenantRequest,
} from '@quire/shared/internal-api';
import type { z } from 'zod';

/** Where and how to reach a cell's internal API. */
export interface CellTarget {
  id: string;
  baseUrl: string;
  credential: string;
}

/** A failed call: `retryable` when the cell may answer differently later (unreachable, 5xx, 429). */
export class CellCallError extends Error {
  readonly retryable: boolean;
  readonly status: number | null;
  constructor(message: string, retryable: boolean, status: number | null) {
    super(message);
    this.name = 'CellCallError';
    this.retryable = retryable;
    this.status = status;
  }
}

/** The cell's internal API as the control plane uses it (contract: shared/src/internal-api.ts). */
export interface CellClient {
  provisionTenant(
    cell: CellTarget,
    tenantId: string,
    body: ProvisionTenantRequest,
  ): Promise<ProvisionTenantResult>;
  updateTenant(cell: CellTarget, tenantId: string, patch: UpdateTenantRequest): Promise<InternalTenant>;
  beginOffboarding(cell: CellTarget, tenantId: string): Promise<BeginOffboardingResult>;
  purgeTenant(cell: CellTarget, tenantId: string): Promise<PurgeTenantResult>;
}

/**
 * The HTTP client of the cells' internal API. Every 2xx reply is parsed with the shared contract:
 * a reply that does not match (a cell of an incompatible version, a proxy's page) is a
 * non-retryable CellCallError naming the fields at fault, never a cast that fails later.
 */
export class HttpCellClient implements CellClient {
  private readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  async provisionTenant(cell: CellTarget, tenantId: string, body: ProvisionTenantRequest) {
    const res = await this.call(cell, 'PUT', internalTenantPath(tenantId), body);
    const result = await reply(cell, res, provisionTenantResultSchema, 'provision');
    if (result.tenant.id !== tenantId) throw mismatch(cell, 'provision', `tenant ${result.tenant.id}`);
    return result;
  }

  async updateTenant(cell: CellTarget, tenantId: string, patch: UpdateTenantRequest) {
    const res = await this.call(cell, 'PATCH', internalTenantPath(tenantId), patch);
    const tenant = await reply(cell, res, internalTenantSchema, 'update');
    if (tenant.id !== tenantId) throw mismatch(cell, 'update', `tenant ${tenant.id}`);
    return tenant;
  }

  async beginOffboarding(cell: CellTarget, tenantId: string) {
    const res = await this.call(cell, 'POST', internalOffboardingPath(tenantId));
    const result = await reply(cell, res, beginOffboardingResultSchema, 'offboarding');
    if (result.tenant.id !== tenantId) throw mismatch(cell, 'offboarding', `tenant ${result.tenant.id}`);
    return result;
  }

  /** 200 purged (with the anonymised summary), 202 still purging: both parse to the same shape. */
  async purgeTenant(cell: CellTarget, tenantId: string) {
    const res = await this.call(cell, 'DELETE', internalTenantPath(tenantId));
    const result = await reply(cell, res, purgeTenantResultSchema, 'purge');
    if (result.tenantId !== tenantId) throw mismatch(cell, 'purge', `tenant ${result.tenantId}`);
    return result;
  }

  /** Error text carries the status and the cell's error code and message, never a body we sent. */
  private async call(cell: CellTarget, method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(new URL(path, cell.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${cell.credential}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      const name = (err as Error).name;
      throw new CellCallError(`cell ${cell.id} unreachable (${cause ?? name})`, true, null);
    }
    if (res.ok) return res;
    let detail = '';
    try {
      const parsed = (await res.json()) as { error?: { code?: string; message?: string } };
      detail = `${parsed.error?.code ?? ''}: ${parsed.error?.message ?? ''}`.slice(0, 200);
    } catch {
      detail = 'non-JSON answer';
    }
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    throw new CellCallError(`cell ${cell.id} answered ${res.status} ${detail}`, retryable, res.status);
  }
}

function mismatch(cell: CellTarget, what: string, detail: string, status: number | null = null) {
  return new CellCallError(
    `cell ${cell.id} answered the ${what} call with a reply that does not match the internal API contract: ${detail}`,
    false,
    status,
  );
}

/**
 * Parses a 2xx reply with its contract. The message names paths and rules only: a reply may
 * carry an invitation token, which must not reach logs or the job's last error.
 */
async function reply<T extends z.ZodType>(
  cell: CellTarget,
  res: Response,
  schema: T,
  what: string,
): Promise<z.infer<T>> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw mismatch(cell, what, 'a non-JSON body', res.status);
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw mismatch(cell, what, issues.slice(0, 300), res.status);
}
