import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowOfEveryPath, type OpenApiDocument, rawRequest } from '../../test/support/allow.ts';
import { BOOTSTRAP_TOKEN, startControlPlane, type TestControlPlane } from './support/control-plane.ts';

/** The control plane answers a known path's wrong method as the cell does: 405 with Allow. */
let cp: TestControlPlane;

beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(async () => cp.stop());

describe('405 with Allow on the control plane', () => {
  it('every documented path: OPTIONS is 204 and TRACE 405, both with exactly the documented methods', async () => {
    const doc = (await cp.api('GET', '/v1/openapi.json', undefined, { token: null })).body as OpenApiDocument;
    const auth = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
    const answers = await allowOfEveryPath(doc, (path, method) => rawRequest(cp.url, path, method, auth));
    expect(answers.length).toBeGreaterThan(20);
    for (const a of answers) expect(a.got, a.path).toBe(a.expected);
  });

  it('without a credential, the admin API answers 401 first (authentication runs before routing there)', async () => {
    const res = await rawRequest(cp.url, '/v1/admin/plans', 'TRACE');
    expect(res.status).toBe(401);
  });
});
