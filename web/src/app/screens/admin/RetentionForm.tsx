import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSubfolders } from '../../api/folders.ts';
import {
  type CreateRetentionPolicy,
  createPolicy,
  type RetentionPolicy,
  type RetentionScope,
  updatePolicy,
} from '../../api/retention.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useRun } from '../../components/useRun.ts';

type Draft = Omit<CreateRetentionPolicy, 'scope' | 'keepDays'> & {
  kind: RetentionScope['kind'];
  value: string;
  keepDays: string;
};
const empty: Draft = {
  name: '',
  kind: 'folder',
  value: '',
  basis: 'updated',
  keepDays: '365',
  action: 'trash',
  enabled: true,
};

const draftOf = (p: RetentionPolicy): Draft => ({
  name: p.name,
  kind: p.scope.kind,
  value: p.scope.value,
  basis: p.basis,
  keepDays: String(p.keepDays),
  action: p.action,
  enabled: p.enabled,
});

/**
 * Add a retention policy: what it applies to (a folder, a tag, a type), how long, then what.
 * With `policy`, the same form changes that policy in place; its scope stays (a policy for
 * something else is a new one), so those fields are shown but not editable.
 */
export function RetentionForm({ policy, onDone }: { policy?: RetentionPolicy; onDone?: () => void } = {}) {
  const { t } = useTranslation();
  const folders = useSubfolders('root', true);
  const { error, busy, run } = useRun();
  const [d, setD] = useState<Draft>(policy ? draftOf(policy) : empty);
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const ids = policy ? `policy-${policy.id}` : 'policy';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (policy) {
      void run(async () => {
        await updatePolicy(policy.id, {
          name: d.name.trim(),
          basis: d.basis,
          keepDays: Number(d.keepDays),
          action: d.action,
          enabled: d.enabled,
        });
        onDone?.();
      }, t('retention.updated'));
      return;
    }
    void run(async () => {
      await createPolicy({
        name: d.name.trim(),
        scope: { kind: d.kind, value: d.value.trim() } as RetentionScope,
        basis: d.basis,
        keepDays: Number(d.keepDays),
        action: d.action,
        enabled: d.enabled,
      });
      setD(empty);
    }, t('retention.created'));
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${ids}-new`}>
      <h2 id={`${ids}-new`}>{policy ? t('retention.editing', { name: policy.name }) : t('retention.new')}</h2>
      <div className="field">
        <label htmlFor={`${ids}-name`}>{t('retention.name')}</label>
        <input
          id={`${ids}-name`}
          required
          maxLength={200}
          value={d.name}
          onChange={(e) => set({ name: e.target.value })}
        />
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor={`${ids}-kind`}>{t('retention.appliesTo')}</label>
          <select
            id={`${ids}-kind`}
            disabled={policy !== undefined}
            value={d.kind}
            onChange={(e) => set({ kind: e.target.value as Draft['kind'], value: '' })}
          >
            {(['folder', 'tag', 'type'] as const).map((k) => (
              <option key={k} value={k}>
                {t(`retention.kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-value`}>{t(`retention.values.${d.kind}`)}</label>
          {d.kind === 'folder' ? (
            <select
              id={`${ids}-value`}
              required
              disabled={policy !== undefined}
              value={d.value}
              onChange={(e) => set({ value: e.target.value })}
            >
              <option value="">{t('retention.pickFolder')}</option>
              {(folders.data ?? []).map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={`${ids}-value`}
              required
              readOnly={policy !== undefined}
              value={d.value}
              placeholder={d.kind === 'type' ? 'application/pdf' : undefined}
              pattern={
                d.kind === 'type'
                  ? '[a-z0-9][a-z0-9!#$&^_.+\\-]*/(\\*|[a-z0-9][a-z0-9!#$&^_.+\\-]*)'
                  : undefined
              }
              aria-describedby={d.kind === 'type' ? `${ids}-type-hint` : undefined}
              onChange={(e) => set({ value: e.target.value })}
            />
          )}
          {d.kind === 'type' ? (
            <span id={`${ids}-type-hint`} className="muted small">
              {t('retention.typeHint')}
            </span>
          ) : null}
        </div>
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor={`${ids}-days`}>{t('retention.keepDays')}</label>
          <input
            id={`${ids}-days`}
            type="number"
            required
            min={0}
            max={36500}
            value={d.keepDays}
            onChange={(e) => set({ keepDays: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-basis`}>{t('retention.after')}</label>
          <select
            id={`${ids}-basis`}
            value={d.basis}
            onChange={(e) => set({ basis: e.target.value as Draft['basis'] })}
          >
            <option value="created">{t('retention.bases.created')}</option>
            <option value="updated">{t('retention.bases.updated')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-action`}>{t('retention.afterwards')}</label>
          <select
            id={`${ids}-action`}
            value={d.action}
            onChange={(e) => set({ action: e.target.value as Draft['action'] })}
          >
            <option value="trash">{t('retention.actions.trash')}</option>
            <option value="delete">{t('retention.actions.delete')}</option>
          </select>
        </div>
      </div>
      <div className="field">
        <label>
          <input type="checkbox" checked={d.enabled} onChange={(e) => set({ enabled: e.target.checked })} />{' '}
          {t('retention.enabledDaily')}
        </label>
      </div>
      <ErrorText error={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {policy ? t('common.save') : t('retention.add')}
        </button>
        {policy ? (
          <button type="button" onClick={onDone}>
            {t('common.cancel')}
          </button>
        ) : null}
      </div>
    </form>
  );
}
