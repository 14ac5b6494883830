/**
 * A local SMTP sink (npm `smtp-server`): accepts every message on 127.0.0.1 and keeps it, for
 * the notification mails of `npm start` and the tests (never a relay; nothing leaves the
 * machine). In tests: `const sink = await startSmtpSink()` then point a cell's SMTP_URL at
 * `sink.url`. As a process: `node infra/local/smtp-sink.ts [--port 2525] [--dir .local/mail]`
 * writes each message to `<dir>/<n>.eml`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SMTPServer } from 'smtp-server';

export interface SunkMessage {
  from: string | null;
  to: string[];
  subject: string;
  /** The whole message as received (headers and body, MIME as sent). */
  raw: string;
  /** The decoded text/plain part (quoted-printable undone), or the raw body. */
  text: string;
}

export interface SmtpSink {
  port: number;
  url: string;
  messages: SunkMessage[];
  close(): Promise<void>;
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const m = head.match(new RegExp(`^${name}:([^\\r\\n]*(?:\\r?\\n[ \\t][^\\r\\n]*)*)`, 'im'));
  return m ? m[1]!.replace(/\r?\n[ \t]/g, ' ').trim() : '';
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=), as nodemailer writes them. */
function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([qb])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9a-f]{2})/gi, (__, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

function quotedPrintable(body: string): string {
  const bytes = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The text/plain part, decoded: enough MIME for nodemailer's own output. */
function textOf(raw: string): string {
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  for (const part of parts.length > 1 ? parts : [raw]) {
    const [head = '', ...rest] = part.split(/\r?\n\r?\n/);
    const body = rest.join('\n\n');
    if (parts.length > 1 && !/content-type:\s*text\/plain/i.test(head)) continue;
    if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) return quotedPrintable(body);
    if (/content-transfer-encoding:\s*base64/i.test(head))
      return Buffer.from(body, 'base64').toString('utf8');
    return body;
  }
  return raw;
}

export async function startSmtpSink(o: { port?: number; dir?: string } = {}): Promise<SmtpSink> {
  const messages: SunkMessage[] = [];
  if (o.dir) mkdirSync(o.dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    banner: 'quire local smtp sink',
    size: 10 * 1024 * 1024,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const message: SunkMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: decodeWords(header(raw, 'subject')),
          raw,
          text: textOf(raw),
        };
        messages.push(message);
        if (o.dir) writeFileSync(join(o.dir, `${messages.length}.eml`), raw);
        callback();
      });
    },
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 0, '127.0.0.1', () => ok());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const sink = await startSmtpSink({
    port: Number(arg('--port') ?? 2525),
    dir: arg('--dir') ?? '.local/mail',
  });
  process.stdout.write(`smtp sink listening on ${sink.url}, messages in ${arg('--dir') ?? '.local/mail'}\n`);
}
