import i18next, { type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';

/**
 * One i18n library (i18next) for every string of the web app and the ops page. English is
 * bundled; other languages load on demand. Dates, numbers and sizes go through Intl in the
 * user's language and time zone. The document direction follows the language (rtl for Arabic,
 * Hebrew, …), even when that language has no translation yet and the strings fall back to English.
 */
export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'de', label: 'Deutsch' },
] as const;
export type LanguageCode = (typeof LANGUAGES)[number]['code'];

const STORAGE_KEY = 'quire.language';
const RTL = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'yi', 'dv', 'ckb', 'sd', 'ug']);

export type Loaders = Record<Exclude<LanguageCode, 'en'>, () => Promise<Resource[string]>>;

function preferred(): string {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored) return stored;
  } catch {
    // storage may be disabled: fall through to the browser's languages
  }
  const first = navigator.languages?.[0] ?? navigator.language ?? 'en';
  return first;
}

/** `de-AT` → `de` when only `de` is translated; an untranslated language is kept (for Intl and direction). */
function pick(tag: string): string {
  const base = tag.toLowerCase().split('-')[0] ?? 'en';
  return LANGUAGES.some((l) => l.code === base) ? base : tag;
}

let loaders: Loaders | null = null;
let namespace = 'app';

async function ensureLoaded(lng: string) {
  const base = lng.split('-')[0] as LanguageCode;
  if (base === 'en' || !loaders || !(base in loaders) || i18next.hasResourceBundle(base, namespace)) return;
  const bundle = await loaders[base as keyof Loaders]();
  i18next.addResourceBundle(base, namespace, bundle[namespace], true, true);
}

function applyDocument(lng: string) {
  const base = lng.toLowerCase().split('-')[0] ?? 'en';
  document.documentElement.lang = lng;
  document.documentElement.dir = RTL.has(base) ? 'rtl' : 'ltr';
}

export async function setupI18n(o: { ns: string; en: Resource[string]; loaders: Loaders }) {
  loaders = o.loaders;
  namespace = o.ns;
  const lng = pick(preferred());
  await i18next.use(initReactI18next).init({
    lng,
    fallbackLng: 'en',
    ns: [o.ns],
    defaultNS: o.ns,
    resources: { en: o.en },
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  await ensureLoaded(lng);
  await i18next.changeLanguage(lng);
  applyDocument(lng);
  i18next.on('languageChanged', applyDocument);
  return i18next;
}

export async function changeLanguage(code: LanguageCode) {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // a preference only
  }
  await ensureLoaded(code);
  await i18next.changeLanguage(code);
}

export const currentLanguage = () => i18next.language || 'en';

const dateTimeCache = new Map<string, Intl.DateTimeFormat>();
/** A date and time in the user's language and time zone. */
export function formatDateTime(iso: string | Date | null | undefined): string {
  if (!iso) return '';
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return '';
  const lng = currentLanguage();
  let f = dateTimeCache.get(lng);
  if (!f) {
    f = new Intl.DateTimeFormat(lng, { dateStyle: 'medium', timeStyle: 'short' });
    dateTimeCache.set(lng, f);
  }
  return f.format(date);
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(currentLanguage()).format(n);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
/** 1536 → "1.5 kB" / "1,5 kB", in the user's language. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return new Intl.NumberFormat(currentLanguage(), {
    style: 'unit',
    unit: UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

/** "3 minutes ago", in the user's language. */
export function formatRelative(iso: string): string {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(currentLanguage(), { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(Math.round(seconds), 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}
