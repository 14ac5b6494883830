import { useState } from 'react';
import { useAnnounce } from './Status.tsx';

/**
 * An action of a screen: runs the work, announces what was done in the polite live region, or
 * keeps the error for `<ErrorText>`; `busy` names the action running (buttons wait for it).
 */
export function useRun() {
  const announce = useAnnounce();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (name: string, work: () => Promise<unknown>, done?: string): Promise<boolean> => {
    setError(null);
    setBusy(name);
    try {
      await work();
      if (done) announce(done);
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(null);
    }
  };
  return { error, setError, busy, run };
}
