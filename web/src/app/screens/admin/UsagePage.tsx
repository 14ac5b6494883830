import { useTranslation } from 'react-i18next';
import { formatBytes, formatNumber } from '../../../shared/i18n.ts';
import { COUNTED, type Counted, NEAR_LIMIT, type QuotaLine, shareUsed, useUsage } from '../../api/usage.ts';
import { AdminOnly } from '../../components/AdminOnly.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { Loading } from '../../components/Loading.tsx';

const isCounted = (r: string): r is Counted => (COUNTED as readonly string[]).includes(r);

/** A figure in its unit, in the user's language: bytes as sizes, the rest as numbers. */
function useFigure() {
  const { t } = useTranslation();
  return (value: number | null, unit: string) => {
    if (value === null) return t('usage.unlimited');
    if (unit === 'bytes') return formatBytes(value);
    return t(`usage.units.${unit.replace(/[^a-z]/g, '_')}`, {
      count: value,
      value: formatNumber(value),
      defaultValue: `${formatNumber(value)} ${unit}`,
    });
  };
}

function Quota({ line }: { line: QuotaLine }) {
  const { t } = useTranslation();
  const share = shareUsed(line);
  const near = share !== null && share >= NEAR_LIMIT;
  const over = share !== null && share >= 1;
  const id = `quota-${line.resource}`;
  // The heading names what is counted: the figures are plain sizes or numbers.
  const plain = (v: number) => (line.unit === 'bytes' ? formatBytes(v) : formatNumber(v));
  const used = plain(line.used ?? 0);
  const text =
    line.limit === null
      ? t('usage.usedUnlimited', { used })
      : t('usage.usedOf', { used, limit: plain(line.limit) });
  return (
    <li className={`card quota${near ? ' warning' : ''}`} data-quota={line.resource}>
      <div className="row">
        <h2 id={`${id}-label`} className="spacer">
          {t(`usage.resources.${line.resource as Counted}`)}
        </h2>
        {share !== null ? (
          <span className="muted">{t('usage.percent', { percent: Math.round(share * 100) })}</span>
        ) : null}
      </div>
      {line.limit !== null ? (
        <meter
          id={id}
          aria-labelledby={`${id}-label`}
          aria-describedby={`${id}-text`}
          min={0}
          max={line.limit}
          value={Math.min(line.used ?? 0, line.limit)}
          low={line.limit * NEAR_LIMIT}
          high={line.limit * NEAR_LIMIT}
          optimum={0}
        >
          {text}
        </meter>
      ) : null}
      <p id={`${id}-text`} data-figures>
        {text}
      </p>
      {near ? (
        <p className="error">
          <strong>{over ? t('usage.atLimit') : t('usage.nearLimit')}</strong>
        </p>
      ) : null}
    </li>
  );
}

function Usage() {
  const { t } = useTranslation();
  const usage = useUsage();
  const figure = useFigure();
  const lines = usage.data?.quotas ?? [];
  const counted = lines.filter((l) => isCounted(l.resource));
  const limits = lines.filter((l) => !isCounted(l.resource));
  return (
    <section className="stack" aria-labelledby="usage-title">
      <h1 id="usage-title">{t('usage.title')}</h1>
      <ErrorText error={usage.error} />
      {usage.isPending ? <Loading /> : null}
      {usage.data ? (
        <>
          <p>{t('usage.plan', { plan: t(`usage.plans.${usage.data.plan}`) })}</p>
          <ul className="quotas" aria-label={t('usage.quotas')}>
            {counted.map((l) => (
              <Quota key={l.resource} line={l} />
            ))}
          </ul>
          <h2>{t('usage.otherLimits')}</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('usage.limit')}</th>
                  <th>{t('usage.value')}</th>
                </tr>
              </thead>
              <tbody>
                {limits.map((l) => (
                  <tr key={l.resource}>
                    <td>{t(`usage.limits.${l.resource}`, { defaultValue: l.resource })}</td>
                    <td>{figure(l.limit, l.unit)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small">{t('usage.howCounted')}</p>
        </>
      ) : null}
    </section>
  );
}

/** Usage against the plan's quotas (admins): storage, documents and users with a meter each, then the other limits. */
export default function UsagePage() {
  const { t } = useTranslation();
  return (
    <AdminOnly title={t('usage.title')}>
      <Usage />
    </AdminOnly>
  );
}
