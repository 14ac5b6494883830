import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, useLocation, useNavigate } from 'react-router';
import { LanguagePicker } from '../../shared/LanguagePicker.tsx';
import { appHost } from '../api/host.ts';
import { useLiveChannel } from '../api/live.ts';
import { isAdmin, signOut, useMe } from '../api/session.ts';
import { BreakGlassBanner } from '../components/BreakGlassBanner.tsx';
import { FolderTree } from '../components/FolderTree.tsx';
import { NotificationBell } from '../components/NotificationBell.tsx';
import { StatusProvider } from '../components/Status.tsx';
import { searchState } from './search-state.ts';

/** The frame of every signed-in screen: top bar (search, language, sign out), navigation, content. */
export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  // The menu (narrow screens) is open for the page it was opened on: navigating closes it.
  const [menuFor, setMenuFor] = useState<string | null>(null);
  const menuOpen = menuFor === pathname;
  const [q, setQ] = useState('');
  const organisation = appHost().slug;
  useLiveChannel(!!me);

  const search = (e: FormEvent) => {
    e.preventDefault();
    // The query goes to the search screen in memory, never into the address bar.
    searchState.set({ ...searchState.get(), q });
    navigate('/search');
  };

  return (
    <StatusProvider>
      <a className="skip-link" href="#main">
        {t('shell.skipToContent')}
      </a>
      <div className="shell">
        <header className="topbar">
          <button
            type="button"
            className="menu-button"
            aria-expanded={menuOpen}
            aria-controls="sidebar"
            onClick={() => setMenuFor(menuOpen ? null : pathname)}
          >
            {t('shell.menu')}
          </button>
          <Link to="/" className="brand">
            Quire
          </Link>
          {organisation ? <span className="muted hide-narrow">{organisation}</span> : null}
          {pathname !== '/search' ? (
            <search>
              <form onSubmit={search}>
                <label htmlFor="quick-search" className="visually-hidden">
                  {t('search.label')}
                </label>
                <input
                  id="quick-search"
                  className="quick-search"
                  type="search"
                  placeholder={t('search.placeholder')}
                  value={q}
                  onChange={(e) => setQ(e.target.value)}
                />
              </form>
            </search>
          ) : (
            <span className="spacer" />
          )}
          <NotificationBell />
          <LanguagePicker />
          <button
            type="button"
            onClick={() => {
              signOut();
              navigate('/sign-in');
            }}
          >
            {t('shell.signOut')}
          </button>
        </header>
        <nav id="sidebar" className={`sidebar${menuOpen ? ' open' : ''}`} aria-label={t('shell.navigation')}>
          <h2>{t('shell.folders')}</h2>
          <FolderTree />
          <h2>{t('shell.more')}</h2>
          <ul>
            <li>
              <NavLink to="/search">{t('shell.search')}</NavLink>
            </li>
            <li>
              <NavLink to="/trash">{t('shell.trash')}</NavLink>
            </li>
            <li>
              <NavLink to="/notifications">{t('shell.notifications')}</NavLink>
            </li>
            <li>
              <NavLink to="/account">{t('shell.account')}</NavLink>
            </li>
            <li>
              <NavLink to="/privacy">{t('compliance.nav.privacy')}</NavLink>
            </li>
          </ul>
          {isAdmin(me) ? (
            <>
              <h2>{t('shell.admin')}</h2>
              <ul>
                <li>
                  <NavLink to="/admin/users">{t('shell.usersAndGroups')}</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/identity">{t('shell.identity')}</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/webhooks">{t('webhooks.nav')}</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/audit">{t('shell.auditLog')}</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/usage">{t('compliance.nav.usage')}</NavLink>
                </li>
              </ul>
              <h2>{t('compliance.nav.heading')}</h2>
              <ul>
                <li>
                  <NavLink to="/admin/legal-holds">{t('compliance.nav.holds')}</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/retention">{t('compliance.nav.retention')}</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/erasure">{t('compliance.nav.erasure')}</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/exports">{t('compliance.nav.exports')}</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/consent">{t('compliance.nav.consent')}</NavLink>
                </li>
              </ul>
            </>
          ) : null}
        </nav>
        <main id="main" className="content" tabIndex={-1}>
          <BreakGlassBanner />
          {children}
        </main>
      </div>
    </StatusProvider>
  );
}
