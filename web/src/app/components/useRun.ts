import { useState } from 'react';
import { useAnnounce } from './Status.tsx';

/**
 * An action of a screen: runs the work, announces what was done in the polite live region, or
 * keeps the error for `<ErrorText>` until the next run; `busy` while it runs (buttons wait).
 */
export function useRun() {
  const announce = useAnnounce();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<unknown>, done?: string): Promise<boolean> => {
    setError(null);
    setBusy(true);
    try {
      await work();
      if (done) announce(done);
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, setError, busy, run };
}
