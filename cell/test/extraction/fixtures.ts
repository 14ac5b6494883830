/**
 * Fixture builders: every document a test reads is generated here with a real generator
 * library (pdfkit, docx, exceljs, pptxgenjs, sharp), so no binary blobs live in the repo.
 * `buildZip` writes archives by hand for the hostile cases no library will produce.
 */
import { crc32, deflateRawSync } from 'node:zlib';
import {
  AlignmentType,
  Document,
  FootnoteReferenceRun,
  ImageRun,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
} from 'docx';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import PptxGenJS from 'pptxgenjs';

export const NON_ASCII = 'Zürich Straße naïve café';

export function makePdf(pages: string[][], options: PDFKit.PDFDocumentOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', ...options });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    pages.forEach((lines, index) => {
      if (index > 0) doc.addPage();
      doc.fontSize(18);
      for (const line of lines) doc.text(line);
    });
    doc.end();
  });
}

/** A tiny valid PNG (1×1), for documents that embed an image. */
export const PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

export async function makeDocx(): Promise<Buffer> {
  const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
  const doc = new Document({
    footnotes: { 1: { children: [new Paragraph('A footnote about zebras.')] } },
    sections: [
      {
        children: [
          new Paragraph({ children: [new TextRun({ text: 'Quarterly report', bold: true })] }),
          new Paragraph({
            alignment: AlignmentType.LEFT,
            children: [new TextRun(`${NON_ASCII} is spelled right.`)],
          }),
          new Table({
            rows: [
              new TableRow({ children: [cell('Region'), cell('Revenue')] }),
              new TableRow({ children: [cell('Lucerne'), cell('4711 francs')] }),
            ],
          }),
          new Paragraph({
            children: [
              new TextRun('The closing paragraph mentions aardvarks.'),
              new FootnoteReferenceRun(1),
              new ImageRun({ type: 'png', data: PIXEL_PNG, transformation: { width: 10, height: 10 } }),
            ],
          }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

export async function makeXlsx(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sales = workbook.addWorksheet('Sales');
  sales.addRow(['Product', 'Units', 'Price']);
  sales.addRow(['Widget', 12, 3.5]);
  sales.addRow([NON_ASCII, 7, 1.25]);
  sales.getCell('D2').value = { formula: 'B2*C2', result: 42 };
  sales.getCell('A5').value = { richText: [{ text: 'Rich ' }, { text: 'textual', font: { bold: true } }] };
  sales.getCell('A6').value = { text: 'Hyperlinked label', hyperlink: 'https://example.invalid/' };
  sales.getCell('A7').value = new Date(Date.UTC(2024, 2, 15));
  sales.mergeCells('B9:D9');
  sales.getCell('B9').value = 'Merged banner';
  sales.getCell('A2').note = 'Reviewed by Ottoline';
  const second = workbook.addWorksheet('Inventory');
  second.addRow(['Warehouse', 'Basel']);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export async function makePptx(): Promise<Buffer> {
  // The ESM build's default export is the class; its CJS-style typings say otherwise.
  const pres = new (PptxGenJS as any)();
  const first = pres.addSlide();
  first.addText('Opening slide title', { x: 0.5, y: 0.5, w: 8, h: 1 });
  first.addText(NON_ASCII, { x: 0.5, y: 1.5, w: 8, h: 1 });
  first.addNotes('Speaker notes mention pelicans');
  const second = pres.addSlide();
  second.addTable(
    [
      [{ text: 'Quarter' }, { text: 'Target' }],
      [{ text: 'Q3' }, { text: 'Exceeded' }],
    ],
    { x: 0.5, y: 0.5, w: 6 },
  );
  second.addNotes('Second notes about flamingos');
  return Buffer.from((await pres.write({ outputType: 'nodebuffer' })) as Uint8Array);
}

export interface ZipEntrySpec {
  name: string;
  data: Buffer;
  /** Store the entry deflated (default) or as is. */
  deflate?: boolean;
  /** Write this uncompressed size in the headers instead of the true one (a lying archive). */
  declaredSize?: number;
}

/** A minimal zip writer (local headers, central directory, end record) that can lie on purpose. */
export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const deflate = entry.deflate ?? true;
    const body = deflate ? deflateRawSync(entry.data) : entry.data;
    const size = entry.declaredSize ?? entry.data.length;
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export const CONTENT_TYPES_XML = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
);

export const MIME = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
} as const;

/** Serialise numbered PDF objects (1-based, object 1 the catalog) with a correct xref table. */
function writePdf(objects: string[]): Buffer {
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(pdf.length);
    pdf += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const at of offsets) pdf += `${String(at).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

const stream = (dict: string, content: string) =>
  `<< ${dict} /Length ${content.length} >>\nstream\n${content}\nendstream`;

/**
 * A "billion laughs" PDF: form XObject k draws form k+1 twice, the last one shows text, so a
 * file of a few KB asks a parser for 2^levels text operations — a parse that never ends in
 * practice, whatever the machine. Objects: 1 catalog, 2 pages, 3 page, 4 page content,
 * 5 font, 6… the forms.
 */
export function makeExponentialPdf(levels: number): Buffer {
  const font = '/Resources << /Font << /F1 5 0 R >> >>';
  const forms: string[] = [];
  for (let k = 0; k < levels; k++) {
    const next = 6 + k + 1;
    const body = k === levels - 1 ? 'BT /F1 12 Tf 10 10 Td (laugh) Tj ET' : '/X Do /X Do';
    const resources =
      k === levels - 1 ? font : `/Resources << /XObject << /X ${next} 0 R >> /Font << /F1 5 0 R >> >>`;
    forms.push(stream(`/Type /XObject /Subtype /Form /BBox [0 0 612 792] ${resources}`, body));
  }
  return writePdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /X 6 0 R >> >> >>',
    stream('', '/X Do'),
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ...forms,
  ]);
}
