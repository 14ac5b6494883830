/**
 * Snapshots of a cell's files: the fs blob store and the key files (local keyring, signing and
 * sealing keys). A store holds content-addressed objects (`objects/ab/<sha256>`, written once,
 * shared by every snapshot) and one manifest per snapshot (`snapshots/<time>.json`: each file's
 * path, sha256, size). A snapshot copies only what the previous one did not have, so running it
 * every few minutes is cheap, and nothing a later delete removes is lost from older snapshots.
 *
 * Restoring "as of T" takes the files of the last snapshot started at or before T, plus those of
 * the first snapshot after T (a blob written between the two, which rows at T may reference);
 * the window a file can slip through is one snapshot interval, hence a short one (README.md).
 * Every byte restored is checked against its sha256 on the way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface FileEntry {
  sha256: string;
  size: number;
  /** size:mtime:ctime:inode when hashed: an unchanged file is not read again next time. */
  stamp: string;
}

export interface SourceManifest {
  /** What the source was on the backed-up host (for the record; restores choose their own). */
  path: string;
  kind: 'dir' | 'file';
  /** Relative path (`.` for a file source) → entry. */
  files: Record<string, FileEntry>;
}

export interface Snapshot {
  format: 'quire-files/1';
  takenAt: string;
  finishedAt: string;
  sources: Record<string, SourceManifest>;
}

