import { useState } from 'react';
import { useAnnounce } from './Status.tsx';

/**
 * Runs an action of a settings screen: the error (for an ErrorText) until the next run, and
 * what was done announced in the status region on success.
 */
export function useRun() {
  const announce = useAnnounce();
  const [error, setError] = useState<unknown>(null);
  const run = async (work: () => Promise<unknown>, done?: string) => {
    setError(null);
    try {
      await work();
      if (done) announce(done);
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  return { error, run };
}
