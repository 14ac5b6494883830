import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Infinite paging: loads the next page when the sentinel scrolls into view, or on the button.
 * `auto={false}`: the button only, for a list under another paged one (a folder's activity under
 * its documents), so scrolling to the page's end pages the main list, not the one below it.
 */
export function LoadMore({
  query,
  auto = true,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  auto?: boolean;
}) {
  const { t } = useTranslation();
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasNextPage || !auto) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, auto]);
  if (!hasNextPage) return null;
  return (
    <div ref={sentinel} className="row end">
      <button type="button" onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
        {isFetchingNextPage ? t('common.loading') : t('common.loadMore')}
      </button>
    </div>
  );
}
