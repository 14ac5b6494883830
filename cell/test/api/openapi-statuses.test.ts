import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCell, type TestCell } from '../../../test/support/harness.ts';
import { type Document, undeclaredStatuses } from '../../../test/support/openapi-statuses.ts';
import { MATRIX_STATUSES } from '../../../test/support/security-matrix.ts';

/**
 * The cell's document declares every status the security matrix, the middleware and the
 * routing can answer each operation with, in the error envelope (the statuses a route's own
 * verbs answer, 409s and the like, are held to the truth by the schemathesis contract test).
 */
let cell: TestCell;
let doc: Document;

beforeAll(async () => {
  cell = await startTestCell();
  doc = (await (await cell.app.request('/v1/openapi.json')).json()) as Document;
});
afterAll(async () => cell.close());

describe("the cell's OpenAPI document", () => {
  it('declares what the matrix, validation, body limit, media type gate and edge assertion answer', () => {
    const gaps = undeclaredStatuses(doc, {
      bySecurityScheme: { bearerAuth: MATRIX_STATUSES.user, internalAuth: MATRIX_STATUSES.internal },
      // Any request carrying an edge assertion that does not verify is refused (middleware/edge-assertion.ts).
      always: [401],
    });
    expect(gaps).toEqual([]);
  });

  it('declares the conflicts its verbs answer', () => {
    const conflicts = [
      'post /v1/users',
      'post /v1/groups',
      'post /v1/folders',
      'patch /v1/folders/{id}',
      'delete /v1/folders/{id}',
      'post /v1/documents',
      'post /v1/documents/{id}/versions',
      'patch /v1/documents/{id}',
      'delete /v1/documents/{id}',
      'post /v1/documents/{id}/restore',
      'delete /v1/documents/{id}/permanent',
      'post /v1/documents/{id}/versions/{versionId}/restore',
      'put /internal/v1/tenants/{tenantId}',
    ];
    for (const op of conflicts) {
      const [method, path] = op.split(' ') as [string, string];
      expect(Object.keys(doc.paths[path]![method]!.responses), op).toContain('409');
    }
  });
});
