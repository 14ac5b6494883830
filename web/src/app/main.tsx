import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import { setupI18n } from '../shared/i18n.ts';
import { App } from './App.tsx';
import { restore } from './api/session.ts';
import { en } from './i18n/en.ts';

/** Boot: strings (English bundled, German on demand), the session of this tab, then the app. */
const [, signedIn] = await Promise.all([
  setupI18n({
    ns: 'app',
    en: { app: en },
    loaders: { de: async () => ({ app: (await import('./i18n/de.ts')).de }) },
  }),
  restore(),
]);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App signedIn={signedIn} />
  </StrictMode>,
);
