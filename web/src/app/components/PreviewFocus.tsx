import { createContext, useContext } from 'react';

/**
 * What the document page's preview can show, for what points into the document (a comment's
 * anchor): the version it shows, how many of its pages (the cell renders the first page only:
 * 1 once a preview is there, 0 without one), and how to bring it into view at a page.
 */
export interface PreviewFocus {
  versionId: string;
  pages: number;
  show(page: number): void;
}

const Ctx = createContext<PreviewFocus | null>(null);
export const PreviewFocusProvider = Ctx.Provider;
export const usePreviewFocus = () => useContext(Ctx);

/** Whether the preview can show this page (1 when none is named) of this version (the shown one when none is named). */
export function canShow(focus: PreviewFocus | null, versionId: string | undefined, page: number | undefined) {
  if (!focus) return false;
  return (versionId === undefined || versionId === focus.versionId) && (page ?? 1) <= focus.pages;
}
