import { afterAll, describe, expect, it } from 'vitest';
import {
  closeExtraction,
  coarseType,
  extractText,
  isExtractable,
} from '../../src/modules/extraction/extract.ts';
import { detectLanguage } from '../../src/modules/extraction/language.ts';
import { cleanText, decodeText } from '../../src/modules/extraction/text.ts';
import { NON_ASCII } from './fixtures.ts';

afterAll(() => closeExtraction());

describe('decoding', () => {
  it('honours UTF-8, UTF-16LE and UTF-16BE byte order marks', () => {
    const utf16le = Buffer.from(NON_ASCII, 'utf16le');
    const utf16be = Buffer.from(utf16le).swap16();
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(NON_ASCII)]))).toBe(
      NON_ASCII,
    );
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le]))).toBe(NON_ASCII);
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]))).toBe(NON_ASCII);
  });

  it('recognises UTF-16 without a BOM', () => {
    const text = `${NON_ASCII} and some more plain words`;
    const le = Buffer.from(text, 'utf16le');
    expect(decodeText(le)).toBe(text);
    expect(decodeText(Buffer.from(le).swap16())).toBe(text);
  });

  it('falls back to Windows-1252 for bytes that are not UTF-8', () => {
    // "Zürich café" as Latin-1/Windows-1252 bytes, and the Euro sign at 0x80.
    const bytes = Buffer.from([0x5a, 0xfc, 0x72, 0x69, 0x63, 0x68, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x20, 0x80]);
    expect(decodeText(bytes)).toBe('Zürich café €');
  });

  it('uses a declared charset when there is no BOM', () => {
    expect(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'iso-8859-1')).toBe('café');
  });
});

describe('cleaning', () => {
  it('strips NULs and control characters, keeps tabs as spaces and line breaks', () => {
    expect(cleanText('a\u0000b\u0007c\u001bd\u007fe\u0085f\u200bg\ufeffh')).toBe('abcde\nfgh');
  });

  it('normalises whitespace: collapses runs, trims lines, at most one blank line', () => {
    expect(cleanText('  one \t two\u00a0\u00a0three  \r\n\r\n\r\n\r\n  four  \r five \n')).toBe(
      'one two three\n\nfour\nfive',
    );
  });

  it('composes to NFC so decomposed accents match typed ones', () => {
    expect(cleanText('nai\u0308ve cafe\u0301')).toBe('naïve café');
  });

  it('replaces lone surrogates instead of passing broken UTF-16 on', () => {
    expect(cleanText('ok\ud800ok')).toBe('ok\ufffdok');
  });

  it('applies all of it through extractText', async () => {
    const raw = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('line\u0000 one\r\n\r\n\r\nline  two\u0001', 'utf16le'),
    ]);
    const { text } = await extractText({ bytes: raw, contentType: 'text/plain', filename: 'w.txt' });
    expect(text).toBe('line one\n\nline two');
  });
});

describe('language detection', () => {
  const samples: Record<string, string> = {
    english: 'It was the best of times and it was the worst of times, and we had everything before us.',
    german: 'Es war einmal ein König, der hatte eine Tochter, und die war schöner als alle anderen im Land.',
    french: 'Il était une fois un roi qui avait une fille, et elle était plus belle que toutes les autres.',
    spanish: 'Había una vez un rey que tenía una hija, y era más hermosa que todas las otras del reino.',
    italian:
      'Il re aveva una figlia che era la più bella del regno, e tutti dicevano che non ci sono altre come lei.',
    dutch:
      'Er was eens een koning die een dochter had, en zij was mooier dan alle andere meisjes in het land.',
    russian:
      'Жил был король, и у него была дочь, и она была красивее всех других в этой стране, но он не знал.',
  };
  for (const [language, sample] of Object.entries(samples)) {
    it(`picks ${language}`, () => {
      expect(detectLanguage(sample)).toBe(language);
    });
  }

  it("answers 'simple' for names, numbers and too little text", () => {
    expect(detectLanguage('')).toBe('simple');
    expect(detectLanguage(NON_ASCII)).toBe('simple');
    expect(detectLanguage('SKU-4711 12.50 CHF ACME GmbH 2024-03-15')).toBe('simple');
  });
});

describe('coarse type (the search facet "type")', () => {
  const cases: Array<[string, string, string]> = [
    ['application/pdf', 'x.bin', 'pdf'],
    ['application/octet-stream', 'Report.PDF', 'pdf'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'a', 'docx'],
    ['application/zip', 'letter.docx', 'docx'],
    ['', 'budget.xlsx', 'xlsx'],
    ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'a', 'pptx'],
    ['text/plain; charset=utf-8', 'notes.txt', 'text'],
    ['text/plain', 'README.md', 'markdown'],
    ['text/markdown', 'x', 'markdown'],
    ['text/html', 'x', 'html'],
    ['application/xhtml+xml', 'x', 'html'],
    ['text/csv', 'x', 'csv'],
    ['text/plain', 'data.csv', 'csv'],
    ['text/tab-separated-values', 'x', 'csv'],
    ['image/jpeg', 'x', 'image'],
    ['application/octet-stream', 'photo.webp', 'image'],
    ['text/x-python', 'script.py', 'text'],
    ['application/x-msdownload', 'setup.exe', 'other'],
    ['application/octet-stream', 'noextension', 'other'],
  ];
  for (const [contentType, filename, expected] of cases) {
    it(`${contentType || '(none)'} + ${filename} → ${expected}`, () => {
      expect(coarseType(contentType, filename)).toBe(expected);
      expect(isExtractable(contentType, filename)).toBe(!['image', 'other'].includes(expected));
    });
  }
});
