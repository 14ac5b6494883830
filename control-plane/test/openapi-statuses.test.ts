import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Document, undeclaredStatuses } from '../../test/support/openapi-statuses.ts';
import { startControlPlane, type TestControlPlane } from './support/control-plane.ts';

/** The control plane's document declares what its credentials, validation, body limit and media type gate answer. */
let cp: TestControlPlane;

beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(async () => cp.stop());

describe("the control plane's OpenAPI document", () => {
  it('declares, in the error envelope, every status the middleware in front of each operation answers', async () => {
    const doc = (await cp.api('GET', '/v1/openapi.json', undefined, { token: null })).body as Document;
    const gaps = undeclaredStatuses(doc, {
      bySecurityScheme: {
        // An unknown, revoked or missing ops token 401; a role that may not 403 (ops-auth/middleware.ts).
        opsToken: [401, 403],
        cellCredential: [401],
        edgeToken: [401],
      },
    });
    expect(gaps).toEqual([]);
  });
});
