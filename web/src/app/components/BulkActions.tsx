import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  afterBulkJob,
  type BulkJob,
  type BulkRequest,
  type CreateBulkJob,
  cancelBulkJob,
  downloadBulkResult,
  getBulkJob,
  isFinished,
  startBulkJob,
} from '../api/bulk.ts';
import { useSubfolders } from '../api/folders.ts';
import { onBulkProgress } from '../api/live.ts';
import { ErrorText } from './ErrorText.tsx';
import { useAnnounce } from './Status.tsx';

/**
 * Bulk actions on the selected documents (move, tag, export as a zip, trash) as one background
 * job of the cell, with its progress (polled, and pushed over the live channel) and, for an
 * export, the zip to download. Loaded on demand, when something is selected.
 */
export default function BulkActions({
  ids,
  folderId,
  onDone,
}: {
  ids: string[];
  folderId: string | null;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const top = useSubfolders('root', true);
  const here = useSubfolders(folderId ?? 'root', !!folderId);
  const [target, setTarget] = useState('');
  const [tag, setTag] = useState('');
  const [job, setJob] = useState<BulkJob | null>(null);
  const [error, setError] = useState<unknown>(null);

  const jobId = job && !isFinished(job) ? job.id : null;
  useEffect(() => {
    if (!jobId) return;
    const update = (j: BulkJob) => {
      setJob((prev) => ({ ...(prev as BulkJob), ...j }));
      if (isFinished(j)) {
        announce(t('bulk.finished', { done: j.done, failed: j.failed }));
        void afterBulkJob();
      }
    };
    const off = onBulkProgress((pushed) => {
      const j = pushed as BulkJob;
      if (j?.id === jobId && typeof j.total === 'number') update(j);
    });
    const timer = setInterval(() => {
      getBulkJob(jobId).then(update, setError);
    }, 1000);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [jobId, announce, t]);

  const start = async (input: BulkRequest) => {
    setError(null);
    try {
      setJob(
        await startBulkJob({
          ...input,
          items: ids.map((id) => ({ id, type: 'document' as const })),
        } as CreateBulkJob),
      );
    } catch (err) {
      setError(err);
    }
  };

  const move = (e: FormEvent) => {
    e.preventDefault();
    void start({ kind: 'move', targetFolderId: target === 'root' ? null : target });
  };
  const addTag = (e: FormEvent) => {
    e.preventDefault();
    if (tag.trim()) void start({ kind: 'tag', tags: { add: [tag.trim()] } });
  };

  const folders = [...(top.data ?? []), ...(here.data ?? [])].filter(
    (f, i, all) => f.id !== folderId && all.findIndex((x) => x.id === f.id) === i,
  );
  const running = job && !isFinished(job);
  return (
    <div className="bulk">
      {job ? (
        <div className="card" aria-live="polite">
          <label htmlFor="bulk-progress">{t(`bulk.kinds.${job.kind}`)}</label>
          <progress id="bulk-progress" max={job.total || 1} value={job.done + job.failed} />
          <span>
            {isFinished(job)
              ? t('bulk.finished', { done: job.done, failed: job.failed })
              : t('bulk.progress', { done: job.done + job.failed, total: job.total })}
          </span>
          <div className="row">
            {running ? (
              <button type="button" onClick={() => void cancelBulkJob(job.id).catch(setError)}>
                {t('common.cancel')}
              </button>
            ) : null}
            {!running && job.hasDownload ? (
              <button
                type="button"
                className="primary"
                onClick={() => void downloadBulkResult(job.id).catch(setError)}
              >
                {t('bulk.downloadZip')}
              </button>
            ) : null}
            {!running ? (
              <button
                type="button"
                onClick={() => {
                  setJob(null);
                  onDone();
                }}
              >
                {t('bulk.close')}
              </button>
            ) : null}
          </div>
        </div>
      ) : (
        <div className="row">
          <form className="row" onSubmit={move}>
            <label htmlFor="bulk-target">{t('bulk.moveTo')}</label>
            <select id="bulk-target" required value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">{t('bulk.chooseFolder')}</option>
              {folderId ? <option value="root">{t('browse.allDocuments')}</option> : null}
              {folders.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
            </select>
            <button type="submit">{t('bulk.move')}</button>
          </form>
          <form className="row" onSubmit={addTag}>
            <label htmlFor="bulk-tag">{t('bulk.tag')}</label>
            <input id="bulk-tag" maxLength={64} value={tag} onChange={(e) => setTag(e.target.value)} />
            <button type="submit">{t('bulk.addTag')}</button>
          </form>
          <button type="button" onClick={() => void start({ kind: 'export' })}>
            {t('bulk.export')}
          </button>
        </div>
      )}
      <ErrorText error={error} />
    </div>
  );
}
