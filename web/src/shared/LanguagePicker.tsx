import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { changeLanguage, LANGUAGES, type LanguageCode } from './i18n.ts';

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const base = (i18n.language || 'en').split('-')[0];
  return (
    <span className="row">
      <label htmlFor={id} className="visually-hidden">
        {t('common.language')}
      </label>
      <select
        id={id}
        value={LANGUAGES.some((l) => l.code === base) ? base : 'en'}
        onChange={(e) => void changeLanguage(e.target.value as LanguageCode)}
      >
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.label}
          </option>
        ))}
      </select>
    </span>
  );
}
