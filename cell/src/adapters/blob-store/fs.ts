import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { errno, fsyncDir } from '../durable-fs.ts';
import {
  assertBlobKey,
  type BlobListing,
  BlobNotFoundError,
  type BlobStore,
  bodyBytes,
  normalizeBlobPrefix,
} from './port.ts';

const TMP_PREFIX = '.tmp-';

/** mkdir -p, then flush the parent of every directory it created, so a crash cannot orphan the new entries. */
async function mkdirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  const parents: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    parents.push(path.dirname(d));
    if (d === first || path.dirname(d) === d) break;
  }
  for (const parent of parents.reverse()) await fsyncDir(parent);
}

/**
 * The embedded default: blobs as files under `rootDir`, mirroring the key's path.
 * Writes go to a temp file in the destination directory, are fsynced, then renamed
 * into place (atomic on POSIX) and the directory fsynced, so a reader sees the old
 * object or the whole new one, never a torn one, and a crash loses nothing acknowledged.
 *
 * A key cannot be both an object and a prefix of another key here (a file is not a
 * directory); S3 allows it. Keys built with `blobKey()` from typed ids never collide so.
 */
export class FsBlobStore implements BlobStore {
  readonly #root: string;

  constructor(rootDir: string) {
    this.#root = path.resolve(rootDir);
  }

  /** Maps a validated key to a path, and checks again that it stays under the root. */
  #path(key: string, validate: (k: string) => void = assertBlobKey): string {
    validate(key);
    const file = path.join(this.#root, ...key.split('/'));
    if (!file.startsWith(this.#root + path.sep)) throw new Error(`blob key escapes the store root: ${key}`);
    return file;
  }

  async put(key: string, body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream): Promise<{ size: number }> {
    const file = this.#path(key);
    const chunks = bodyBytes(body); // before any await: see bodyBytes
    const dir = path.dirname(file);
    await mkdirDurable(dir);
    const tmp = path.join(dir, `${TMP_PREFIX}${randomBytes(12).toString('hex')}`);
    let handle: FileHandle | undefined;
    try {
      handle = await open(tmp, 'wx', 0o600);
      let size = 0;
      for await (const chunk of chunks) {
        let written = 0;
        while (written < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written);
          written += bytesWritten;
        }
        size += chunk.byteLength;
      }
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(tmp, file);
      await fsyncDir(dir);
      return { size };
    } catch (err) {
      await handle?.close().catch(() => {});
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<NodeJS.ReadableStream> {
    const file = this.#path(key);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new BlobNotFoundError(key);
      throw err;
    }
    // Opening first, then streaming from the handle, means a concurrent delete or
    // overwrite cannot turn a successful get into a half-read of another object.
    let isFile = false;
    try {
      isFile = (await handle.stat()).isFile();
    } finally {
      if (!isFile) await handle.close();
    }
    if (!isFile) throw new BlobNotFoundError(key);
    return handle.createReadStream();
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.#path(key))).isFile();
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.#path(key);
    try {
      await unlink(file);
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    await fsyncDir(path.dirname(file));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const dir = this.#path(prefix, normalizeBlobPrefix);
    let entries: string[];
    try {
      entries = await listFiles(dir);
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return 0;
      throw err;
    }
    // Unlink one by one so the count is of objects actually removed (temp files of
    // in-flight writes are removed too, but are not objects), then drop the tree.
    let count = 0;
    for (const file of entries) {
      try {
        await unlink(file);
        if (!path.basename(file).startsWith(TMP_PREFIX)) count += 1;
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
      }
    }
    await rm(dir, { recursive: true, force: true });
    await fsyncDir(path.dirname(dir));
    return count;
  }

  async *list(prefix: string): AsyncIterable<BlobListing> {
    const dir = this.#path(prefix, normalizeBlobPrefix);
    let files: string[];
    try {
      files = await listFiles(dir);
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    for (const file of files) {
      if (path.basename(file).startsWith(TMP_PREFIX)) continue; // not an object
      try {
        const { mtime } = await stat(file);
        yield { key: path.relative(this.#root, file).split(path.sep).join('/'), modifiedAt: mtime };
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err; // deleted while listing
      }
    }
  }

  async removeIncomplete(olderThan: Date): Promise<number> {
    let files: string[];
    try {
      files = await listFiles(path.join(this.#root, 'tenants'));
    } catch (err) {
      if (errno(err) === 'ENOENT') return 0;
      throw err;
    }
    let count = 0;
    for (const file of files) {
      if (!path.basename(file).startsWith(TMP_PREFIX)) continue;
      try {
        if ((await stat(file)).mtime >= olderThan) continue; // a write still in flight
        await unlink(file);
        count += 1;
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
      }
    }
    return count;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => path.join(e.parentPath, e.name));
}
