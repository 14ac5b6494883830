import { afterAll, describe, expect, it } from 'vitest';
import { closeExtraction, extractText } from '../../src/modules/extraction/extract.ts';
import { MIME, makeDocx, makePdf, makePptx, makeXlsx, NON_ASCII } from './fixtures.ts';

afterAll(() => closeExtraction());

const GERMAN =
  'Die Stadt liegt am Ufer des Sees und ist für ihre Brücken bekannt. Im Sommer kommen viele Besucher, ' +
  'aber die meisten bleiben nur einen Tag. Wir haben das Museum besucht, und es war nicht so voll wie erwartet.';
const ENGLISH =
  'The committee reviewed the proposal and found that it was consistent with the budget. ' +
  'They will meet again in the spring to decide which of the projects should be funded first.';
const FRENCH =
  'Le conseil a examiné la proposition et il a conclu que le budget était suffisant pour les travaux. ' +
  'Nous pensons que cette décision sera bien reçue par les habitants de la ville.';
const SPANISH =
  'El comité revisó la propuesta y concluyó que era coherente con el presupuesto. ' +
  'Se reunirán de nuevo en la primavera para decidir cuál de los proyectos se financia primero.';

describe('PDF', () => {
  it('gives the text of every page, non-ASCII intact, in page order', async () => {
    const pdf = await makePdf([[NON_ASCII, 'Page one ends here.'], ['The second page talks about otters.']]);
    const { text, truncated } = await extractText({ bytes: pdf, contentType: MIME.pdf, filename: 'r.pdf' });
    expect(text).toContain(NON_ASCII);
    expect(text).toContain('Page one ends here.');
    expect(text).toContain('The second page talks about otters.');
    expect(text.indexOf('Page one')).toBeLessThan(text.indexOf('otters'));
    expect(truncated).toBe(false);
  });

  it('detects the language of a German PDF', async () => {
    const pdf = await makePdf([[GERMAN]]);
    const result = await extractText({ bytes: pdf, contentType: MIME.pdf, filename: 'bericht.pdf' });
    expect(result.language).toBe('german');
  });
});

describe('DOCX', () => {
  it('gives paragraphs and table cells', async () => {
    const { text } = await extractText({
      bytes: await makeDocx(),
      contentType: MIME.docx,
      filename: 'q.docx',
    });
    expect(text).toContain('Quarterly report');
    expect(text).toContain(`${NON_ASCII} is spelled right.`);
    for (const cell of ['Region', 'Revenue', 'Lucerne', '4711 francs']) expect(text).toContain(cell);
    expect(text).toContain('The closing paragraph mentions aardvarks.');
  });
});

describe('XLSX', () => {
  it('gives sheet names and the shown value of each cell', async () => {
    const { text } = await extractText({
      bytes: await makeXlsx(),
      contentType: MIME.xlsx,
      filename: 's.xlsx',
    });
    for (const word of ['Sales', 'Product', 'Widget', NON_ASCII, '3.5', 'Inventory', 'Warehouse', 'Basel']) {
      expect(text).toContain(word);
    }
    expect(text).toContain('42'); // a formula's cached result
    expect(text).toContain('Rich textual'); // rich text runs joined
    expect(text).toContain('Hyperlinked label');
    expect(text).not.toContain('example.invalid'); // the link target is not content
    expect(text).toContain('2024-03-15');
    expect(text).toContain('Reviewed by Ottoline'); // a cell note
    expect(text.match(/Merged banner/g)).toHaveLength(1); // a merged range counts once
    expect(text).toMatch(/Widget[ \t]+12[ \t]+3\.5/); // a row stays on one line
  });
});

describe('PPTX', () => {
  it('gives slide text, tables and speaker notes in slide order', async () => {
    const { text } = await extractText({
      bytes: await makePptx(),
      contentType: MIME.pptx,
      filename: 'd.pptx',
    });
    for (const word of [
      'Opening slide title',
      NON_ASCII,
      'Speaker notes mention pelicans',
      'Quarter',
      'Exceeded',
    ]) {
      expect(text).toContain(word);
    }
    expect(text).toContain('Second notes about flamingos');
    expect(text.indexOf('pelicans')).toBeLessThan(text.indexOf('Quarter'));
  });
});

