/**
 * Envelope encryption's key hierarchy: each tenant has one key-encryption key
 * (KEK) that never leaves the keyring; blobs are encrypted with data keys that are
 * stored only wrapped by that KEK. Destroying the KEK makes every blob of the
 * tenant unreadable at once (crypto-shredding), wherever copies of it lie.
 */
export interface DataKey {
  /** The 32-byte AES key; keep it in memory only as long as the blob operation needs it. */
  plaintext: Buffer;
  /** Store this next to the blob (e.g. on the version row); only the keyring can unwrap it. */
  wrapped: Buffer;
  /** Which tenant key wrapped it (a KMS key ARN, or a local key reference). */
  keyRef: string;
}

export interface Keyring {
  /** Creates (idempotently) the tenant's key-encryption key; returns its reference (stored on the tenant row). */
  ensureTenantKey(tenantId: string): Promise<string>;
  /**
   * Fresh 256-bit data key, wrapped under the tenant's key with { tenant_id } bound as encryption context.
   * Throws KeyringError when the tenant has no key: a shredded tenant must not get a new one by accident.
   */
  generateDataKey(tenantId: string): Promise<DataKey>;
  /** Unwraps; fails (throws KeyringError) if the wrapped key was made for another tenant or the tenant key is gone. */
  unwrapDataKey(tenantId: string, wrapped: Buffer): Promise<Buffer>;
  /** Crypto-shredding: after this, no data key of the tenant can be unwrapped. Idempotent. */
  destroyTenantKey(tenantId: string): Promise<void>;
}

/** The keyring refused: unknown or destroyed tenant key, a key wrapped for someone else, or a damaged wrapped key. */
export class KeyringError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyringError';
  }
}
