import type { ParseArgsConfig } from 'node:util';
import type { ApiClient } from '../client.ts';

export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CommandContext {
  api: ApiClient;
  args: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  json: boolean;
  out: Output;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  usage: string;
  help?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(ctx: CommandContext): Promise<number>;
}

/** A mistake in the command line itself: exit code 2. */
export class UsageError extends Error {}

export function arg(ctx: CommandContext, index: number, what: string): string {
  const value = ctx.args[index];
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

export function noExtraArgs(ctx: CommandContext, count: number): void {
  if (ctx.args.length > count) throw new UsageError(`unexpected argument: ${ctx.args[count]}`);
}

export function required(ctx: CommandContext, option: string): string {
  const value = ctx.values[option];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${option} is required`);
  return value;
}

export function optional(ctx: CommandContext, option: string): string | undefined {
  const value = ctx.values[option];
  return typeof value === 'string' ? value : undefined;
}

/** Path segments from the command line go through encodeURIComponent, never raw. */
export const seg = encodeURIComponent;

/** Prints the API's answer as it came (`--json`); returns the exit code 0. */
export function printJson(ctx: CommandContext, value: unknown): number {
  ctx.out.stdout(JSON.stringify(value, null, 2));
  return 0;
}
