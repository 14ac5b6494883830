import { useTranslation } from 'react-i18next';
import { isAdmin, useMe } from '../../api/session.ts';
import { Alerts } from './identity/Alerts.tsx';
import { Connections } from './identity/Connections.tsx';
import { ScimTokens } from './identity/ScimTokens.tsx';
import { Settings } from './identity/Settings.tsx';

/** Identity administration: alerts, sign-in policy, single sign-on connections, SCIM provisioning. */
export default function IdentityPage() {
  const { t } = useTranslation();
  const me = useMe();
  if (!isAdmin(me)) return <p>{t('admin.onlyAdmins')}</p>;
  return (
    <div>
      <h1>{t('identity.title')}</h1>
      <Alerts />
      <Settings />
      <Connections />
      <ScimTokens />
    </div>
  );
}
