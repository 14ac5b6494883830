import { afterAll, describe, expect, it } from 'vitest';
import {
  closeExtraction,
  configureExtraction,
  DEFAULT_POOL_OPTIONS,
  ExtractionError,
  extractText,
} from '../../src/modules/extraction/extract.ts';
import {
  buildZip,
  CONTENT_TYPES_XML,
  MIME,
  makeDocx,
  makeExponentialPdf,
  makePdf,
  makePptx,
  makeXlsx,
} from './fixtures.ts';

afterAll(() => closeExtraction());

async function failure(promise: Promise<unknown>): Promise<ExtractionError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExtractionError);
  return err as ExtractionError;
}

describe('types', () => {
  it("refuses types it cannot read with 'unsupported_type'", async () => {
    for (const [contentType, filename] of [
      ['application/x-msdownload', 'setup.exe'],
      ['image/png', 'photo.png'],
      ['application/octet-stream', 'blob.bin'],
      ['application/msword', 'legacy.doc'],
    ] as const) {
      const err = await failure(extractText({ bytes: Buffer.from('MZ....'), contentType, filename }));
      expect(err.code).toBe('unsupported_type');
    }
  });
});

describe('corrupt input', () => {
  it("answers 'corrupt' for a damaged file of every binary format", async () => {
    const garbage = Buffer.from('this is not the file it claims to be '.repeat(20));
    for (const [contentType, filename] of [
      [MIME.pdf, 'a.pdf'],
      [MIME.docx, 'a.docx'],
      [MIME.xlsx, 'a.xlsx'],
      [MIME.pptx, 'a.pptx'],
    ] as const) {
      const err = await failure(extractText({ bytes: garbage, contentType, filename }));
      expect(err.code, contentType).toBe('corrupt');
    }
  });

  it("answers 'corrupt' for a real file cut in half", async () => {
    for (const [bytes, contentType] of [
      [await makePdf([['Half a document']]), MIME.pdf],
      [await makeDocx(), MIME.docx],
      [await makeXlsx(), MIME.xlsx],
      [await makePptx(), MIME.pptx],
    ] as const) {
      const half = bytes.subarray(0, Math.floor(bytes.length / 2));
      const err = await failure(extractText({ bytes: half, contentType, filename: 'cut' }));
      expect(err.code, contentType).toBe('corrupt');
    }
  });

  it("answers 'corrupt' for a zip that is a valid archive but not that Office format", async () => {
    const zip = buildZip([{ name: 'hello.txt', data: Buffer.from('hello') }]);
    for (const [contentType, filename] of [
      [MIME.docx, 'a.docx'],
      [MIME.xlsx, 'a.xlsx'],
      [MIME.pptx, 'a.pptx'],
    ] as const) {
      const err = await failure(extractText({ bytes: zip, contentType, filename }));
      expect(err.code, contentType).toBe('corrupt');
    }
  });

  it("answers 'corrupt' for binary bytes sent as text", async () => {
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    for (const [contentType, filename] of [
      ['text/plain', 'a.txt'],
      ['text/csv', 'a.csv'],
      ['text/html', 'a.html'],
      ['text/markdown', 'a.md'],
    ] as const) {
      const err = await failure(extractText({ bytes: binary, contentType, filename }));
      expect(err.code, contentType).toBe('corrupt');
    }
  });
});

describe('encrypted input', () => {
  it("answers 'encrypted' for a PDF with a user password", async () => {
    const pdf = await makePdf([['classified words']], { userPassword: 'hunter2', ownerPassword: 'owner' });
    const err = await failure(extractText({ bytes: pdf, contentType: MIME.pdf, filename: 's.pdf' }));
    expect(err.code).toBe('encrypted');
  });

  it('reads a PDF that has only an owner password (no password needed to open it)', async () => {
    const pdf = await makePdf([['owner-locked words']], {
      ownerPassword: 'owner',
      permissions: { printing: 'lowResolution' },
    });
    const { text } = await extractText({ bytes: pdf, contentType: MIME.pdf, filename: 'o.pdf' });
    expect(text).toContain('owner-locked words');
  });

  it("answers 'encrypted' for an Office file in the OLE container Office uses for passwords", async () => {
    // The 8-byte compound-file signature, then a directory entry named EncryptedPackage (UTF-16).
    const ole = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(504),
      Buffer.from('EncryptedPackage', 'utf16le'),
      Buffer.alloc(512),
    ]);
    const err = await failure(extractText({ bytes: ole, contentType: MIME.docx, filename: 'locked.docx' }));
    expect(err.code).toBe('encrypted');
  });
});

