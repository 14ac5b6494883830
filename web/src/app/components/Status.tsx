import { createContext, type ReactNode, useCallback, useContext, useRef, useState } from 'react';

/** One polite live region for confirmations ("Folder created"), read out by screen readers. */
const Ctx = createContext<(message: string) => void>(() => {});

export function StatusProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const announce = useCallback((m: string) => {
    setMessage('');
    clearTimeout(timer.current);
    requestAnimationFrame(() => setMessage(m));
    timer.current = setTimeout(() => setMessage(''), 5_000);
  }, []);
  return (
    <Ctx.Provider value={announce}>
      {children}
      <div className="status-bar" role="status" aria-live="polite">
        {message}
      </div>
    </Ctx.Provider>
  );
}

export const useAnnounce = () => useContext(Ctx);
