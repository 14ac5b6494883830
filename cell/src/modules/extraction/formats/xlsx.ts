import ExcelJS from 'exceljs';
import { ExtractionError } from '../errors.ts';
import type { TextSink } from '../sink.ts';
import { guardZip, type ZipLimits } from '../zip-guard.ts';

/**
 * Excel: each sheet as "name" then one line per row, cells separated by tabs. A cell gives
 * its shown value: rich text joined, a formula's cached result, a hyperlink's text, a date
 * as ISO; a merged range counts once; cell notes follow the row.
 */
export async function extractXlsx(bytes: Uint8Array, sink: TextSink, limits: ZipLimits): Promise<void> {
  await guardZip(bytes, limits);
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs's typings want the old Node `Buffer` shape; the runtime accepts any Buffer.
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
  } catch {
    throw new ExtractionError('corrupt', 'the spreadsheet could not be parsed');
  }
  // Every real workbook has a sheet; a zip without one is some other archive.
  if (workbook.worksheets.length === 0)
    throw new ExtractionError('corrupt', 'the spreadsheet has no worksheets');
  for (const sheet of workbook.worksheets) {
    if (sink.full) break;
    sink.push(sheet.name);
    sink.paragraph();
    sheet.eachRow({ includeEmpty: false }, (row) => {
      if (sink.full) return;
      const cells: string[] = [];
      const notes: string[] = [];
      row.eachCell({ includeEmpty: false }, (cell) => {
        if (cell.isMerged && cell.master !== cell) return;
        const text = cellText(cell.value);
        if (text) cells.push(text);
        const note = noteText(cell.note);
        if (note) notes.push(note);
      });
      sink.push(cells.join('\t'));
      sink.push('\n');
      for (const note of notes) sink.push(`${note}\n`);
    });
    sink.paragraph();
  }
}

export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('hyperlink' in value) return typeof value.text === 'string' ? value.text : cellText(value.text);
  if ('formula' in value || 'sharedFormula' in value) {
    return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
  }
  return ''; // error values (#DIV/0!) and anything unknown carry no words
}

function noteText(note: ExcelJS.Comment | string | undefined): string {
  if (!note) return '';
  if (typeof note === 'string') return note;
  return (note.texts ?? []).map((run) => run.text).join('');
}