describe('size limits', () => {
  it("refuses an input over maxInputBytes with 'too_large' before parsing", async () => {
    const err = await failure(
      extractText(
        { bytes: Buffer.alloc(2048, 0x61), contentType: 'text/plain', filename: 'a.txt' },
        { maxInputBytes: 1024 },
      ),
    );
    expect(err.code).toBe('too_large');
  });

  it('truncates text at maxTextBytes on a character boundary and says so', async () => {
    const line = `${'Grüße aus Zürich — 東京 🙂 '.repeat(20)}\n`;
    const bytes = Buffer.from(line.repeat(200));
    const result = await extractText(
      { bytes, contentType: 'text/plain', filename: 'long.txt' },
      { maxTextBytes: 10_001 },
    );
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.text)).toBeLessThanOrEqual(10_001);
    expect(Buffer.byteLength(result.text)).toBeGreaterThan(9_990);
    expect(result.text).not.toContain('\uFFFD');
    expect(result.text.startsWith('Grüße aus Zürich')).toBe(true);
  });

  it("answers 'empty' for a file with no text at all", async () => {
    const blank = await failure(
      extractText({ bytes: Buffer.from(' \n\t\n '), contentType: 'text/plain', filename: 'b.txt' }),
    );
    expect(blank.code).toBe('empty');
    const nothing = await failure(
      extractText({ bytes: Buffer.alloc(0), contentType: 'text/plain', filename: 'z.txt' }),
    );
    expect(nothing.code).toBe('empty');
    const noTextPdf = await failure(
      extractText({ bytes: await makePdf([[]]), contentType: MIME.pdf, filename: 'scan.pdf' }),
    );
    expect(noTextPdf.code).toBe('empty');
  });
});

describe('zip bombs', () => {
  it("refuses an archive whose entries inflate past the cap with 'too_large'", async () => {
    // 600 MiB of zeros deflates to about 600 KB: an honest header, a dishonest file.
    const zeros = Buffer.alloc(600 * 1024 * 1024);
    const bomb = buildZip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES_XML },
      { name: 'word/document.xml', data: zeros },
    ]);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    for (const [contentType, filename] of [
      [MIME.docx, 'bomb.docx'],
      [MIME.xlsx, 'bomb.xlsx'],
      [MIME.pptx, 'bomb.pptx'],
    ] as const) {
      const err = await failure(extractText({ bytes: bomb, contentType, filename }));
      expect(err.code, contentType).toBe('too_large');
    }
  });

  it("refuses an entry that inflates past the size its header declares with 'too_large'", async () => {
    const liar = buildZip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES_XML },
      { name: 'ppt/slides/slide1.xml', data: Buffer.alloc(20 * 1024 * 1024, 0x20), declaredSize: 1000 },
    ]);
    const err = await failure(extractText({ bytes: liar, contentType: MIME.pptx, filename: 'liar.pptx' }));
    expect(err.code).toBe('too_large');
  });

  it("refuses an archive with too many entries with 'too_large'", async () => {
    const many = buildZip(
      Array.from({ length: 300 }, (_, i) => ({
        name: `word/part${i}.xml`,
        data: Buffer.from('<x/>'),
        deflate: false,
      })),
    );
    const err = await failure(
      extractText({ bytes: many, contentType: MIME.docx, filename: 'many.docx' }, { maxZipEntries: 100 }),
    );
    expect(err.code).toBe('too_large');
  });
});

