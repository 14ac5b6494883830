import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ExtractionError } from '../../src/modules/extraction/extract.ts';
import { closePreviews, PREVIEW_MAX_EDGE, renderPreview } from '../../src/modules/previews/render.ts';
import { MIME, makeDocx, makeExponentialPdf, makePdf } from '../extraction/fixtures.ts';

afterAll(() => closePreviews());

/** Decode the PNG we got back and check it is what the result claims. */
async function decoded(preview: { png: Buffer; width: number; height: number } | null) {
  expect(preview).not.toBeNull();
  const meta = await sharp(preview!.png).metadata();
  expect(meta.format).toBe('png');
  expect({ width: meta.width, height: meta.height }).toEqual({
    width: preview!.width,
    height: preview!.height,
  });
  return meta;
}

async function failure(promise: Promise<unknown>): Promise<ExtractionError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExtractionError);
  return err as ExtractionError;
}

describe('PDF previews', () => {
  it('renders the first page of an A4 PDF to a PNG that fits the box, portrait kept', async () => {
    const pdf = await makePdf([['First page heading', 'Zürich Straße naïve café'], ['Second page']]);
    const preview = await renderPreview({ bytes: pdf, contentType: MIME.pdf });
    const meta = await decoded(preview);
    expect(meta.height).toBe(PREVIEW_MAX_EDGE);
    expect(meta.width).toBe(Math.round((595.28 / 841.89) * PREVIEW_MAX_EDGE)); // A4 aspect ratio
    // Not a blank page: the rendered text leaves dark pixels on the white background.
    const stats = await sharp(preview!.png).stats();
    expect(stats.channels[0]!.min).toBeLessThan(100);
    expect(stats.channels[0]!.max).toBe(255);
  });

  it('renders a landscape page wider than tall', async () => {
    const pdf = await makePdf([['Landscape']], { layout: 'landscape' });
    const meta = await decoded(await renderPreview({ bytes: pdf, contentType: 'application/pdf' }));
    expect(meta.width).toBe(PREVIEW_MAX_EDGE);
    expect(meta.height).toBeLessThan(PREVIEW_MAX_EDGE);
  });

  it('recognises a PDF sent as application/octet-stream by its signature', async () => {
    const pdf = await makePdf([['Sniffed']]);
    await decoded(await renderPreview({ bytes: pdf, contentType: 'application/octet-stream' }));
  });

  it("answers 'encrypted' for a password-protected PDF and 'corrupt' for a broken one", async () => {
    const locked = await makePdf([['secret']], { userPassword: 'pw', ownerPassword: 'owner' });
    expect((await failure(renderPreview({ bytes: locked, contentType: MIME.pdf }))).code).toBe('encrypted');
    const broken = Buffer.from('%PDF-1.7\nnothing else here at all');
    expect((await failure(renderPreview({ bytes: broken, contentType: MIME.pdf }))).code).toBe('corrupt');
  });

  it("ends a runaway render with 'timeout' and renders the next PDF", async () => {
    const err = await failure(
      renderPreview({ bytes: makeExponentialPdf(40), contentType: MIME.pdf }, { timeoutMs: 1_000 }),
    );
    expect(err.code).toBe('timeout');
    await decoded(await renderPreview({ bytes: await makePdf([['after']]), contentType: MIME.pdf }));
  });
});

describe('image previews', () => {
  const photo = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } });

  it('scales a large JPEG down to fit, keeping its aspect ratio', async () => {
    const jpeg = await photo(2000, 1000).jpeg().toBuffer();
    const meta = await decoded(await renderPreview({ bytes: jpeg, contentType: 'image/jpeg' }));
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 512, height: 256 });
  });

  it('never enlarges a small image', async () => {
    const png = await photo(100, 40).png().toBuffer();
    const meta = await decoded(await renderPreview({ bytes: png, contentType: 'image/png' }));
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 100, height: 40 });
  });

  it('renders WebP and GIF, and sniffs an image sent as octet-stream', async () => {
    const webp = await photo(1024, 2048).webp().toBuffer();
    expect(await decoded(await renderPreview({ bytes: webp, contentType: 'image/webp' }))).toMatchObject({
      width: 256,
      height: 512,
    });
    const gif = await photo(600, 600).gif().toBuffer();
    expect(await decoded(await renderPreview({ bytes: gif, contentType: 'image/gif' }))).toMatchObject({
      width: 512,
      height: 512,
    });
    const jpeg = await photo(800, 600).jpeg().toBuffer();
    await decoded(await renderPreview({ bytes: jpeg, contentType: 'application/octet-stream' }));
  });

  it('applies EXIF orientation (a sideways phone photo comes out upright)', async () => {
    const sideways = await photo(800, 400).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const meta = await decoded(await renderPreview({ bytes: sideways, contentType: 'image/jpeg' }));
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 256, height: 512 });
  });

  it("answers 'corrupt' for bytes that are not the image they claim to be", async () => {
    const err = await failure(
      renderPreview({ bytes: Buffer.from('not a jpeg at all'), contentType: 'image/jpeg' }),
    );
    expect(err.code).toBe('corrupt');
  });

  it("refuses a decompression bomb (a tiny PNG declaring 40,000 × 40,000 pixels) with 'too_large'", async () => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(40_000, 0);
    ihdr.writeUInt32BE(40_000, 4);
    ihdr.writeUInt8(8, 8); // bit depth
    ihdr.writeUInt8(0, 9); // greyscale
    const chunk = (type: string, data: Buffer) => {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(data.length);
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body));
      return Buffer.concat([head, body, crc]);
    };
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(64))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    expect(png.length).toBeLessThan(100);
    const err = await failure(renderPreview({ bytes: png, contentType: 'image/png' }));
    expect(err.code).toBe('too_large');
  });
});

describe('types without a preview', () => {
  it('returns null for text, Office files, SVG and unknown bytes', async () => {
    expect(
      await renderPreview({ bytes: Buffer.from('just some text'), contentType: 'text/plain' }),
    ).toBeNull();
    expect(await renderPreview({ bytes: await makeDocx(), contentType: MIME.docx })).toBeNull();
    expect(
      await renderPreview({
        bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
        contentType: 'image/svg+xml',
      }),
    ).toBeNull();
    expect(
      await renderPreview({ bytes: Buffer.from('?'), contentType: 'application/octet-stream' }),
    ).toBeNull();
  });
});
