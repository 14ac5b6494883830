import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Durable local-file primitives shared by the fs blob store, the local keyring and the signing keys. */

export function errno(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** A rename, link or unlink is only durable once the directory entry itself is flushed. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `file` with `bytes` durably and without ever replacing an existing one:
 * write + fsync a temp file, then link() it into place (link fails if the name
 * exists, so two racing processes cannot each believe their key won). Returns false if it existed.
 */
export async function createFileOnce(file: string, bytes: Buffer): Promise<boolean> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.tmp-${randomBytes(12).toString('hex')}`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
    await fsyncDir(dir);
    return true;
  } catch (err) {
    if (errno(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** Replaces `file` atomically and durably: readers see the old or the new bytes, never a mix. */
export async function replaceFileDurably(file: string, bytes: Buffer): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.tmp-${randomBytes(12).toString('hex')}`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fsyncDir(dir);
}
