/**
 * Where format parsers put raw text. It stops accepting once `maxChars` is reached and
 * remembers that it cut, so a parser can stop early (`full`) instead of materialising a
 * 100 MB spreadsheet only to throw most of it away.
 */
export class TextSink {
  readonly maxChars: number;
  private parts: string[] = [];
  private length = 0;
  truncated = false;

  constructor(maxChars: number) {
    this.maxChars = maxChars;
  }

  get full(): boolean {
    return this.length >= this.maxChars;
  }

  push(text: string): void {
    if (text.length === 0) return;
    const room = this.maxChars - this.length;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const piece = text.length > room ? text.slice(0, room) : text;
    if (piece.length < text.length) this.truncated = true;
    this.parts.push(piece);
    this.length += piece.length;
  }

  /** A paragraph boundary: cleanText keeps it as a blank line. */
  paragraph(): void {
    this.push('\n\n');
  }

  toString(): string {
    return this.parts.join('');
  }
}
