import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Runs once before the suite: the real servers must already be up (`npm test` starts
 * them through infra/local/stack.sh). A missing stack fails the run loudly; nothing skips.
 */
export default function setup() {
  const stackFile = fileURLToPath(new URL('../../.local/stack.json', import.meta.url));
  if (!existsSync(stackFile)) {
    throw new Error(
      `no local stack (${stackFile} is missing): run \`bash infra/local/stack.sh up\` or \`npm test\``,
    );
  }
  const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as Record<string, string>;
  for (const [key, value] of Object.entries(stack)) process.env[key] ??= value;
}
