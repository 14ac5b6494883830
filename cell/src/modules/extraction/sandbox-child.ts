import { ExtractionError } from './errors.ts';

/** What a sandbox child sends back for one job. */
export type JobReply<R> =
  | { id: number; ok: true; value: R }
  | { id: number; ok: false; code?: ExtractionError['code']; message: string };

/** True inside a process the sandbox started (it sets this variable in the child's environment). */
export function isSandboxChild(): boolean {
  return process.env.QUIRE_SANDBOX_CHILD === '1' && typeof process.send === 'function';
}

/**
 * The child side of the sandbox protocol: announce readiness, then answer each `{ id, job }`.
 * An `ExtractionError` travels as its code and message (ours, never document text); any other
 * failure only by its error name, because a library's message may quote the document.
 */
export function serveJobs<J, R>(handle: (job: J) => Promise<R>): void {
  const send = (message: unknown) => process.send?.(message);
  process.on('message', async ({ id, job }: { id: number; job: J }) => {
    try {
      send({ id, ok: true, value: await handle(job) } satisfies JobReply<R>);
    } catch (err) {
      const reply: JobReply<R> =
        err instanceof ExtractionError
          ? { id, ok: false, code: err.code, message: err.message }
          : {
              id,
              ok: false,
              message: `${err instanceof Error ? err.name : 'unknown error'} in sandbox child`,
            };
      send(reply);
    }
  });
  // The parent going away (crash, SIGKILL) closes the channel: leave with it.
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}
