import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSnapshots, pruneFiles, restoreFiles, snapshotFiles } from '../files.ts';

/** File snapshots (files.ts): what a restore as of T gets, checksums, retention. No servers needed. */
const root = mkdtempSync(join(tmpdir(), 'quire-files-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const write = (dir: string, rel: string, body: string) => {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), body);
};
const tick = () => new Promise((r) => setTimeout(r, 15));

describe('file snapshots', () => {
  it('restores as of T: the last snapshot before T plus files first seen in the next one', async () => {
    const src = join(root, 'a-src');
    const store = join(root, 'a-store');
    write(src, 'tenants/ten_a/v1', 'one');
    write(src, 'tenants/ten_a/gone-later', 'deleted after T');
    write(src, '.tmp-inflight', 'never an object');
    const s1 = await snapshotFiles({ store, sources: { blobs: src } });
    expect(s1.copied).toBe(2);
    await tick();
    write(src, 'tenants/ten_a/v2', 'written just before T');
    await tick();
    const t = new Date();
    await tick();
    unlinkSync(join(src, 'tenants/ten_a/gone-later'));
    write(src, 'tenants/ten_a/v3', 'after T');
    const s2 = await snapshotFiles({ store, sources: { blobs: src } });
    expect(s2.copied).toBe(2); // v2 and v3: v1 is already an object

    const out = join(root, 'a-out');
    const r = await restoreFiles({ store, at: t, targets: { blobs: out } });
    expect(r.warnings).toEqual([]);
    const files = (await readdir(join(out, 'tenants/ten_a'))).sort();
    // v3 comes too (first seen after T): restore-cell.sh removes what no restored row references.
    expect(files).toEqual(['gone-later', 'v1', 'v2', 'v3']);
    expect(readFileSync(join(out, 'tenants/ten_a/v2'), 'utf8')).toBe('written just before T');
    expect(r.fromLater).toBe(2);
  });

  it('refuses to restore into a folder that holds files, and detects a damaged object', async () => {
    const src = join(root, 'b-src');
    const store = join(root, 'b-store');
    write(src, 'k', 'key material');
    await snapshotFiles({ store, sources: { keys: src } });
    const busy = join(root, 'b-busy');
    write(busy, 'x', 'live file');
    await expect(restoreFiles({ store, at: new Date(), targets: { keys: busy } })).rejects.toThrow(
      /already exists/,
    );
    const objects = join(store, 'objects');
    const [prefix] = await readdir(objects);
    const [object] = await readdir(join(objects, prefix!));
    writeFileSync(join(objects, prefix!, object!), 'tampered');
    await expect(
      restoreFiles({ store, at: new Date(), targets: { keys: join(root, 'b-out') } }),
    ).rejects.toThrow(/checksum mismatch/);
  });

  it('keeps a single file source as a file, and prunes old snapshots and their objects', async () => {
    const file = join(root, 'c-signing.json');
    const store = join(root, 'c-store');
    writeFileSync(file, '{"v":1}');
    await snapshotFiles({ store, sources: { 'signing-keys.json': file } });
    await tick();
    writeFileSync(file, '{"v":2}');
    await snapshotFiles({ store, sources: { 'signing-keys.json': file } });
    await tick();
    const cut = new Date();
    await tick();
    writeFileSync(file, '{"v":3}');
    await snapshotFiles({ store, sources: { 'signing-keys.json': file } });
    const out = join(root, 'c-out.json');
    await restoreFiles({ store, at: cut, targets: { 'signing-keys.json': out } });
    expect(readFileSync(out, 'utf8')).toBe('{"v":2}');
    const pruned = await pruneFiles({ store, keepFrom: cut });
    expect(pruned).toEqual({ snapshots: 1, objects: 1 }); // v1 goes; v2 stays for a restore just after `cut`
    expect(await listSnapshots(store)).toHaveLength(2);
  });

  it('validates names and paths', async () => {
    await expect(snapshotFiles({ store: join(root, 'd'), sources: { 'bad name': '/x' } })).rejects.toThrow(
      /invalid name/,
    );
    await expect(snapshotFiles({ store: join(root, 'd'), sources: { ok: 'relative/path' } })).rejects.toThrow(
      /absolute/,
    );
    await expect(
      snapshotFiles({ store: join(root, 'd'), sources: { ok: join(root, 'missing') } }),
    ).rejects.toThrow(/cannot read/);
  });
});
