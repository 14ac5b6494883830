import { useTranslation } from 'react-i18next';
import { OpsError } from '../api/client.ts';

/**
 * An admin API error: its reason or code in the user's language where known (first under
 * `reasons`, a screen's own namespace, then `errors`), the server's message otherwise.
 */
export function ErrorLine({ error, reasons }: { error: unknown; reasons?: string }) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  let text = t('errors.network');
  if (error instanceof OpsError) {
    const reason = (error.details as { reason?: string } | null)?.reason;
    const keys = [
      ...(reason && reasons ? [`${reasons}.${reason}`] : []),
      reason ? `errors.${reason}` : `errors.${error.code}`,
    ];
    const key = keys.find((k) => i18n.exists(k));
    text = key ? t(key) : error.message;
  }
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}
