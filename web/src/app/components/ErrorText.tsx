import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';

/** An API error in the user's language: by its code where known, else the server's message. */
export function useErrorMessage() {
  const { t, i18n } = useTranslation();
  return (err: unknown): string => {
    if (!err) return '';
    if (err instanceof ApiError) {
      // A refusal the cell explains with a reason (`details.reason`) says more than its code.
      const reason = (err.details as { reason?: unknown } | undefined)?.reason;
      if (typeof reason === 'string' && i18n.exists(`errors.reasons.${reason}`))
        return t(`errors.reasons.${reason}`);
      const key = `errors.${err.code}`;
      return i18n.exists(key) ? t(key) : err.message;
    }
    return t('errors.network');
  };
}

export function ErrorText({ error }: { error: unknown }) {
  const message = useErrorMessage();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {message(error)}
    </p>
  );
}
