import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import type { S3BlobStore } from '../../src/adapters/blob-store/s3.ts';

// The real S3 and KMS endpoints started by the stack (moto): dummy credentials for the SDK.
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

let cell: TestCell;
let admin: TestUser;
let tenantId: string;

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 's3', keyring: 'kms' });
  await new S3Client({
    endpoint: process.env.QUIRE_S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
  }).send(new CreateBucketCommand({ Bucket: cell.env.S3_BUCKET! }));
  ({ admin, tenantId } = await buildTenant(cell));
});
afterAll(async () => cell.close());

describe('the cell on S3 blobs and KMS keys', () => {
  it('uploads and downloads byte-for-byte; the object is tenant-prefixed ciphertext', async () => {
    const content = Buffer.concat([Buffer.from('S3-PLAINTEXT-MARKER'), randomBytes(3 * 1024 * 1024)]);
    const up = await uploadDoc(
      cell,
      admin,
      content,
      { filename: 'big.bin' },
      { 'content-type': 'application/octet-stream' },
    );
    expect(up.status).toBe(201);
    const res = await cell.app.request(`/v1/documents/${up.body.document.id}/content`, {
      headers: admin.headers,
    });
    const back = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(back).digest('hex')).toBe(
      createHash('sha256').update(content).digest('hex'),
    );
    const s3 = new S3Client({
      endpoint: process.env.QUIRE_S3_ENDPOINT,
      region: 'us-east-1',
      forcePathStyle: true,
    });
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: cell.env.S3_BUCKET!, Prefix: `tenants/${tenantId}/` }),
    );
    expect(listed.KeyCount).toBe(1);
    const raw = Buffer.from(
      await (
        await s3.send(new GetObjectCommand({ Bucket: cell.env.S3_BUCKET!, Key: listed.Contents![0]!.Key! }))
      ).Body!.transformToByteArray(),
    );
    expect(raw.includes('S3-PLAINTEXT-MARKER')).toBe(false);
    expect((cell.deps.blobs as S3BlobStore).constructor.name).toBe('S3BlobStore');
  });
});