describe('runaway parses', () => {
  it("ends a parse that would never finish with 'timeout', and the next extraction still works", async () => {
    // 2^40 text operations from a 6 KB file.
    const laughs = makeExponentialPdf(40);
    expect(laughs.length).toBeLessThan(10_000);
    const err = await failure(
      extractText({ bytes: laughs, contentType: MIME.pdf, filename: 'laughs.pdf' }, { timeoutMs: 1_000 }),
    );
    expect(err.code).toBe('timeout');
    const after = await extractText({
      bytes: await makePdf([['Still alive after a timeout']]),
      contentType: MIME.pdf,
      filename: 'ok.pdf',
    });
    expect(after.text).toContain('Still alive after a timeout');
  });

  it('keeps other extractions going while one runs away (two processes)', async () => {
    await configureExtraction({ processes: 2 });
    try {
      const settled: string[] = [];
      const runaway = extractText(
        { bytes: makeExponentialPdf(40), contentType: MIME.pdf, filename: 'laughs.pdf' },
        { timeoutMs: 5_000 },
      ).then(
        () => settled.push('runaway finished'),
        (e: ExtractionError) => settled.push(`runaway ${e.code}`),
      );
      const quick = Array.from({ length: 5 }, (_, i) =>
        extractText({
          bytes: Buffer.from(`document number ${i}`),
          contentType: 'text/plain',
          filename: `${i}.txt`,
        }).then((r) => settled.push(r.text)),
      );
      await Promise.all([runaway, ...quick]);
      expect(settled).toEqual([0, 1, 2, 3, 4].map((i) => `document number ${i}`).concat('runaway timeout'));
    } finally {
      await configureExtraction(DEFAULT_POOL_OPTIONS);
    }
  });

  it('leaves the caller’s buffer intact (the parser gets a copy)', async () => {
    const bytes = Buffer.from('copy me please');
    await extractText({ bytes, contentType: 'text/plain', filename: 'c.txt' });
    expect(bytes.toString()).toBe('copy me please');
  });
});

describe('memory', () => {
  it("ends a parse that outgrows its heap with 'too_large'; the cell process lives on", async () => {
    await configureExtraction({ maxHeapMb: 32 });
    try {
      const words = Buffer.from('alpha beta gamma delta '.repeat(2_000_000)); // 46 MB of text
      const err = await failure(
        extractText({ bytes: words, contentType: 'text/plain', filename: 'big.txt' }),
      );
      expect(err.code).toBe('too_large');
      const after = await extractText({
        bytes: Buffer.from('small and fine'),
        contentType: 'text/plain',
        filename: 's.txt',
      });
      expect(after.text).toBe('small and fine');
    } finally {
      await configureExtraction(DEFAULT_POOL_OPTIONS);
    }
  });

  it("ends a parse whose memory outside the heap passes maxRssMb with 'too_large'", async () => {
    await configureExtraction({ maxRssMb: 120 });
    try {
      const words = Buffer.from('epsilon zeta eta theta '.repeat(3_000_000)); // 69 MB: buffers, not heap objects
      const err = await failure(
        extractText({ bytes: words, contentType: 'text/plain', filename: 'big.txt' }),
      );
      expect(err.code).toBe('too_large');
    } finally {
      await configureExtraction(DEFAULT_POOL_OPTIONS);
    }
  });
});

describe('absurd nesting', () => {
  it('keeps the text around 10,000 nested HTML elements and adds no marker for what it skipped', async () => {
    const html = `<p>before the abyss</p>${'<div>'.repeat(10_000)}deep text${'</div>'.repeat(10_000)}<p>after the abyss</p>`;
    const { text } = await extractText({
      bytes: Buffer.from(html),
      contentType: 'text/html',
      filename: 'deep.html',
    });
    expect(text).toBe('before the abyss\n\nafter the abyss');
  });

  it('indexes Markdown the parser cannot handle (50,000 nested quotes) as raw text', async () => {
    const markdown = `${'>'.repeat(50_000)} quoted words`;
    const { text } = await extractText({
      bytes: Buffer.from(markdown),
      contentType: 'text/markdown',
      filename: 'q.md',
    });
    expect(text.endsWith(' quoted words')).toBe(true);
  });
});
