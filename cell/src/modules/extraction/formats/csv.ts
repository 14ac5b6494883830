import { CsvError, parse } from 'csv-parse';
import type { TextSink } from '../sink.ts';

/**
 * CSV/TSV with csv-parse: one line per record, cells separated by tabs. The delimiter is the
 * one of `,` `;` tab `|` seen most often outside quotes in the first lines (TSV by content
 * type forces tab). Quoting mistakes are tolerated; a file csv-parse still rejects is
 * indexed as plain text from where it stopped, since its words are still worth finding.
 */
export async function extractCsv(text: string, sink: TextSink, tabSeparated: boolean): Promise<void> {
  const parser = parse(text, {
    delimiter: tabSeparated ? '\t' : sniffDelimiter(text),
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    bom: true,
  });
  let consumed = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      sink.push(record.filter((cell) => cell.length > 0).join('\t'));
      sink.push('\n');
      consumed = parser.info.bytes;
      if (sink.full) {
        parser.destroy();
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    sink.push(Buffer.from(text, 'utf8').subarray(consumed).toString('utf8'));
  }
}

function sniffDelimiter(text: string): string {
  const head = text.slice(0, 8192).split('\n').slice(0, 10);
  const candidates = [',', ';', '\t', '|'];
  let best = ',';
  let bestCount = 0;
  for (const delimiter of candidates) {
    let count = 0;
    for (const line of head) {
      let quoted = false;
      for (const ch of line) {
        if (ch === '"') quoted = !quoted;
        else if (ch === delimiter && !quoted) count++;
      }
    }
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}
