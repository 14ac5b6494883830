/**
 * Bytes → clean text. Decoding honours a BOM (UTF-8, UTF-16 LE/BE), guesses BOM-less
 * UTF-16 from the pattern of zero bytes, accepts valid UTF-8, and falls back to
 * Windows-1252 (the usual legacy encoding of Western documents) otherwise.
 *
 * `cleanText` then drops NULs and control characters (C0 except tab/newline, DEL, C1,
 * BOMs, zero-width spaces), composes to NFC, collapses runs of spaces, trims lines and
 * keeps at most one blank line between paragraphs.
 */
export function decodeText(bytes: Uint8Array, charset?: string): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) return decode('utf-8', bytes.subarray(3));
  if (b0 === 0xff && b1 === 0xfe) return decode('utf-16le', bytes.subarray(2));
  if (b0 === 0xfe && b1 === 0xff) return decode('utf-16be', bytes.subarray(2));
  const declared = charset ? labelled(charset) : undefined;
  // A declared UTF-8 is still checked below: mislabelled Windows-1252 is common.
  if (declared && declared !== 'utf-8') return decode(declared, bytes);
  const utf16 = guessUtf16(bytes);
  if (utf16) return decode(utf16, bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return decode('windows-1252', bytes);
  }
}

/** A charset label the decoder knows (`latin1`, `Shift_JIS`…), normalised; unknown labels are ignored. */
function labelled(charset: string): string | undefined {
  try {
    return new TextDecoder(charset).encoding;
  } catch {
    return undefined;
  }
}

function decode(encoding: string, bytes: Uint8Array): string {
  return new TextDecoder(encoding).decode(bytes);
}

/** Mostly-ASCII UTF-16 has a zero in every other byte; UTF-8 and legacy text have almost none. */
function guessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/** Share of characters that are control characters (not tab/newline/CR) — high means "not text". */
export function controlShare(text: string, sample = 8192): number {
  const n = Math.min(text.length, sample);
  if (n === 0) return 0;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) bad++;
  }
  return bad / n;
}

const CLASS = { KEEP: 0, DROP: 1, SPACE: 2, NEWLINE: 3 } as const;

function classify(c: number): number {
  if (c === 10 || c === 11 || c === 12 || c === 13 || c === 0x2028 || c === 0x2029 || c === 0x85) {
    return CLASS.NEWLINE;
  }
  if (c === 32 || c === 9 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)) return CLASS.SPACE;
  if (c === 0x202f || c === 0x205f || c === 0x3000) return CLASS.SPACE;
  if (c < 32 || c === 127 || (c >= 0x80 && c <= 0x9f)) return CLASS.DROP;
  if (c === 0xfeff || c === 0x200b || c === 0x2060 || c === 0xfffe || c === 0xffff) return CLASS.DROP;
  return CLASS.KEEP;
}

/** Lone surrogates (from broken UTF-16) become U+FFFD; `toWellFormed` is ES2024, past our lib setting. */
function wellFormed(text: string): string {
  return (text as unknown as { toWellFormed(): string }).toWellFormed();
}

export function cleanText(raw: string): string {
  const text = wellFormed(raw).normalize('NFC');
  let out = '';
  let runStart = -1;
  let pendingSpace = false;
  let newlines = 0;
  let lastCr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const kind = classify(c);
    if (kind === CLASS.KEEP) {
      if (runStart < 0) {
        if (out.length > 0) {
          if (newlines > 0) out += newlines > 1 ? '\n\n' : '\n';
          else if (pendingSpace) out += ' ';
        }
        runStart = i;
        newlines = 0;
        pendingSpace = false;
      }
      lastCr = false;
      continue;
    }
    if (runStart >= 0) {
      out += text.slice(runStart, i);
      runStart = -1;
    }
    if (kind === CLASS.NEWLINE) {
      // \r\n is one line break, not two.
      if (!(c === 10 && lastCr)) newlines++;
      pendingSpace = false;
      lastCr = c === 13;
    } else {
      if (kind === CLASS.SPACE) pendingSpace = true;
      lastCr = false;
    }
  }
  if (runStart >= 0) out += text.slice(runStart);
  return out;
}

/** Cut `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (text.length <= maxBytes / 3 || Buffer.byteLength(text, 'utf8') <= maxBytes) {
    return { text, truncated: false };
  }
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes));
  return { text: text.slice(0, read), truncated: true };
}
