/** Background loops of a control plane process: resume jobs, sweep cells. Never overlap themselves. */
export function every(intervalMs: number, tick: () => Promise<unknown>, onError: (err: unknown) => void) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const loop = async () => {
    running = tick().catch(onError);
    await running;
    running = null;
    if (!stopped) timer = setTimeout(loop, intervalMs);
  };
  timer = setTimeout(loop, intervalMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
