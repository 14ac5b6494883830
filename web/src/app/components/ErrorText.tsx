import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';

/** An API error in the user's language: by its code where known, else the server's message. */
export function useErrorMessage() {
  const { t, i18n } = useTranslation();
  return (err: unknown): string => {
    if (!err) return '';
    if (err instanceof ApiError) {
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
