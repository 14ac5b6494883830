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
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
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

/** Writes `dest` from `src` through a temp file, fsynced, renamed, with the folder fsynced. */
export async function copyDurably(src: string, dest: string, mode: number): Promise<void> {
  const dir = path.dirname(dest);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  try {
    await copyFile(src, tmp);
    const handle = await open(tmp, 'r+');
    try {
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncPath(dir);
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
      if (!sha || !(await exists(object!))) {
        try {
          sha = await sha256File(file);
          const dest = objectPath(o.store, sha);
          if (!(await exists(dest))) {
            await copyDurably(file, dest, 0o600);
            // The copy is what a restore will get: check it, not the source we hashed.
            if ((await sha256File(dest)) !== sha) {
              await rm(dest, { force: true });
              throw new Error(`${name}/${rel} changed while it was copied; run the snapshot again`);
            }
            copied += 1;
            copiedBytes += Number(st.size);
          }
        } catch (err) {
          if (errno(err) === 'ENOENT') continue;
          throw err;
        }
      }
      files[rel] = { sha256: sha, size: Number(st.size), stamp };
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
    for (const [rel, entry] of Object.entries(merged)) {
      if (!a?.files[rel]) fromLater += 1;
      if (rel.split('/').some((part) => part === '..' || part === '')) throw new Error(`bad path ${rel}`);
      const dest = kind === 'dir' ? path.join(target, ...rel.split('/')) : target;
      await copyDurably(objectPath(o.store, entry.sha256), dest, 0o600);
      const got = await sha256File(dest);
      if (got !== entry.sha256)
        throw new Error(`${name}/${rel}: checksum mismatch after restore (store damaged?)`);
      files += 1;
      bytes += entry.size;
    }
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
