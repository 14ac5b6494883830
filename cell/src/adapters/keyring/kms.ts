import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  GenerateDataKeyCommand,
  KMSClient,
  type KMSClientConfig,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { type DataKey, type Keyring, KeyringError } from './port.ts';

export interface KmsClientOptions {
  /** A custom endpoint (e.g. a local KMS server). */
  endpoint?: string;
  region: string;
  credentials?: KMSClientConfig['credentials'];
}

export function createKmsClient(options: KmsClientOptions): KMSClient {
  return new KMSClient({
    region: options.region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
  });
}

export interface KmsKeyringOptions {
  client: KMSClient;
  /** Namespaces the aliases, so cells sharing an AWS account never share a tenant key. */
  cellId: string;
}

/** The shortest window KMS allows; the tenant's data is unreadable from the moment deletion is scheduled. */
const DELETION_WINDOW_DAYS = 7;
const CELL_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** KMS answers that mean "this tenant's key cannot decrypt this": the caller gets a KeyringError. */
const REFUSALS = new Set([
  'NotFoundException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  // Real KMS says IncorrectKeyException for a ciphertext under another key; moto says AccessDenied.
  'AccessDeniedException',
  'KMSInvalidStateException',
  'DisabledException',
]);

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

function assertTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new KeyringError(`invalid tenant id: ${JSON.stringify(tenantId)}`);
  }
}

interface KeyInfo {
  arn: string;
  keyId: string;
  /** False once deletion is scheduled: such a key counts as gone. */
  live: boolean;
}

/**
 * One customer-managed KMS key per tenant, found by alias `alias/quire/<cellId>/<tenantId>`.
 * Data keys come from GenerateDataKey with `{ tenant_id }` as encryption context, so a
 * wrapped key only decrypts under that tenant's key *and* that tenant's context.
 *
 * Data-key calls address the key by its alias rather than a cached key id: KMS resolves
 * the alias server-side (no extra lookup call), so once destroyTenantKey has scheduled
 * the deletion and removed the alias, every process is refused at once. A cached id
 * would keep working wherever the server does not enforce the pending-deletion state
 * (moto does not) and would need invalidating across processes.
 */
export class KmsKeyring implements Keyring {
  readonly #client: KMSClient;
  readonly #cellId: string;

  constructor(options: KmsKeyringOptions) {
    if (!CELL_ID_PATTERN.test(options.cellId)) throw new Error(`invalid cell id: ${options.cellId}`);
    this.#client = options.client;
    this.#cellId = options.cellId;
  }

  #alias(tenantId: string): string {
    assertTenantId(tenantId);
    return `alias/quire/${this.#cellId}/${tenantId}`;
  }

  /** The key behind the tenant's alias, or undefined if there is no alias. */
  async #describe(tenantId: string): Promise<KeyInfo | undefined> {
    try {
      const res = await this.#client.send(new DescribeKeyCommand({ KeyId: this.#alias(tenantId) }));
      const meta = res.KeyMetadata;
      if (meta?.Arn === undefined || meta.KeyId === undefined) return undefined;
      const live = meta.KeyState !== 'PendingDeletion' && meta.KeyState !== 'PendingReplicaDeletion';
      return { arn: meta.Arn, keyId: meta.KeyId, live };
    } catch (err) {
      if (errorName(err) === 'NotFoundException') return undefined;
      throw err;
    }
  }

  async ensureTenantKey(tenantId: string): Promise<string> {
    const alias = this.#alias(tenantId);
    const existing = await this.#describe(tenantId);
    if (existing?.live) return existing.arn;
    if (existing !== undefined) {
      // The alias still names a key pending deletion: a destroy was interrupted before
      // removing it. Re-pointing it here could race another ensure; finishing the destroy cannot.
      throw new KeyringError(
        `tenant ${tenantId}: key destruction unfinished; call destroyTenantKey again first`,
      );
    }
    const created = await this.#client.send(
      new CreateKeyCommand({
        Description: `Quire tenant key ${tenantId} (cell ${this.#cellId})`,
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Tags: [
          { TagKey: 'quire:cell', TagValue: this.#cellId },
          { TagKey: 'quire:tenant_id', TagValue: tenantId },
        ],
      }),
    );
    const arn = created.KeyMetadata?.Arn;
    const keyId = created.KeyMetadata?.KeyId;
    if (arn === undefined || keyId === undefined) throw new Error('KMS CreateKey returned no key id');
    try {
      // CreateAlias fails if the alias exists, which makes it the arbiter of creation races.
      await this.#client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
      return arn;
    } catch (err) {
      if (errorName(err) !== 'AlreadyExistsException') throw err;
    }
    // Another process won the race: use its key, retire ours.
    await this.#scheduleDeletion(keyId);
    const winner = await this.#describe(tenantId);
    if (!winner?.live)
      throw new KeyringError(`tenant ${tenantId}: lost a key-creation race to a destroyed key`);
    return winner.arn;
  }

  async generateDataKey(tenantId: string): Promise<DataKey> {
    const KeyId = this.#alias(tenantId);
    const res = await this.#refusalsAsKeyringError(tenantId, () =>
      this.#client.send(
        new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256', EncryptionContext: { tenant_id: tenantId } }),
      ),
    );
    if (res.Plaintext === undefined || res.CiphertextBlob === undefined || res.KeyId === undefined) {
      throw new Error('KMS GenerateDataKey returned no key material');
    }
    return {
      plaintext: Buffer.from(res.Plaintext),
      wrapped: Buffer.from(res.CiphertextBlob),
      keyRef: res.KeyId,
    };
  }

  async unwrapDataKey(tenantId: string, wrapped: Buffer): Promise<Buffer> {
    const KeyId = this.#alias(tenantId);
    const res = await this.#refusalsAsKeyringError(tenantId, () =>
      this.#client.send(
        new DecryptCommand({ CiphertextBlob: wrapped, KeyId, EncryptionContext: { tenant_id: tenantId } }),
      ),
    );
    if (res.Plaintext === undefined) throw new Error('KMS Decrypt returned no plaintext');
    return Buffer.from(res.Plaintext);
  }

  async destroyTenantKey(tenantId: string): Promise<void> {
    const alias = this.#alias(tenantId);
    const found = await this.#describe(tenantId);
    if (found === undefined) return;
    // Deletion first: if removing the alias then fails, the key is already unusable.
    if (found.live) await this.#scheduleDeletion(found.keyId);
    try {
      await this.#client.send(new DeleteAliasCommand({ AliasName: alias }));
    } catch (err) {
      if (errorName(err) !== 'NotFoundException') throw err;
    }
  }

  /** Takes the bare key id, not the ARN: KMS accepts both, moto (the local server) only the id. */
  async #scheduleDeletion(keyId: string): Promise<void> {
    try {
      await this.#client.send(
        new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: DELETION_WINDOW_DAYS }),
      );
    } catch (err) {
      // Already pending deletion: the goal is reached.
      if (errorName(err) !== 'KMSInvalidStateException') throw err;
    }
  }

  async #refusalsAsKeyringError<T>(tenantId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const name = errorName(err);
      if (name === undefined || !REFUSALS.has(name)) throw err;
      throw new KeyringError(`KMS refused for tenant ${tenantId}: ${name}`, { cause: err });
    }
  }
}
