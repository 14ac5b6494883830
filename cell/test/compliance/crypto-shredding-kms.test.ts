import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  INTERNAL_TOKEN,
  startTestCell,
  type TestCell,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { superuserSql } from '../../../test/support/superuser.ts';

// The real S3 and KMS endpoints started by the stack (moto): dummy credentials for the SDK.
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

/**
 * Offboarding on a cell with S3 blobs and KMS keys: the purge empties the tenant's prefix in the
 * bucket and schedules its KMS key's deletion (the shortest window), after which a wrapped data
 * key copied aside before (with the object's bytes) can no longer be unwrapped.
 */
let cell: TestCell;
const s3 = new S3Client({
  endpoint: process.env.QUIRE_S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
});

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 's3', keyring: 'kms' });
  await s3.send(new CreateBucketCommand({ Bucket: cell.env.S3_BUCKET! }));
});
afterAll(async () => cell?.close());

describe('crypto-shredding on KMS', () => {
  it('a blob and its wrapped key copied aside before offboarding cannot be decrypted afterwards', async () => {
    const gone = await buildTenant(cell);
    const stay = await buildTenant(cell);
    const up = await uploadDoc(cell, gone.admin, 'kept only as ciphertext', { filename: 'k.txt' });
    expect(up.status).toBe(201);
    expect((await uploadDoc(cell, stay.admin, 'the neighbour', { filename: 'n.txt' })).status).toBe(201);
    const su = superuserSql();
    const [v] = await su<{ wrapped_key: Buffer; blob_key: string }[]>`
      select wrapped_key, blob_key from document_versions where tenant_id = ${gone.tenantId}`;
    const [t] = await su<{ key_ref: string }[]>`select key_ref from tenants where id = ${gone.tenantId}`;
    await su.end();
    const object = await s3.send(new GetObjectCommand({ Bucket: cell.env.S3_BUCKET!, Key: v!.blob_key }));
    const copied = Buffer.from(await object.Body!.transformToByteArray());
    expect(copied.length).toBeGreaterThan(0);
    expect((await cell.deps.keyring.unwrapDataKey(gone.tenantId, v!.wrapped_key)).length).toBe(32);

    const internal = { authorization: `Bearer ${INTERNAL_TOKEN}` };
    expect(
      (
        await cell.app.request(`/internal/v1/tenants/${gone.tenantId}/offboarding`, {
          method: 'POST',
          headers: internal,
        })
      ).status,
    ).toBe(200);
    const purge = await cell.app.request(`/internal/v1/tenants/${gone.tenantId}`, {
      method: 'DELETE',
      headers: internal,
    });
    expect(purge.status).toBe(200);

    await expect(cell.deps.keyring.unwrapDataKey(gone.tenantId, v!.wrapped_key)).rejects.toThrow(
      /KMS refused|destroyed|alias/,
    );
    // The key itself: deletion scheduled with the shortest window KMS allows (7 days).
    const kms = new KMSClient({ endpoint: process.env.QUIRE_KMS_ENDPOINT, region: 'us-east-1' });
    const key = await kms.send(new DescribeKeyCommand({ KeyId: t!.key_ref.split('/').pop()! }));
    expect(key.KeyMetadata?.KeyState).toBe('PendingDeletion');
    const days = (key.KeyMetadata!.DeletionDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
    const left = [];
    for await (const item of cell.deps.blobs.list(`tenants/${gone.tenantId}`)) left.push(item.key);
    expect(left).toEqual([]);
    const kept = [];
    for await (const item of cell.deps.blobs.list(`tenants/${stay.tenantId}`)) kept.push(item.key);
    expect(kept.length).toBeGreaterThan(0);
    const res = await cell.app.request(
      `/v1/documents/${(await uploadDoc(cell, stay.admin, 'x', { filename: 'x.txt' })).body.document.id}/content`,
      {
        headers: stay.admin.headers,
      },
    );
    expect(await res.text()).toBe('x');
  });
});
