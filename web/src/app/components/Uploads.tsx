import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatBytes } from '../../shared/i18n.ts';
import { upload } from '../api/uploads.ts';
import { useErrorMessage } from './ErrorText.tsx';

/** Uploads with per-file progress: a queue of files, two at a time, each with its own bar. */
interface Item {
  key: string;
  name: string;
  size: number;
  loaded: number;
  state: 'queued' | 'uploading' | 'done' | 'failed';
  error?: unknown;
  documentId?: string;
  abort: AbortController;
}

const PARALLEL = 2;

export function useUploads(target: { folderId?: string | null; documentId?: string }) {
  const [items, setItems] = useState<Item[]>([]);
  const queue = useRef<{ item: Item; file: File }[]>([]);
  const running = useRef(0);
  const targetRef = useRef(target);
  targetRef.current = target;

  const patch = useCallback((key: string, change: Partial<Item>) => {
    setItems((list) => list.map((i) => (i.key === key ? { ...i, ...change } : i)));
  }, []);

  const pump = useCallback(() => {
    while (running.current < PARALLEL && queue.current.length > 0) {
      const next = queue.current.shift()!;
      running.current++;
      patch(next.item.key, { state: 'uploading' });
      upload({
        file: next.file,
        ...targetRef.current,
        signal: next.item.abort.signal,
        onProgress: (loaded) => patch(next.item.key, { loaded }),
      })
        .then((r) =>
          patch(next.item.key, { state: 'done', loaded: next.file.size, documentId: r.document.id }),
        )
        .catch((error) => patch(next.item.key, { state: 'failed', error }))
        .finally(() => {
          running.current--;
          pump();
        });
    }
  }, [patch]);

  const add = useCallback(
    (files: Iterable<File>) => {
      const added: Item[] = [];
      for (const file of files) {
        const item: Item = {
          key: crypto.randomUUID(),
          name: file.name,
          size: file.size,
          loaded: 0,
          state: 'queued',
          abort: new AbortController(),
        };
        added.push(item);
        queue.current.push({ item, file });
      }
      setItems((list) => [...list, ...added]);
      pump();
    },
    [pump],
  );

  const clearDone = useCallback(() => setItems((list) => list.filter((i) => i.state !== 'done')), []);
  return { items, add, clearDone };
}

export function UploadList({ items, onClear }: { items: Item[]; onClear: () => void }) {
  const { t } = useTranslation();
  const message = useErrorMessage();
  if (items.length === 0) return null;
  const done = items.filter((i) => i.state === 'done').length;
  return (
    <section aria-labelledby="uploads-heading" className="card">
      <div className="row">
        <h2 id="uploads-heading" className="spacer flush">
          {t('upload.heading', { done, total: items.length })}
        </h2>
        {done > 0 ? (
          <button type="button" onClick={onClear}>
            {t('upload.clear')}
          </button>
        ) : null}
      </div>
      <ul className="uploads">
        {items.map((i) => (
          <li key={i.key} data-state={i.state}>
            <span>
              {i.documentId ? <Link to={`/documents/${i.documentId}`}>{i.name}</Link> : i.name}{' '}
              <span className="muted">{formatBytes(i.size)}</span>
            </span>
            <progress
              max={Math.max(i.size, 1)}
              value={i.state === 'done' ? Math.max(i.size, 1) : i.loaded}
              aria-label={t('upload.progressOf', { name: i.name })}
            />
            <span className={i.state === 'failed' ? 'error' : i.state === 'done' ? 'ok' : 'muted'}>
              {i.state === 'failed'
                ? message(i.error)
                : i.state === 'uploading'
                  ? t('upload.percent', { percent: Math.floor((i.loaded / Math.max(i.size, 1)) * 100) })
                  : t(`upload.state.${i.state}`)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
