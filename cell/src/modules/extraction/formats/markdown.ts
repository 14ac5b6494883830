import { Marked } from 'marked';
import type { TextSink } from '../sink.ts';
import { htmlToText } from './html.ts';

/**
 * Markdown → HTML with marked (GFM: tables, strikethrough) → text with the HTML extractor,
 * so emphasis, link syntax, heading marks and table pipes go and only the words stay.
 * Raw HTML inside the Markdown goes through the same filter (scripts and styles dropped).
 */
const marked = new Marked({ gfm: true, async: false });

export function extractMarkdown(markdown: string, sink: TextSink): void {
  const input = markdown.length > sink.maxChars * 2 ? markdown.slice(0, sink.maxChars * 2) : markdown;
  sink.push(htmlToText(marked.parse(input, { async: false })));
}
