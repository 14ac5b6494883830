import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, type ReactNode, Suspense, useEffect } from 'react';
import { createBrowserRouter, Navigate, Outlet, useLocation } from 'react-router';
import { RouterProvider } from 'react-router/dom';
import { queryClient } from './api/client.ts';
import { useMe } from './api/session.ts';
import { Loading } from './components/Loading.tsx';
import { Browse } from './screens/Browse.tsx';
import { NotFound } from './screens/NotFound.tsx';
import { Shell } from './screens/Shell.tsx';
import { SignIn } from './screens/SignIn.tsx';

/**
 * Routes carry opaque ids only (`/folders/fld_…`, `/documents/doc_…`): never a search term, a
 * file name or any other tenant content (the search query lives in state). The shell, sign-in
 * and the folder view are in the first load; the other screens load on demand.
 */
const DocumentPage = lazy(() => import('./screens/DocumentPage.tsx'));
const SearchPage = lazy(() => import('./screens/SearchPage.tsx'));
const TrashPage = lazy(() => import('./screens/TrashPage.tsx'));
const UsersPage = lazy(() => import('./screens/admin/UsersPage.tsx'));
const AuditPage = lazy(() => import('./screens/admin/AuditPage.tsx'));
const IdentityPage = lazy(() => import('./screens/admin/IdentityPage.tsx'));
const UsagePage = lazy(() => import('./screens/admin/UsagePage.tsx'));
const HoldsPage = lazy(() => import('./screens/admin/HoldsPage.tsx'));
const RetentionPage = lazy(() => import('./screens/admin/RetentionPage.tsx'));
const ErasurePage = lazy(() => import('./screens/admin/ErasurePage.tsx'));
const ExportsPage = lazy(() => import('./screens/admin/ExportsPage.tsx'));
const ConsentPage = lazy(() => import('./screens/admin/ConsentPage.tsx'));
const PrivacyPage = lazy(() => import('./screens/PrivacyPage.tsx'));
const NotificationsPage = lazy(() => import('./screens/NotificationsPage.tsx'));
const AccountPage = lazy(() => import('./screens/AccountPage.tsx'));
const SharedPage = lazy(() => import('./screens/SharedPage.tsx'));
const WebhooksPage = lazy(() => import('./screens/admin/WebhooksPage.tsx'));
const SsoLanding = lazy(() => import('./screens/SsoLanding.tsx'));
const BreakGlass = lazy(() => import('./screens/BreakGlass.tsx'));

/** Pages reachable without a session: sign-in and its steps, and external share links. */
const PUBLIC_PATHS = new Set(['/sign-in', '/login/mfa', '/break-glass', '/shared']);

const lazyPage = (page: ReactNode) => <Suspense fallback={<Loading />}>{page}</Suspense>;

function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (!me) return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  return (
    <Shell>
      <Suspense fallback={<Loading />}>
        <Outlet />
      </Suspense>
    </Shell>
  );
}

const router = createBrowserRouter([
  { path: '/sign-in', element: <SignIn /> },
  // Where the cell's SSO callback sends a login that owes a second factor.
  { path: '/login/mfa', element: lazyPage(<SsoLanding />) },
  { path: '/break-glass', element: lazyPage(<BreakGlass />) },
  // An external share link: no session needed; the link's token is after `#` (never sent).
  { path: '/shared', element: lazyPage(<SharedPage />) },
  {
    path: '/',
    element: <RequireSession />,
    children: [
      { index: true, element: <Browse /> },
      { path: 'folders/:folderId', element: <Browse /> },
      { path: 'documents/:documentId', element: <DocumentPage /> },
      { path: 'search', element: <SearchPage /> },
      { path: 'trash', element: <TrashPage /> },
      { path: 'admin/users', element: <UsersPage /> },
      { path: 'admin/audit', element: <AuditPage /> },
      { path: 'admin/identity', element: <IdentityPage /> },
      { path: 'admin/usage', element: <UsagePage /> },
      { path: 'admin/legal-holds', element: <HoldsPage /> },
      { path: 'admin/retention', element: <RetentionPage /> },
      { path: 'admin/erasure', element: <ErasurePage /> },
      { path: 'admin/exports', element: <ExportsPage /> },
      { path: 'admin/consent', element: <ConsentPage /> },
      { path: 'privacy', element: <PrivacyPage /> },
      { path: 'admin/webhooks', element: <WebhooksPage /> },
      { path: 'notifications', element: <NotificationsPage /> },
      { path: 'account', element: <AccountPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App({ signedIn }: { signedIn: boolean }) {
  useEffect(() => {
    if (!signedIn && !PUBLIC_PATHS.has(location.pathname))
      void router.navigate('/sign-in', { replace: true });
  }, [signedIn]);
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
