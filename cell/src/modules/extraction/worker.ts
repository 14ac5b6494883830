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
  switch (job.kind) {
    case 'pdf':
      return (await import('./formats/pdf.ts')).extractPdf(bytes, sink);
    case 'docx':
      return (await import('./formats/docx.ts')).extractDocx(bytes, sink, limits);
    case 'xlsx':
      return (await import('./formats/xlsx.ts')).extractXlsx(bytes, sink, limits);
    case 'pptx':
      return (await import('./formats/pptx.ts')).extractPptx(bytes, sink, limits);
    case 'html':
      return (await import('./formats/html.ts')).extractHtml(textOf(job), sink);
    case 'markdown':
      return (await import('./formats/markdown.ts')).extractMarkdown(textOf(job), sink);
    case 'csv': {
      const tsv = job.contentType.toLowerCase().includes('tab-separated');
      return (await import('./formats/csv.ts')).extractCsv(textOf(job), sink, tsv);
    }
    case 'text':
      return sink.push(textOf(job));
    default:
      throw new ExtractionError('unsupported_type', `no text extractor for type ${job.kind}`);
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
