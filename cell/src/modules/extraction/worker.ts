/**
 * The extraction child process: parses one document per message, inside the limits the
 * sandbox set (heap cap, memory watchdog, wall-clock timeout). Only text and codes go back
 * to the parent; nothing here logs, so document text never reaches a log.
 */
import { ExtractionError } from './errors.ts';
import type { CoarseType } from './kinds.ts';
import { detectLanguage } from './language.ts';
import type { ExtractionLimits } from './limits.ts';
import { isSandboxChild, serveJobs } from './sandbox-child.ts';
import { TextSink } from './sink.ts';
import { cleanText, controlShare, decodeText, truncateUtf8 } from './text.ts';

export interface ExtractJob {
  kind: CoarseType;
  contentType: string;
  bytes: Uint8Array;
  limits: ExtractionLimits;
}

export interface ExtractOutcome {
  text: string;
  language: string;
  truncated: boolean;
}

export async function runExtraction(job: ExtractJob): Promise<ExtractOutcome> {
  const { limits } = job;
  // Raw text may shrink a lot when whitespace collapses, so collect twice the output budget.
  const sink = new TextSink(limits.maxTextBytes * 2);
  await parse(job, sink);
  const { text, truncated } = truncateUtf8(cleanText(sink.toString()), limits.maxTextBytes);
  if (text.length === 0) throw new ExtractionError('empty', 'the document contains no text');
  return { text, language: detectLanguage(text), truncated: truncated || sink.truncated };
}

async function parse(job: ExtractJob, sink: TextSink): Promise<void> {
  const { bytes, limits } = job;
  // Imports stay outside `parsing`: a module that fails to load is our fault, not the file's.
  switch (job.kind) {
    case 'pdf': {
      const { extractPdf } = await import('./formats/pdf.ts');
      return parsing(() => extractPdf(bytes, sink));
    }
    case 'docx': {
      const { extractDocx } = await import('./formats/docx.ts');
      return parsing(() => extractDocx(bytes, sink, limits));
    }
    case 'xlsx': {
      const { extractXlsx } = await import('./formats/xlsx.ts');
      return parsing(() => extractXlsx(bytes, sink, limits));
    }
    case 'pptx': {
      const { extractPptx } = await import('./formats/pptx.ts');
      return parsing(() => extractPptx(bytes, sink, limits));
    }
    case 'html': {
      const { extractHtml } = await import('./formats/html.ts');
      const html = textOf(job);
      return parsing(() => extractHtml(html, sink));
    }
    case 'markdown': {
      const { extractMarkdown } = await import('./formats/markdown.ts');
      const markdown = textOf(job);
      // Markdown is text first: if the parser gives up (say, 50,000 nested quotes), index it raw.
      return parsing(() => extractMarkdown(markdown, sink)).catch(() => sink.push(markdown));
    }
    case 'csv': {
      const { extractCsv } = await import('./formats/csv.ts');
      const csv = textOf(job);
      const tsv = job.contentType.toLowerCase().includes('tab-separated');
      return parsing(() => extractCsv(csv, sink, tsv));
    }
    case 'text':
      return sink.push(textOf(job));
    default:
      throw new ExtractionError('unsupported_type', `no text extractor for type ${job.kind}`);
  }
}

/**
 * Run a format parser: whatever it throws that is not already an `ExtractionError` (a
 * library's TypeError on a malformed part, a stack overflow on absurd nesting) came from
 * this input, so it is `corrupt`, not a retryable failure.
 */
async function parsing(parser: () => void | Promise<void>): Promise<void> {
  try {
    await parser();
  } catch (err) {
    if (err instanceof ExtractionError) throw err;
    throw new ExtractionError('corrupt', 'the file could not be parsed');
  }
}

/** Decode a text-like format; a body that is mostly control characters is not text at all. */
function textOf(job: ExtractJob): string {
  const text = decodeText(job.bytes, charsetOf(job.contentType));
  if (controlShare(text) > 0.1) throw new ExtractionError('corrupt', 'the file is binary, not text');
  return text;
}

function charsetOf(contentType: string): string | undefined {
  return /;\s*charset="?([\w.:-]+)"?/i.exec(contentType)?.[1];
}

if (isSandboxChild()) serveJobs(runExtraction);
