import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../../shared/i18n.ts';
import { useCan } from '../api/caller.ts';
import { setDraining, useCells } from '../api/cells.ts';
import { ErrorLine } from './ErrorLine.tsx';

/** Cells: status, capacity and load, search engine, last heartbeat; drain and undrain. */
export function CellsPage() {
  const { t } = useTranslation();
  const cells = useCells();
  const can = useCan();
  const [error, setError] = useState<unknown>(null);
  return (
    <section aria-labelledby="cells-title">
      <h1 id="cells-title">{t('cells.title')}</h1>
      <ErrorLine error={error ?? cells.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('cells.id')}</th>
              <th>{t('tenants.region')}</th>
              <th>{t('tenants.status')}</th>
              <th>{t('cells.load')}</th>
              <th className="hide-narrow">{t('cells.search')}</th>
              <th className="hide-narrow">{t('cells.version')}</th>
              <th className="hide-narrow">{t('cells.heartbeat')}</th>
              <th>
                <span className="visually-hidden">{t('common.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(cells.data ?? []).map((c) => (
              <tr key={c.id}>
                <td>{c.id}</td>
                <td>{t(`regions.${c.region}`, { defaultValue: c.region })}</td>
                <td>{t(`cellStatuses.${c.status}`)}</td>
                <td>
                  <meter
                    min={0}
                    max={Math.max(c.capacity, 1)}
                    value={c.homedTenants}
                    aria-label={t('cells.loadOf', { id: c.id })}
                  />{' '}
                  {t('cells.loadValue', {
                    homed: formatNumber(c.homedTenants),
                    capacity: formatNumber(c.capacity),
                  })}
                </td>
                <td className="hide-narrow">
                  {c.search.engine}
                  {c.search.maxTenantDocuments !== null
                    ? ` (≤ ${formatNumber(c.search.maxTenantDocuments)})`
                    : ''}
                </td>
                <td className="hide-narrow">{c.version ?? '—'}</td>
                <td className="hide-narrow">{formatDateTime(c.lastHeartbeatAt)}</td>
                <td>
                  {can(c.draining ? 'cells.undrain' : 'cells.drain') ? (
                    <button
                      type="button"
                      onClick={() =>
                        void setDraining(c.id, !c.draining)
                          .then(() => setError(null))
                          .catch(setError)
                      }
                    >
                      {c.draining ? t('cells.undrain', { id: c.id }) : t('cells.drain', { id: c.id })}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
