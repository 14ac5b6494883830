import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';

type Explained = { reason: string; [k: string]: unknown };

/**
 * The reason a refusal names: `details.reason`, or for a validation error the first field issue
 * that has one (`details: [{ path, message, reason, … }]`), with its figures (`maxDays`).
 */
function explained(details: unknown): Explained | null {
  const list = Array.isArray(details) ? details : [details];
  const hit = list.find((d) => typeof (d as { reason?: unknown } | null)?.reason === 'string');
  return (hit as Explained | undefined) ?? null;
}

/** An API error in the user's language: by its code where known, else the server's message. */
export function useErrorMessage() {
  const { t, i18n } = useTranslation();
  return (err: unknown): string => {
    if (!err) return '';
    if (err instanceof ApiError) {
      // A refusal the cell explains with a reason says more than its code.
      const why = explained(err.details);
      if (why) {
        const { reason, ...figures } = why;
        for (const key of [`errors.reasons.${reason}`, `reasons.${reason}`])
          if (i18n.exists(key)) return t(key, figures);
      }
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
