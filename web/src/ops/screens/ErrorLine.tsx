import { useTranslation } from 'react-i18next';
import { OpsError } from '../api/client.ts';

/** An admin API error: its code in the user's language where known, the server's message otherwise. */
export function ErrorLine({ error }: { error: unknown }) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  let text = t('errors.network');
  if (error instanceof OpsError) {
    const reason = (error.details as { reason?: string } | null)?.reason;
    const key = reason ? `errors.${reason}` : `errors.${error.code}`;
    text = i18n.exists(key) ? t(key) : error.message;
  }
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}