describe('plain text', () => {
  it('keeps words and detects the language', async () => {
    for (const [sample, language] of [
      [GERMAN, 'german'],
      [ENGLISH, 'english'],
      [FRENCH, 'french'],
      [SPANISH, 'spanish'],
    ] as const) {
      const result = await extractText({
        bytes: Buffer.from(sample),
        contentType: 'text/plain',
        filename: 'n.txt',
      });
      expect(result.text).toBe(sample);
      expect(result.language).toBe(language);
    }
  });

  it("falls back to 'simple' when the language is unclear", async () => {
    const result = await extractText({
      bytes: Buffer.from(NON_ASCII),
      contentType: 'text/plain',
      filename: 'n.txt',
    });
    expect(result).toEqual({ text: NON_ASCII, language: 'simple', truncated: false });
  });
});

describe('Markdown', () => {
  it('removes the syntax and keeps the words', async () => {
    const md = [
      '# Release notes',
      '',
      `Some **bold** and _italic_ words, a [link label](https://example.invalid/x) and \`inline code\`. ${NON_ASCII}`,
      '',
      '- first item',
      '- second item',
      '',
      '| Column A | Column B |',
      '|---|---|',
      '| alpha | beta |',
      '',
      '<script>alert("markdown-script")</script>',
    ].join('\n');
    const { text } = await extractText({
      bytes: Buffer.from(md),
      contentType: 'text/markdown',
      filename: 'r.md',
    });
    expect(text).toContain('Release notes');
    expect(text).toContain('Some bold and italic words, a link label and inline code.');
    expect(text).toContain(NON_ASCII);
    for (const word of ['first item', 'second item', 'Column A', 'alpha', 'beta'])
      expect(text).toContain(word);
    for (const syntax of ['#', '**', '_italic_', '](', '`', '|---', 'example.invalid', 'markdown-script']) {
      expect(text).not.toContain(syntax);
    }
  });

  it('is recognised by extension when sent as text/plain', async () => {
    const { text } = await extractText({
      bytes: Buffer.from('## Title\n\n*x*'),
      contentType: 'text/plain',
      filename: 'a.md',
    });
    expect(text).toBe('Title\n\nx');
  });
});

describe('HTML', () => {
  it('keeps visible text and drops scripts, styles and markup', async () => {
    const html = `<!doctype html><html><head><title>Head title</title>
      <style>.secret-style { color: red }</style><script>var secretScript = 1;</script></head>
      <body><h1>Visible heading</h1><p>First <b>para</b>graph with <a href="https://example.invalid/">a link</a>.</p>
      <noscript>noscript-text</noscript><p>${NON_ASCII} &amp; &lt;tags&gt;</p>
      <table><tr><th>Name</th><th>City</th></tr><tr><td>Ada</td><td>London</td></tr></table>
      <script type="module">import('secret-module')</script></body></html>`;
    const { text } = await extractText({
      bytes: Buffer.from(html),
      contentType: 'text/html; charset=utf-8',
      filename: 'p.html',
    });
    expect(text).toContain('Visible heading');
    expect(text).toContain('First paragraph with a link.');
    expect(text).toContain(`${NON_ASCII} & <tags>`);
    for (const cell of ['Name', 'City', 'Ada', 'London']) expect(text).toContain(cell);
    for (const hidden of [
      'secret-style',
      'secretScript',
      'secret-module',
      'example.invalid',
      '<p>',
      'noscript-text',
    ]) {
      expect(text).not.toContain(hidden);
    }
  });
});

describe('CSV', () => {
  it('gives every cell, one record per line, whatever the delimiter', async () => {
    const comma = `name,city,note\n"Müller, Hans",Zürich,"said ""hi"""\nSmith,${NON_ASCII},\n`;
    const semicolon = 'name;city\nMüller;Zürich\n';
    const tab = 'name\tcity\nMüller\tZürich\n';
    const a = await extractText({ bytes: Buffer.from(comma), contentType: 'text/csv', filename: 'a.csv' });
    expect(a.text.split('\n')).toEqual([
      'name city note',
      'Müller, Hans Zürich said "hi"',
      `Smith ${NON_ASCII}`,
    ]);
    const b = await extractText({
      bytes: Buffer.from(semicolon),
      contentType: 'text/csv',
      filename: 'b.csv',
    });
    expect(b.text.split('\n')).toEqual(['name city', 'Müller Zürich']);
    const c = await extractText({
      bytes: Buffer.from(tab),
      contentType: 'text/tab-separated-values',
      filename: 'c.tsv',
    });
    expect(c.text.split('\n')).toEqual(['name city', 'Müller Zürich']);
  });

  it('still indexes a file with an unclosed quote', async () => {
    const broken = 'a,b\n1,2\n3,"never closed\nlast words here\n';
    const { text } = await extractText({
      bytes: Buffer.from(broken),
      contentType: 'text/csv',
      filename: 'x.csv',
    });
    expect(text).toContain('last words here');
  });
});
