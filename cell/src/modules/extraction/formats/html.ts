import { convert, type HtmlToTextOptions } from 'html-to-text';
import type { TextSink } from '../sink.ts';

/**
 * HTML → text with html-to-text (htmlparser2 underneath): scripts, styles, images and link
 * targets dropped, headings kept in their own case, no line wrapping. The caller cuts the
 * input to `maxInputChars` first so the library never prints its own truncation notice.
 */
const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  preserveNewlines: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    // Footnote markers and back-links ("[1]", "↑") as mammoth writes them for DOCX notes.
    { selector: 'a[href^="#footnote-"]', format: 'skip' },
    { selector: 'a[href^="#endnote-"]', format: 'skip' },
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'noscript', format: 'skip' },
    { selector: 'template', format: 'skip' },
    { selector: 'svg', format: 'skip' },
    { selector: 'head', format: 'skip' },
    ...(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'] as const).map((selector) => ({
      selector,
      options: { uppercase: false },
    })),
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
  // Deeper nesting than this is dropped silently (no '...' marker in the index).
  limits: { maxInputLength: undefined, maxDepth: 256, ellipsis: '' },
};

export function htmlToText(html: string): string {
  return convert(html, OPTIONS);
}

export function extractHtml(html: string, sink: TextSink): void {
  sink.push(htmlToText(html.length > sink.maxChars * 4 ? html.slice(0, sink.maxChars * 4) : html));
}