/** In-flight temp files of the blob store and the key files: not objects (durable-fs.ts). */
const TEMP_PREFIX = '.tmp-';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function errno(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

export async function fsyncPath(p: string): Promise<void> {
  const handle = await open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Streams `src` into a new temp file in `dir`, hashing the bytes on their way, and fsyncs it: one
 * read of the source gives both the copy and its sha256 (of exactly the bytes written). Blob and
 * key files are replaced by rename, never rewritten in place, so one open file reads consistently.
 */
async function writeHashed(
  src: string,
  dir: string,
  mode: number,
): Promise<{ tmp: string; sha: string; size: number }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(tmp, 'wx', mode);
  try {
    for await (const chunk of createReadStream(src) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      for (let at = 0; at < chunk.length; )
        at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
    }
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  return { tmp, sha: hash.digest('hex'), size };
}

/** Renames a finished temp file into place and fsyncs the folder (the rename is then durable). */
async function publish(tmp: string, dest: string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
  await rename(tmp, dest);
  await fsyncPath(path.dirname(dest));
}

/** Writes `dest` from `src` durably (temp file, fsync, rename, folder fsync); returns its sha256. */
export async function copyDurably(src: string, dest: string, mode: number): Promise<string> {
  const { tmp, sha } = await writeHashed(src, path.dirname(dest), mode);
  await publish(tmp, dest);
  return sha;
}

/**
 * Files restored at once: each ends in two fsyncs (file, folder), which a disk serves far better
 * side by side than one after the other (a restore's blob copy is part of the RTO).
 */
const RESTORE_LANES = 8;

/** Runs `work` over `items`, at most `lanes` at a time; the first failure stops the rest and throws. */
async function eachLimit<T>(items: T[], lanes: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const lane = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  if (failed !== undefined) throw failed;
}

function objectPath(store: string, sha: string): string {
  return path.join(store, 'objects', sha.slice(0, 2), sha);
}

export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith(TEMP_PREFIX))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

export async function listSnapshots(store: string): Promise<string[]> {
  try {
    return (await readdir(path.join(store, 'snapshots'))).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    if (errno(err) === 'ENOENT') return [];
    throw err;
  }
}

export async function readSnapshot(store: string, name: string): Promise<Snapshot> {
  const snap = JSON.parse(await readFile(path.join(store, 'snapshots', name), 'utf8')) as Snapshot;
  if (snap.format !== 'quire-files/1') throw new Error(`${name}: unknown snapshot format ${snap.format}`);
  return snap;
}

function validateNames(map: Record<string, string>): void {
  const names = Object.keys(map);
  if (names.length === 0) throw new Error('no sources/targets given (NAME=PATH …)');
  for (const name of names) {
    if (!NAME.test(name)) throw new Error(`invalid name ${JSON.stringify(name)}`);
    if (!path.isAbsolute(map[name]!)) throw new Error(`${name}: path must be absolute (${map[name]})`);
  }
}

/** Takes one snapshot of `sources` (name → file or folder) into `store`; returns its manifest. */
export async function snapshotFiles(o: {
  store: string;
  sources: Record<string, string>;
}): Promise<{ name: string; snapshot: Snapshot; copied: number; copiedBytes: number }> {
  validateNames(o.sources);
  await mkdir(path.join(o.store, 'snapshots'), { recursive: true, mode: 0o700 });
  const previous = (await listSnapshots(o.store)).at(-1);
  const before = previous ? await readSnapshot(o.store, previous) : undefined;
  const takenAt = new Date().toISOString();
  const sources: Record<string, SourceManifest> = {};
  let copied = 0;
  let copiedBytes = 0;
  for (const [name, source] of Object.entries(o.sources)) {
    const info = await stat(source).catch((err: unknown) => {
      throw new Error(`${name}: cannot read ${source} (${errno(err) ?? err})`);
    });
    const kind = info.isDirectory() ? 'dir' : 'file';
    const rels = kind === 'dir' ? await listFiles(source) : ['.'];
    const files: Record<string, FileEntry> = {};
    for (const rel of rels) {
      const file = kind === 'dir' ? path.join(source, ...rel.split('/')) : source;
      let st: Awaited<ReturnType<typeof stat>>;
      try {
        st = await stat(file, { bigint: true });
      } catch (err) {
        if (errno(err) === 'ENOENT') continue; // deleted while we walked: not part of this snapshot
        throw err;
      }
      const stamp = `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
      const known = before?.sources[name]?.files[rel];
      let sha = known?.stamp === stamp ? known.sha256 : undefined;
      const object = sha ? objectPath(o.store, sha) : undefined;
      let size = Number(st.size);
      if (!sha || !(await exists(object!))) {
        let staged: Awaited<ReturnType<typeof writeHashed>>;
        try {
          staged = await writeHashed(file, path.join(o.store, 'objects'), 0o600);
        } catch (err) {
          if (errno(err) === 'ENOENT') continue; // deleted while we walked
          throw err;
        }
        sha = staged.sha;
        size = staged.size;
        const dest = objectPath(o.store, sha);
        if (await exists(dest)) await rm(staged.tmp);
        else {
          await publish(staged.tmp, dest);
          copied += 1;
          copiedBytes += size;
        }
      }
      files[rel] = { sha256: sha, size, stamp };
    }
    sources[name] = { path: source, kind, files };
  }
  const snapshot: Snapshot = {
    format: 'quire-files/1',
    takenAt,
    finishedAt: new Date().toISOString(),
    sources,
  };
  const file = `${takenAt.replace(/[:.]/g, '-')}.json`;
  const tmp = path.join(o.store, 'snapshots', `${TEMP_PREFIX}${file}`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(snapshot));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path.join(o.store, 'snapshots', file));
  await fsyncPath(path.join(o.store, 'snapshots'));
  return { name: file, snapshot, copied, copiedBytes };
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (err) {
    if (errno(err) === 'ENOENT') return false;
    throw err;
  }
}

/** The snapshots a restore as of `at` uses: the last started at or before it, the first after. */
export async function snapshotsFor(
  store: string,
  at: Date,
): Promise<{ before?: Snapshot; after?: Snapshot }> {
  let before: Snapshot | undefined;
  let after: Snapshot | undefined;
  for (const name of await listSnapshots(store)) {
    const snap = await readSnapshot(store, name);
    if (Date.parse(snap.takenAt) <= at.getTime()) before = snap;
    else {
      after = snap;
      break;
    }
  }
  return { before, after };
}

/**
 * Materializes the files as of `at` into `targets` (name → path; a folder source into a folder,
 * a file source at that path). Targets must not exist yet: a restore never mixes with live files.
 */
export async function restoreFiles(o: { store: string; at: Date; targets: Record<string, string> }): Promise<{
  files: number;
  bytes: number;
  fromLater: number;
  used: string[];
  warnings: string[];
}> {
  validateNames(o.targets);
  const { before, after } = await snapshotsFor(o.store, o.at);
  if (!before && !after) throw new Error(`no file snapshots in ${o.store}`);
  const warnings: string[] = [];
  if (!before) warnings.push(`no snapshot at or before ${o.at.toISOString()}: using the next one only`);
  if (!after)
    warnings.push(
      `no snapshot after ${o.at.toISOString()}: files written after ${before!.takenAt} are not in the backup`,
    );
  let files = 0;
  let bytes = 0;
  let fromLater = 0;
  for (const [name, target] of Object.entries(o.targets)) {
    const a = before?.sources[name];
    const b = after?.sources[name];
    const kind = a?.kind ?? b?.kind;
    if (!kind) throw new Error(`no source named ${name} in the snapshots used`);
    if (await exists(target)) {
      const empty = kind === 'dir' && (await readdir(target)).length === 0;
      if (!empty) throw new Error(`${name}: ${target} already exists; restore into a fresh place`);
    }
    const merged: Record<string, FileEntry> = { ...(b?.files ?? {}), ...(a?.files ?? {}) };
    await eachLimit(Object.entries(merged), RESTORE_LANES, async ([rel, entry]) => {
      if (!a?.files[rel]) fromLater += 1;
      if (rel.split('/').some((part) => part === '..' || part === '')) throw new Error(`bad path ${rel}`);
      const dest = kind === 'dir' ? path.join(target, ...rel.split('/')) : target;
      const staged = await writeHashed(objectPath(o.store, entry.sha256), path.dirname(dest), 0o600);
      if (staged.sha !== entry.sha256) {
        await rm(staged.tmp, { force: true });
        throw new Error(`${name}/${rel}: checksum mismatch, the backup's object is damaged`);
      }
      await publish(staged.tmp, dest);
      files += 1;
      bytes += entry.size;
    });
    if (kind === 'dir') await mkdir(target, { recursive: true, mode: 0o700 });
  }
  const used = [before?.takenAt, after?.takenAt].filter((t): t is string => Boolean(t));
  return { files, bytes, fromLater, used, warnings };
}

/**
 * Retention: drops snapshots older than the last one started at or before `keepFrom` (that one
 * stays, a restore just after `keepFrom` needs it), then the objects no snapshot still lists.
 */
export async function pruneFiles(o: {
  store: string;
  keepFrom: Date;
}): Promise<{ snapshots: number; objects: number }> {
  const names = await listSnapshots(o.store);
  const snaps = await Promise.all(names.map((n) => readSnapshot(o.store, n)));
  let keepIndex = 0;
  snaps.forEach((s, i) => {
    if (Date.parse(s.takenAt) <= o.keepFrom.getTime()) keepIndex = i;
  });
  for (const name of names.slice(0, keepIndex)) await rm(path.join(o.store, 'snapshots', name));
  const live = new Set<string>();
  for (const s of snaps.slice(keepIndex))
    for (const src of Object.values(s.sources)) for (const f of Object.values(src.files)) live.add(f.sha256);
  let objects = 0;
  const root = path.join(o.store, 'objects');
  for (const rel of await listFiles(root).catch(() => [] as string[])) {
    if (!live.has(path.basename(rel))) {
      await rm(path.join(root, rel));
      objects += 1;
    }
  }
  return { snapshots: keepIndex, objects };
}
