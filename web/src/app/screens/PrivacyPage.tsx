import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../shared/i18n.ts';
import {
  type ConsentEvent,
  type Purpose,
  recordConsent,
  useMyConsents,
  usePurposes,
} from '../api/consent.ts';
import { startExport } from '../api/exports.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { ExportList } from '../components/ExportList.tsx';
import { Loading } from '../components/Loading.tsx';
import { useRun } from '../components/useRun.ts';

/** A purpose and the person's answer: agree (to the current text) or withdraw. */
function Answer({ purpose, current }: { purpose: Purpose; current: ConsentEvent | undefined }) {
  const { t } = useTranslation();
  const { error, busy, run } = useRun();
  const granted = current?.decision === 'granted';
  const stale = granted && current.textVersion !== purpose.textVersion;
  return (
    <li className="card" data-purpose={purpose.key}>
      <h3>{purpose.name}</h3>
      {purpose.description ? <p>{purpose.description}</p> : null}
      <p className="muted small">{t('privacy.version', { version: purpose.textVersion })}</p>
      <p>
        {!current
          ? t('privacy.notAnswered')
          : stale
            ? t('privacy.grantedOlder', { version: current.textVersion })
            : t(`privacy.state.${current.decision}`, { when: formatDateTime(current.occurredAt) })}
      </p>
      <div className="row">
        {!granted || stale ? (
          <button
            type="button"
            className="primary"
            disabled={busy}
            aria-label={t('privacy.agreeTo', { name: purpose.name })}
            onClick={() => void run(() => recordConsent(purpose, 'granted'), t('privacy.recorded'))}
          >
            {t('privacy.agree')}
          </button>
        ) : null}
        {granted ? (
          <button
            type="button"
            disabled={busy}
            aria-label={t('privacy.withdrawFrom', { name: purpose.name })}
            onClick={() => void run(() => recordConsent(purpose, 'withdrawn'), t('privacy.recorded'))}
          >
            {t('privacy.withdraw')}
          </button>
        ) : null}
      </div>
      <ErrorText error={error} />
    </li>
  );
}

/** Your privacy (everyone): your consents, answered and withdrawn here; your data as a zip. */
export default function PrivacyPage() {
  const { t } = useTranslation();
  const purposes = usePurposes();
  const mine = useMyConsents();
  const { error, busy, run } = useRun();
  const current = new Map((mine.data?.current ?? []).map((e) => [e.purposeId, e]));
  return (
    <section className="stack" aria-labelledby="privacy-title">
      <h1 id="privacy-title">{t('privacy.title')}</h1>
      <h2>{t('privacy.consents')}</h2>
      <ErrorText error={purposes.error ?? mine.error} />
      {purposes.isPending || mine.isPending ? <Loading /> : null}
      {purposes.isSuccess && purposes.data.length === 0 ? (
        <p className="muted">{t('privacy.noPurposes')}</p>
      ) : null}
      <ul className="plain stack">
        {(purposes.data ?? []).map((p) => (
          <Answer key={p.id} purpose={p} current={current.get(p.id)} />
        ))}
      </ul>
      <h2>{t('privacy.yourData')}</h2>
      <p className="muted">{t('privacy.exportWhat')}</p>
      <ErrorText error={error} />
      <button
        type="button"
        disabled={busy}
        onClick={() => void run(() => startExport({ scope: 'user' }), t('exports.started'))}
      >
        {t('privacy.exportMine')}
      </button>
      <ExportList />
    </section>
  );
}
