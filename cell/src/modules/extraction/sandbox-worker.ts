import type { MessagePort, Transferable } from 'node:worker_threads';
import { ExtractionError } from './errors.ts';

/** What a sandbox worker sends back for one job. */
export type JobReply<R> =
  | { id: number; ok: true; value: R }
  | { id: number; ok: false; code?: ExtractionError['code']; message: string };

/**
 * The worker side of the sandbox protocol: announce readiness, then answer each `{ id, job }`.
 * An `ExtractionError` travels as its code and message (ours, never document text); any other
 * failure only by its error name, because a library's message may quote the document.
 */
export function serveJobs<J, R>(
  port: MessagePort,
  handle: (job: J) => Promise<R>,
  transferOf: (value: R) => Transferable[] = () => [],
): void {
  port.on('message', async ({ id, job }: { id: number; job: J }) => {
    try {
      const value = await handle(job);
      port.postMessage({ id, ok: true, value } satisfies JobReply<R>, transferOf(value));
    } catch (err) {
      const reply: JobReply<R> =
        err instanceof ExtractionError
          ? { id, ok: false, code: err.code, message: err.message }
          : {
              id,
              ok: false,
              message: `${err instanceof Error ? err.name : 'unknown error'} in sandbox worker`,
            };
      port.postMessage(reply);
    }
  });
  port.postMessage({ ready: true });
}
