import { QueryClientProvider } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, NavLink, Outlet } from 'react-router';
import { RouterProvider } from 'react-router/dom';
import { LanguagePicker } from '../shared/LanguagePicker.tsx';
import { useCan, whoIs } from './api/caller.ts';
import { OpsError, queryClient, setOpsToken, useOpsToken } from './api/client.ts';
import { CellsPage } from './screens/CellsPage.tsx';
import { TenantPage } from './screens/TenantPage.tsx';
import { TenantsPage } from './screens/TenantsPage.tsx';

/**
 * The sales-ops page: tenants (create, plan, flags, suspend, resume, offboard, reactivate, live
 * provisioning) and cells (load, drain), each offered only to a token whose role allows it.
 */
function SignIn() {
  const { t } = useTranslation();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setOpsToken(value.trim());
    try {
      await whoIs();
    } catch (err) {
      setOpsToken(null);
      setError(err instanceof OpsError && err.status === 401 ? t('signIn.invalid') : t('signIn.failed'));
    }
  };
  return (
    <main id="main" className="signin card">
      <h1>{t('signIn.title')}</h1>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="ops-token">{t('signIn.token')}</label>
          <input
            id="ops-token"
            type="password"
            autoComplete="off"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-describedby="ops-token-hint"
          />
          <span id="ops-token-hint" className="muted">
            {t('signIn.hint')}
          </span>
        </div>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={!value.trim()}>
          {t('signIn.submit')}
        </button>
      </form>
      <div className="row end">
        <LanguagePicker />
      </div>
    </main>
  );
}

function Frame() {
  const { t } = useTranslation();
  const token = useOpsToken();
  const can = useCan();
  if (!token) return <SignIn />;
  return (
    <>
      <a className="skip-link" href="#main">
        {t('frame.skip')}
      </a>
      <div className="shell">
        <header className="topbar">
          <span className="brand">{t('frame.title')}</span>
          <span className="spacer" />
          <LanguagePicker />
          <button type="button" onClick={() => setOpsToken(null)}>
            {t('frame.signOut')}
          </button>
        </header>
        <nav className="sidebar open" aria-label={t('frame.navigation')}>
          <ul>
            <li>
              <NavLink to="/" end>
                {t('frame.tenants')}
              </NavLink>
            </li>
            {can('cells.list') ? (
              <li>
                <NavLink to="/cells">{t('frame.cells')}</NavLink>
              </li>
            ) : null}
          </ul>
        </nav>
        <main id="main" className="content" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </>
  );
}

const router = createBrowserRouter(
  [
    {
      path: '/',
      element: <Frame />,
      children: [
        { index: true, element: <TenantsPage /> },
        { path: 'tenants/:idOrSlug', element: <TenantPage /> },
        { path: 'cells', element: <CellsPage /> },
      ],
    },
  ],
  { basename: '/admin' },
);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
