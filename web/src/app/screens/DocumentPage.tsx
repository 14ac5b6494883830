import { type FormEvent, type KeyboardEvent, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { formatBytes, formatDateTime } from '../../shared/i18n.ts';
import {
  download,
  restoreDocument,
  restoreVersion,
  trashDocument,
  updateDocument,
  useDocument,
  usePreview,
  useVersions,
} from '../api/documents.ts';
import { ApiError } from '../api/errors.ts';
import { useFolder } from '../api/folders.ts';
import type { DocumentDetail } from '../api/types.ts';
import { AccessRequests, RequestAccess } from '../components/AccessRequests.tsx';
import { Activity } from '../components/Activity.tsx';
import { Comments } from '../components/comments/Comments.tsx';
import { ErrorText } from '../components/ErrorText.tsx';
import { FocusedInput } from '../components/Focus.tsx';
import { Permissions } from '../components/Permissions.tsx';
import { PersonName } from '../components/PersonName.tsx';
import { Presence } from '../components/Presence.tsx';
import { type PreviewFocus, PreviewFocusProvider } from '../components/PreviewFocus.tsx';
import { ShareLinks } from '../components/ShareLinks.tsx';
import { useAnnounce } from '../components/Status.tsx';
import { UploadList, useUploads } from '../components/Uploads.tsx';

/** A document: preview, metadata and tags, versions with rollback, download, permissions, trash. */
export default function DocumentPage() {
  const { documentId = '' } = useParams();
  const { t } = useTranslation();
  const doc = useDocument(documentId);
  if (doc.isPending)
    return (
      <p role="status" className="muted">
        {t('common.loading')}
      </p>
    );
  if (!doc.data)
    return (
      <>
        <ErrorText error={doc.error} />
        {doc.error instanceof ApiError && doc.error.status === 404 ? (
          <RequestAccess resource={{ type: 'document', id: documentId }} />
        ) : null}
      </>
    );
  return <DocumentView doc={doc.data} />;
}

/** Comments and activity, as two tabs (← → move between them). */
function Discussion({ documentId, versionId }: { documentId: string; versionId: string }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<'comments' | 'activity'>('comments');
  const tabs = ['comments', 'activity'] as const;
  const onKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const next = tab === 'comments' ? 'activity' : 'comments';
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <section aria-labelledby="discussion-heading">
      <h2 id="discussion-heading">{t('comments.discussion')}</h2>
      <div role="tablist" aria-labelledby="discussion-heading" className="tabs">
        {tabs.map((k) => (
          <button
            key={k}
            id={`tab-${k}`}
            type="button"
            role="tab"
            aria-selected={tab === k}
            aria-controls={`panel-${k}`}
            tabIndex={tab === k ? 0 : -1}
            onClick={() => setTab(k)}
            onKeyDown={onKey}
          >
            {t(k === 'comments' ? 'comments.title' : 'activity.title')}
          </button>
        ))}
      </div>
      <div id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'comments' ? (
          <Comments documentId={documentId} versionId={versionId} />
        ) : (
          <Activity resource={{ type: 'document', id: documentId }} />
        )}
      </div>
    </section>
  );
}

