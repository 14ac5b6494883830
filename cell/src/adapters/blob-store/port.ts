import { TENANT_ID_PATTERN } from '@quire/shared/ids';

/**
 * Where the cell keeps blob bytes (document versions, exports). Callers hand it
 * ciphertext only; it knows nothing about encryption. Every key lives under
 * `tenants/{tenantId}/…` so one tenant's data can be found, and shredded, as a unit.
 */
export interface BlobStore {
  /** Streams body to key durably; resolves once the bytes are durable; never leaves a partial object visible at key (a failed/aborted body leaves nothing). */
  put(key: string, body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream): Promise<{ size: number }>;
  /** Streams the object; throws BlobNotFoundError when absent. */
  get(key: string): Promise<NodeJS.ReadableStream /* a node Readable */>;
  exists(key: string): Promise<boolean>;
  /** Idempotent. */
  delete(key: string): Promise<void>;
  /**
   * Deletes every object under a prefix (used by tenant offboarding); returns the count.
   * The prefix is matched on whole segments: `tenants/ten_a` covers `tenants/ten_a/…`, never `tenants/ten_ab/…`.
   */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Every object under a prefix (whole segments, as deletePrefix), with when it was last
   * written: for the sweeper that removes blobs no row refers to. Order is unspecified.
   */
  list(prefix: string): AsyncIterable<BlobListing>;
  /**
   * Removes what writes interrupted by a crash left behind (temp files, unfinished multipart
   * uploads) that started before `olderThan`; returns how many. Never touches an object.
   */
  removeIncomplete(olderThan: Date): Promise<number>;
}

export interface BlobListing {
  key: string;
  modifiedAt: Date;
}

export class BlobNotFoundError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`blob not found: ${key}`);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}

/** A key or prefix that could escape the store root or its tenant; always a programming error. */
export class BlobKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobKeyError';
  }
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]{1,200}$/;
const MAX_KEY_LENGTH = 1024;

/**
 * One path segment must be a plain file name on every backend: no separators,
 * no `..`, and no leading dot (dot files are where FsBlobStore keeps its temp files).
 */
function assertSegment(part: string, what: string): void {
  if (!SAFE_SEGMENT.test(part) || part.includes('..') || part.startsWith('.')) {
    throw new BlobKeyError(`unsafe blob key ${what}: ${JSON.stringify(part)}`);
  }
}

function assertTenantSegment(tenantId: string): void {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new BlobKeyError(`invalid tenant id in blob key: ${JSON.stringify(tenantId)}`);
  }
}

/** Builds `tenants/{tenantId}/{parts...}`; the only way application code should spell a key. */
export function blobKey(tenantId: string, ...parts: string[]): string {
  assertTenantSegment(tenantId);
  for (const part of parts) assertSegment(part, 'part');
  return ['tenants', tenantId, ...parts].join('/');
}

function checkSegments(value: string, minSegments: number): void {
  if (typeof value !== 'string' || value.length > MAX_KEY_LENGTH) {
    throw new BlobKeyError('blob key must be a string of at most 1024 characters');
  }
  const segments = value.split('/');
  if (segments[0] !== 'tenants' || segments.length < minSegments) {
    throw new BlobKeyError(`blob key must look like tenants/{tenantId}/…: ${JSON.stringify(value)}`);
  }
  assertTenantSegment(segments[1] ?? '');
  for (const part of segments.slice(2)) assertSegment(part, 'segment');
}

/**
 * Every implementation calls this first, so whatever reaches a backend is
 * `tenants/{tenantId}/{at least one safe segment}` and cannot name a path outside the store root.
 */
export function assertBlobKey(key: string): void {
  checkSegments(key, 3);
}

/** Validates a deletePrefix argument (`tenants/{tenantId}[/…]`, trailing slash allowed) and returns it without the slash. */
export function normalizeBlobPrefix(prefix: string): string {
  const trimmed = typeof prefix === 'string' && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  checkSegments(trimmed, 2);
  return trimmed;
}

/**
 * Normalises a put body to byte chunks. String chunks are refused: they mean an
 * encoding was set on the stream, which would silently corrupt binary data.
 *
 * Call it as soon as put() starts: it listens for the stream's 'error' at once,
 * because a store does async work (mkdir, S3 requests) before it reads, and a
 * stream failing in that window would otherwise crash the process as an unhandled
 * 'error'. A captured error is rethrown, so it can never pass as end-of-body.
 */
export function bodyBytes(
  body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
): AsyncGenerator<Uint8Array, void, undefined> {
  let failure: { error: unknown } | undefined;
  const onError = (error: unknown): void => {
    failure ??= { error };
  };
  const emitter = 'on' in body && typeof body.on === 'function' ? body : undefined;
  emitter?.on('error', onError);
  return (async function* () {
    try {
      for await (const chunk of body) {
        if (failure) throw failure.error;
        if (!(chunk instanceof Uint8Array)) {
          throw new TypeError('blob body chunks must be bytes (Uint8Array/Buffer), not strings');
        }
        yield chunk;
      }
      if (failure) throw failure.error;
    } finally {
      emitter?.removeListener('error', onError);
    }
  })();
}
