import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatDateTime } from '../../../shared/i18n.ts';
import { useDocument } from '../../api/documents.ts';
import { type LegalHold, releaseHold, useHeldRequests, useHolds } from '../../api/holds.ts';
import { AdminOnly } from '../../components/AdminOnly.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PersonName } from '../../components/PersonName.tsx';
import { useRun } from '../../components/useRun.ts';
import { HoldForm } from './HoldForm.tsx';

const SHOWN = 5;

function DocumentLink({ id }: { id: string }) {
  const doc = useDocument(id);
  return <Link to={`/documents/${id}`}>{doc.data?.title ?? id}</Link>;
}

/** What a hold holds: its documents (the first few by title), and counts of folders and custodians. */
function Held({ hold }: { hold: LegalHold }) {
  const { t } = useTranslation();
  const docs = hold.documentIds;
  return (
    <ul className="plain">
      {docs.slice(0, SHOWN).map((id) => (
        <li key={id}>
          <DocumentLink id={id} />
        </li>
      ))}
      {docs.length > SHOWN ? <li>{t('holds.moreDocuments', { count: docs.length - SHOWN })}</li> : null}
      {hold.folderIds.length ? <li>{t('holds.folderCount', { count: hold.folderIds.length })}</li> : null}
      {hold.custodianIds.map((id) => (
        <li key={id}>
          {t('holds.custodian')}: <PersonName id={id} />
        </li>
      ))}
    </ul>
  );
}

function Holds() {
  const { t } = useTranslation();
  const holds = useHolds();
  const queue = useHeldRequests();
  const { error, busy, run } = useRun();
  const release = (h: LegalHold) => {
    if (!confirm(t('holds.confirmRelease', { name: h.name }))) return;
    void run(async () => {
      await releaseHold(h.id);
      await queue.refetch();
    }, t('holds.released'));
  };
  const items = holds.data ?? [];
  return (
    <section className="stack" aria-labelledby="holds-title">
      <h1 id="holds-title">{t('holds.title')}</h1>
      <p className="muted">{t('holds.intro')}</p>
      <ErrorText error={error ?? holds.error} />
      {holds.isPending ? <Loading /> : null}
      {holds.isSuccess && items.length === 0 ? <p className="muted">{t('holds.none')}</p> : null}
      {items.length ? (
        <div className="table-wrap">
          <table aria-labelledby="holds-title">
            <thead>
              <tr>
                <th>{t('holds.name')}</th>
                <th>{t('holds.status')}</th>
                <th>{t('holds.holds')}</th>
                <th className="hide-narrow">{t('holds.placedBy')}</th>
                <th>{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((h) => (
                <tr key={h.id} data-hold={h.id}>
                  <td>
                    {h.name}
                    {h.description ? <div className="muted small">{h.description}</div> : null}
                  </td>
                  <td>
                    {h.status === 'active' ? (
                      <span className="badge">{t('holds.active')}</span>
                    ) : (
                      t('holds.releasedOn', { when: formatDateTime(h.releasedAt) })
                    )}
                  </td>
                  <td>
                    <Held hold={h} />
                  </td>
                  <td className="hide-narrow">
                    <PersonName id={h.createdBy} />, {formatDateTime(h.createdAt)}
                  </td>
                  <td>
                    {h.status === 'active' ? (
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={t('holds.releaseNamed', { name: h.name })}
                        onClick={() => release(h)}
                      >
                        {t('holds.release')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <HoldForm />
      <h2 id="held-title">{t('holds.stopped')}</h2>
      <p className="muted">{t('holds.stoppedIntro')}</p>
      <ErrorText error={queue.error} />
      {queue.isSuccess && queue.data.length === 0 ? (
        <p className="muted">{t('holds.nothingStopped')}</p>
      ) : null}
      {queue.data?.length ? (
        <div className="table-wrap">
          <table aria-labelledby="held-title">
            <thead>
              <tr>
                <th>{t('holds.request')}</th>
                <th>{t('holds.requestedBy')}</th>
                <th>{t('holds.status')}</th>
                <th className="hide-narrow">{t('holds.when')}</th>
              </tr>
            </thead>
            <tbody>
              {queue.data.map((r) => (
                <tr key={r.id}>
                  <td>
                    {t(`holds.kinds.${r.kind.replace(/\./g, '_')}`, { defaultValue: r.kind })}:{' '}
                    {r.kind.startsWith('document.') ? (
                      <DocumentLink id={r.targetId} />
                    ) : (
                      <code>{r.targetId}</code>
                    )}
                  </td>
                  <td>
                    <PersonName id={r.requestedBy} />
                  </td>
                  <td>
                    {t(`holds.queue.${r.status}`)}
                    {r.outcome ? <span className="muted"> ({r.outcome})</span> : null}
                  </td>
                  <td className="hide-narrow">{formatDateTime(r.resumedAt ?? r.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Legal holds (admins): what is held, place a hold, release one, and the requests holds stopped. */
export default function HoldsPage() {
  const { t } = useTranslation();
  return (
    <AdminOnly title={t('holds.title')}>
      <Holds />
    </AdminOnly>
  );
}