function DocumentView({ doc }: { doc: DocumentDetail }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const navigate = useNavigate();
  const folder = useFolder(doc.folderId);
  const versions = useVersions(doc.id);
  const preview = usePreview(doc.id, doc.currentVersion);
  const uploads = useUploads({ documentId: doc.id });
  const fileInput = useRef<HTMLInputElement>(null);
  const previewRef = useRef<HTMLElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(doc.title);
  const [tag, setTag] = useState('');
  const { write, manage } = doc.abilities;

  const run = async (work: () => Promise<unknown>, done?: string) => {
    setError(null);
    try {
      await work();
      if (done) announce(done);
    } catch (err) {
      setError(err);
    }
  };

  const saveTitle = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await updateDocument(doc.id, { title: title.trim() });
      setEditing(false);
    }, t('document.saved'));
  };
  const addTag = (e: FormEvent) => {
    e.preventDefault();
    const value = tag.trim();
    if (!value || doc.tags.includes(value)) return;
    void run(async () => {
      await updateDocument(doc.id, { tags: [...doc.tags, value] });
      setTag('');
    }, t('document.saved'));
  };

  const current = doc.currentVersion;
  // What a comment's anchor can point the preview at: the first page of the current version.
  const pages = preview.state === 'ready' ? 1 : 0;
  const focus = useMemo<PreviewFocus>(
    () => ({
      versionId: current.id,
      pages,
      show: () => {
        previewRef.current?.scrollIntoView({ block: 'center' });
        previewRef.current?.focus();
      },
    }),
    [current.id, pages],
  );
  return (
    <PreviewFocusProvider value={focus}>
      <article aria-labelledby="doc-title">
        <nav className="breadcrumbs" aria-label={t('browse.breadcrumbs')}>
          <ol>
            <li>
              <Link to="/">{t('browse.allDocuments')}</Link>
            </li>
            {folder.data
              ? [...folder.data.breadcrumbs, { id: folder.data.id, name: folder.data.name }].map((b) => (
                  <li key={b.id}>
                    <Link to={`/folders/${b.id}`}>{b.name}</Link>
                  </li>
                ))
              : null}
          </ol>
        </nav>
        {editing ? (
          <form className="row" onSubmit={saveTitle}>
            <label htmlFor="doc-title-input" className="visually-hidden">
              {t('document.title')}
            </label>
            <FocusedInput
              id="doc-title-input"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              maxLength={255}
            />
            <button type="submit" className="primary">
              {t('common.save')}
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              {t('common.cancel')}
            </button>
          </form>
        ) : (
          <div className="row">
            <h1 id="doc-title" className="spacer">
              {doc.title}
            </h1>
            {doc.trashedAt ? <span className="badge">{t('document.inTrash')}</span> : null}
          </div>
        )}
        <Presence documentId={doc.id} />
        <div className="row">
          <button type="button" className="primary" onClick={() => void run(() => download(doc.id, current))}>
            {t('document.download')}
          </button>
          {write && !doc.trashedAt ? (
            <>
              <button type="button" onClick={() => fileInput.current?.click()}>
                {t('document.uploadVersion')}
              </button>
              <input
                ref={fileInput}
                type="file"
                hidden
                aria-label={t('document.uploadVersion')}
                onChange={(e) => {
                  if (e.target.files) uploads.add(e.target.files);
                  e.target.value = '';
                }}
              />
              <button type="button" onClick={() => setEditing(true)}>
                {t('document.rename')}
              </button>
            </>
          ) : null}
          {manage ? (
            doc.trashedAt ? (
              <button
                type="button"
                onClick={() => void run(() => restoreDocument(doc.id), t('trash.restored'))}
              >
                {t('trash.restore')}
              </button>
            ) : (
              <button
                type="button"
                className="danger"
                onClick={() =>
                  void run(
                    async () => {
                      await trashDocument(doc.id);
                      navigate(doc.folderId ? `/folders/${doc.folderId}` : '/');
                    },
                    t('browse.trashed', { count: 1 }),
                  )
                }
              >
                {t('browse.moveToTrash')}
              </button>
            )
          ) : null}
        </div>
        <ErrorText error={error} />
        <UploadList items={uploads.items} onClear={uploads.clearDone} />
        <div className="doc-layout">
          <section aria-labelledby="preview-heading">
            <h2 id="preview-heading">{t('document.preview')}</h2>
            <figure className="preview" ref={previewRef} tabIndex={-1} aria-labelledby="preview-heading">
              {preview.state === 'ready' ? (
                <img src={preview.url} alt={t('document.previewOf', { title: doc.title })} />
              ) : preview.state === 'loading' ? (
                <span className="muted" role="status">
                  {t('document.previewLoading')}
                </span>
              ) : (
                <span className="muted">{t('document.noPreview')}</span>
              )}
            </figure>
          </section>
          <section aria-labelledby="details-heading" className="card">
            <h2 id="details-heading" className="flush">
              {t('document.details')}
            </h2>
            <dl className="meta">
              <dt>{t('document.fileName')}</dt>
              <dd>{current.filename}</dd>
              <dt>{t('document.type')}</dt>
              <dd>{current.contentType}</dd>
              <dt>{t('document.size')}</dt>
              <dd>{formatBytes(current.size)}</dd>
              <dt>{t('document.version')}</dt>
              <dd>{current.number}</dd>
              <dt>{t('document.createdBy')}</dt>
              <dd>
                <PersonName id={doc.createdBy} />
              </dd>
              <dt>{t('document.created')}</dt>
              <dd>{formatDateTime(doc.createdAt)}</dd>
              <dt>{t('document.updated')}</dt>
              <dd>{formatDateTime(doc.updatedAt)}</dd>
              <dt>{t('document.searchable')}</dt>
              <dd>{t(`document.extraction.${current.extraction.status}`)}</dd>
            </dl>
            <h3>{t('document.tags')}</h3>
            <ul className="tags" aria-label={t('document.tags')}>
              {doc.tags.length === 0 ? <li className="muted">{t('document.noTags')}</li> : null}
              {doc.tags.map((tg) => (
                <li key={tg} className="badge">
                  {tg}
                  {write ? (
                    <button
                      type="button"
                      className="link"
                      aria-label={t('document.removeTag', { tag: tg })}
                      onClick={() =>
                        void run(
                          () => updateDocument(doc.id, { tags: doc.tags.filter((x) => x !== tg) }),
                          t('document.saved'),
                        )
                      }
                    >
                      {' '}
                      ×
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
            {write ? (
              <form className="row" onSubmit={addTag}>
                <label htmlFor="new-tag" className="visually-hidden">
                  {t('document.newTag')}
                </label>
                <input
                  id="new-tag"
                  placeholder={t('document.newTag')}
                  value={tag}
                  maxLength={64}
                  onChange={(e) => setTag(e.target.value)}
                />
                <button type="submit">{t('document.addTag')}</button>
              </form>
            ) : null}
          </section>
        </div>
        <section aria-labelledby="versions-heading">
          <h2 id="versions-heading">{t('document.versions')}</h2>
          <ErrorText error={versions.error} />
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('document.versionNumber')}</th>
                  <th>{t('document.fileName')}</th>
                  <th className="hide-narrow">{t('document.size')}</th>
                  <th className="hide-narrow">{t('document.created')}</th>
                  <th>
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {(versions.data ?? []).map((v) => (
                  <tr key={v.id} data-version={v.number}>
                    <td>
                      {v.number}
                      {v.id === doc.currentVersionId ? (
                        <span className="badge"> {t('document.current')}</span>
                      ) : null}
                      {v.restoredFrom ? <span className="muted"> {t('document.restoredFrom')}</span> : null}
                    </td>
                    <td>{v.filename}</td>
                    <td className="hide-narrow">{formatBytes(v.size)}</td>
                    <td className="hide-narrow">{formatDateTime(v.createdAt)}</td>
                    <td>
                      <div className="row">
                        <button
                          type="button"
                          onClick={() => void run(() => download(doc.id, v))}
                          aria-label={t('document.downloadVersion', { number: v.number })}
                        >
                          {t('document.download')}
                        </button>
                        {write && v.id !== doc.currentVersionId && !doc.trashedAt ? (
                          <button
                            type="button"
                            onClick={() =>
                              void run(
                                () => restoreVersion(doc.id, v.id),
                                t('document.rolledBack', { number: v.number }),
                              )
                            }
                            aria-label={t('document.restoreVersion', { number: v.number })}
                          >
                            {t('document.restore')}
                          </button>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        <Discussion documentId={doc.id} versionId={current.id} />
        <Permissions resource={{ type: 'document', id: doc.id }} canManage={manage} />
        {manage ? <AccessRequests resourceId={doc.id} /> : null}
        {manage && !doc.trashedAt ? <ShareLinks resource={{ type: 'document', id: doc.id }} /> : null}
      </article>
    </PreviewFocusProvider>
  );
}
