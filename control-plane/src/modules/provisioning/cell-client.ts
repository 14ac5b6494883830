import { eq } from 'drizzle-orm';
import type { CpDeps } from '../../context.ts';
import { openSecret } from '../../crypto/secret-box.ts';
import { cells } from '../../db/schema/index.ts';

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

export interface ProvisionResult {
  tenant: { id: string; slug: string; status: string; plan: string; tier: string };
  adminUserId: string;
  invitationToken: string | null;
}

/** The cell's internal API as the control plane uses it. */
export interface CellClient {
  provisionTenant(
    cell: CellTarget,
    tenantId: string,
    body: { slug: string; plan: string; tier: string; admin: { sealed: string } },
  ): Promise<ProvisionResult>;
  updateTenant(
    cell: CellTarget,
    tenantId: string,
    patch: { status?: 'active' | 'suspended'; plan?: string },
  ): Promise<void>;
}

export class HttpCellClient implements CellClient {
  private readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  async provisionTenant(
    cell: CellTarget,
    tenantId: string,
    body: Parameters<CellClient['provisionTenant']>[2],
  ) {
    const res = await this.call(cell, 'PUT', `/internal/v1/tenants/${tenantId}`, body);
    return (await res.json()) as ProvisionResult;
  }

  async updateTenant(
    cell: CellTarget,
    tenantId: string,
    patch: { status?: 'active' | 'suspended'; plan?: string },
  ) {
    await this.call(cell, 'PATCH', `/internal/v1/tenants/${tenantId}`, patch);
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

/** Reads a cell's address and decrypts its credential for one call. */
export async function cellTarget(deps: CpDeps, cellId: string): Promise<CellTarget> {
  const [row] = await deps.db.select().from(cells).where(eq(cells.id, cellId));
  if (!row?.baseUrl) throw new CellCallError(`cell ${cellId} has not registered yet`, true, null);
  return {
    id: row.id,
    baseUrl: row.baseUrl,
    credential: openSecret(deps.secretKey, row.credentialSealed, row.id),
  };
}
