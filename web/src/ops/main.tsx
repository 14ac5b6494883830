import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import { setupI18n } from '../shared/i18n.ts';
import { App } from './App.tsx';
import { en } from './i18n/en.ts';

await setupI18n({
  ns: 'ops',
  en: { ops: en },
  loaders: { de: async () => ({ ops: (await import('./i18n/de.ts')).de }) },
});
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
