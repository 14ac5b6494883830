import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  assertBlobKey,
  type BlobListing,
  BlobNotFoundError,
  type BlobStore,
  bodyBytes,
  normalizeBlobPrefix,
} from './port.ts';

export interface S3ClientOptions {
  /** A custom endpoint (a local S3 server, MinIO, …); path-style addressing is then the default. */
  endpoint?: string;
  region: string;
  forcePathStyle?: boolean;
  credentials?: S3ClientConfig['credentials'];
}

/**
 * Checksums only when an operation requires them: the SDK's default sends streamed
 * bodies aws-chunked with trailing CRCs, which servers that do not speak that
 * framing store verbatim (see STACK-NOTES, "S3 clients").
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Multipart part size; memory held per put is about partSize × queueSize. Default 8 MiB. */
  partSize?: number;
  /** Parts uploaded concurrently. Default 2. */
  queueSize?: number;
}

function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('$metadata' in err)) return undefined;
  const meta = err.$metadata;
  return typeof meta === 'object' && meta !== null && 'httpStatusCode' in meta
    ? Number(meta.httpStatusCode)
    : undefined;
}

function isNotFound(err: unknown): boolean {
  const name = err instanceof Error ? err.name : undefined;
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatus(err) === 404;
}

/**
 * Blobs as S3 objects. S3 makes an object visible only when a PutObject or a
 * CompleteMultipartUpload succeeds, so a body that fails half-way leaves nothing
 * at the key; lib-storage aborts the multipart upload so no parts linger either.
 */
export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #partSize: number;
  readonly #queueSize: number;

  constructor(options: S3BlobStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#partSize = options.partSize ?? 8 * 1024 * 1024;
    this.#queueSize = options.queueSize ?? 2;
  }

  async put(key: string, body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream): Promise<{ size: number }> {
    assertBlobKey(key);
    const chunks = bodyBytes(body); // before any await: see bodyBytes
    let size = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        yield chunk;
      }
    }
    // Upload reads the body part by part (length unknown): one PutObject if it fits
    // in a part, a multipart upload otherwise; never the whole body in memory.
    const source = Readable.from(counted());
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: key, Body: source },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      // A server-side failure leaves the caller's body half-read: release it.
      source.destroy();
      throw err;
    }
    return { size };
  }

  async get(key: string): Promise<NodeJS.ReadableStream> {
    assertBlobKey(key);
    try {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      if (!(res.Body instanceof Readable)) throw new Error('S3 GetObject returned no Node stream body');
      return res.Body;
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key);
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    assertBlobKey(key);
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<number> {
    // The trailing slash makes the match whole-segment: tenants/ten_a/ never matches tenants/ten_ab/….
    const listPrefix = `${normalizeBlobPrefix(prefix)}/`;
    let count = 0;
    // Always list from the start: the page just deleted is gone, so this needs no
    // continuation token and still terminates, since a failed delete throws.
    for (;;) {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: listPrefix, MaxKeys: 1000 }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
      if (keys.length === 0) return count;
      const res = await this.#client.send(
        new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: keys, Quiet: true } }),
      );
      const failed = res.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(
          `S3 DeleteObjects failed for ${failed.length} key(s), e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`,
        );
      }
      count += keys.length;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobListing> {
    const listPrefix = `${normalizeBlobPrefix(prefix)}/`;
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: listPrefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key !== undefined) yield { key: o.Key, modifiedAt: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Unfinished multipart uploads (a crash mid-put) hold storage until aborted. */
  async removeIncomplete(olderThan: Date): Promise<number> {
    let count = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.#client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.#bucket,
          Prefix: 'tenants/',
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || (u.Initiated && u.Initiated >= olderThan)) continue;
        await this.#client.send(
          new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: u.Key, UploadId: u.UploadId }),
        );
        count += 1;
      }
      if (!page.IsTruncated) return count;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }
}
