/**
 * `node infra/backup/files-cli.ts backup|restore|list|prune --store DIR …`: the command line
 * of files.ts (snapshots of blobs and key files). Prints one JSON line of figures on stdout.
 *
 *   backup  --store DIR NAME=PATH…             one snapshot of each source (file or folder)
 *   restore --store DIR --at ISO NAME=PATH…    the files as of ISO into fresh targets
 *   list    --store DIR                        snapshots, oldest first
 *   prune   --store DIR --keep-from ISO        retention (see pruneFiles)
 */
import { listSnapshots, pruneFiles, restoreFiles, snapshotFiles } from './files.ts';

function usage(message: string): never {
  console.error(`files-cli: ${message}
usage: files-cli.ts backup  --store DIR NAME=PATH...
       files-cli.ts restore --store DIR --at ISO-TIME NAME=PATH...
       files-cli.ts list    --store DIR
       files-cli.ts prune   --store DIR --keep-from ISO-TIME`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
const flags: Record<string, string> = {};
const pairs: Record<string, string> = {};
for (let i = 0; i < rest.length; i++) {
  const arg = rest[i]!;
  if (arg.startsWith('--')) {
    const value = rest[++i];
    if (value === undefined) usage(`${arg} needs a value`);
    flags[arg.slice(2)] = value;
  } else if (arg.includes('=')) {
    const at = arg.indexOf('=');
    pairs[arg.slice(0, at)] = arg.slice(at + 1);
  } else usage(`unexpected argument ${arg}`);
}
const store = flags.store ?? usage('--store is required');
const time = (flag: string): Date => {
  const raw = flags[flag] ?? usage(`--${flag} is required`);
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) usage(`--${flag} ${raw} is not a time (ISO 8601)`);
  return at;
};

try {
  switch (command) {
    case 'backup': {
      const r = await snapshotFiles({ store, sources: pairs });
      const files = Object.values(r.snapshot.sources).reduce((n, s) => n + Object.keys(s.files).length, 0);
      console.log(JSON.stringify({ snapshot: r.name, files, copied: r.copied, copiedBytes: r.copiedBytes }));
      break;
    }
    case 'restore': {
      const r = await restoreFiles({ store, at: time('at'), targets: pairs });
      for (const w of r.warnings) console.error(`files-cli: WARNING: ${w}`);
      console.log(JSON.stringify(r));
      break;
    }
    case 'list':
      for (const name of await listSnapshots(store)) console.log(name);
      break;
    case 'prune':
      console.log(JSON.stringify(await pruneFiles({ store, keepFrom: time('keep-from') })));
      break;
    default:
      usage(`unknown command ${command ?? '(none)'}`);
  }
} catch (err) {
  console.error(`files-cli: ERROR: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
