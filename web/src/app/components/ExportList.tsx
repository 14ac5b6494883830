import { useTranslation } from 'react-i18next';
import { formatBytes, formatDateTime, formatNumber } from '../../shared/i18n.ts';
import { downloadExport, type PortabilityExport, useExports } from '../api/exports.ts';
import { ErrorText } from './ErrorText.tsx';
import { Loading } from './Loading.tsx';
import { PersonName } from './PersonName.tsx';
import { useRun } from './useRun.ts';

/** Whose data an export holds, in words. */
function Subject({ e }: { e: PortabilityExport }) {
  const { t } = useTranslation();
  if (e.scope === 'tenant') return <>{t('exports.wholeOrganisation')}</>;
  return <PersonName id={e.subjectUserId} />;
}

/** One export: its progress while it runs (a labelled progress bar), then the download. */
function Row({ e, onDownload, busy }: { e: PortabilityExport; onDownload: () => void; busy: boolean }) {
  const { t } = useTranslation();
  const running = e.status === 'queued' || e.status === 'running';
  const label = t('exports.progressOf', {
    done: formatNumber(e.progress.done),
    total: formatNumber(e.progress.total),
  });
  return (
    <tr data-export={e.id}>
      <td>
        <Subject e={e} />
        <div className="muted small">{formatDateTime(e.createdAt)}</div>
      </td>
      <td>
        <span className={e.status === 'failed' ? 'error' : e.status === 'done' ? 'ok' : undefined}>
          {t(`exports.statuses.${e.status}`)}
        </span>
        {running ? (
          <div>
            <progress
              aria-label={t('exports.progress')}
              aria-valuetext={label}
              max={Math.max(e.progress.total, 1)}
              value={e.progress.done}
            />{' '}
            <span className="small">{label}</span>
          </div>
        ) : null}
        {e.error ? <div className="error small">{e.error}</div> : null}
      </td>
      <td className="hide-narrow">{e.size !== null ? formatBytes(e.size) : ''}</td>
      <td>
        {e.downloadUrl ? (
          <>
            <button type="button" disabled={busy} onClick={onDownload}>
              {t('exports.download')}
            </button>
            <div className="muted small">{t('exports.until', { when: formatDateTime(e.expiresAt) })}</div>
          </>
        ) : e.status === 'done' ? (
          <span className="muted">{t('exports.expired')}</span>
        ) : null}
      </td>
    </tr>
  );
}

/** The exports the caller may see (their own; admins: the tenant's), polled while one runs. */
export function ExportList() {
  const { t } = useTranslation();
  const exports = useExports();
  const { error, busy, run } = useRun();
  const items = exports.data ?? [];
  return (
    <>
      <ErrorText error={error ?? exports.error} />
      {exports.isPending ? <Loading /> : null}
      {exports.isSuccess && items.length === 0 ? <p className="muted">{t('exports.none')}</p> : null}
      {items.length ? (
        <div className="table-wrap">
          <table aria-label={t('exports.list')}>
            <thead>
              <tr>
                <th>{t('exports.whose')}</th>
                <th>{t('exports.status')}</th>
                <th className="hide-narrow">{t('exports.size')}</th>
                <th>{t('exports.file')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <Row
                  key={e.id}
                  e={e}
                  busy={busy}
                  onDownload={() => void run(() => downloadExport(e), t('exports.downloaded'))}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
