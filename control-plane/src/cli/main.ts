/**
 * `quire`: the sales-ops CLI over the control plane's admin API.
 *
 *   quire tenants create|list|show|update|suspend|resume|offboard|reactivate|set-plan|flags …
 *   quire cells list|create|drain|undrain|rotate-credential …
 *
 * Configuration: QUIRE_CONTROL_PLANE_URL and QUIRE_OPS_TOKEN, or --url and --token.
 * Exit codes: 0 ok, 1 API error (its code is printed), 2 usage error, 3 control plane unreachable.
 */
import { parseArgs } from 'node:util';
import { ApiError, apiClient, Unreachable } from './client.ts';
import { cellCommands } from './commands/cells.ts';
import type { Command, Output } from './commands/command.ts';
import { UsageError } from './commands/command.ts';
import { tenantCommands } from './commands/tenants.ts';

const COMMANDS: Record<string, Command> = { ...tenantCommands, ...cellCommands };

const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  quire ${name} ${c.usage}`.trimEnd());
  return [
    'usage: quire <group> <command> [arguments] [--json] [--url URL] [--token TOKEN]',
    '',
    ...lines,
    '',
    'Environment: QUIRE_CONTROL_PLANE_URL, QUIRE_OPS_TOKEN (QUIRE_ADMIN_PASSWORD for tenants create).',
    'Exit codes: 0 ok, 1 API error, 2 usage error, 3 control plane unreachable.',
  ].join('\n');
}

/** Indexes of the group and command words: the first two arguments that are neither options nor their values. */
function commandWords(argv: string[]): number[] {
  const found: number[] = [];
  for (let i = 0; i < argv.length && found.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--url' || a === '--token') i++;
    else if (!a.startsWith('-')) found.push(i);
  }
  return found;
}

export async function main(
  argv: string[],
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const words = commandWords(argv);
  const name = words.map((w) => argv[w]).join(' ');
  const command = COMMANDS[name];
  if (!command) {
    const wantsHelp = argv.includes('--help') || argv.includes('-h') || argv.length === 0;
    (wantsHelp ? out.stdout : out.stderr)(
      wantsHelp ? usage() : `quire: unknown command "${name || argv.join(' ')}"\n\n${usage()}`,
    );
    return wantsHelp ? 0 : 2;
  }
  // The command words are the first two positionals; everything else is parsed strictly.
  const rest = argv.filter((_, i) => !words.includes(i));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    out.stderr(`quire ${name}: ${(err as Error).message}\nusage: quire ${name} ${command.usage}`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help) {
    out.stdout(`usage: quire ${name} ${command.usage}${command.help ? `\n\n${command.help}` : ''}`);
    return 0;
  }
  const url = (values.url as string | undefined) ?? env.QUIRE_CONTROL_PLANE_URL;
  const token = (values.token as string | undefined) ?? env.QUIRE_OPS_TOKEN;
  if (!url || !token) {
    out.stderr('quire: set QUIRE_CONTROL_PLANE_URL and QUIRE_OPS_TOKEN (or pass --url and --token)');
    return 2;
  }
  try {
    new URL(url);
  } catch {
    out.stderr(`quire: not a URL: ${url}`);
    return 2;
  }
  try {
    return await command.run({
      api: apiClient(url, token),
      args: parsed.positionals,
      values,
      json: values.json === true,
      out,
      env,
    });
  } catch (err) {
    if (err instanceof UsageError) {
      out.stderr(`quire ${name}: ${err.message}\nusage: quire ${name} ${command.usage}`);
      return 2;
    }
    if (err instanceof ApiError) {
      out.stderr(`error: ${err.code}: ${err.message}`);
      if (Array.isArray(err.details))
        for (const d of err.details as { path?: string; message?: string }[])
          out.stderr(`  ${d.path || '(body)'}: ${d.message}`);
      else if (err.details && typeof err.details === 'object') out.stderr(`  ${JSON.stringify(err.details)}`);
      return 1;
    }
    if (err instanceof Unreachable) {
      out.stderr(`error: ${err.message}`);
      return 3;
    }
    throw err;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(`${s}\n`),
    stderr: (s) => process.stderr.write(`${s}\n`),
  });
  process.exitCode = code;
}
