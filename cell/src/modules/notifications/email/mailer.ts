import { createTransport } from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/** How the worker sends mail: SMTP through nodemailer, or nowhere when no server is configured. */
export interface Mailer {
  readonly enabled: boolean;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function createMailer(o: { url: string | undefined; from: string }): Mailer {
  if (!o.url) {
    return { enabled: false, send: async () => {}, close: () => {} };
  }
  // A pool: a digest run sends many mails over few connections.
  const transport = createTransport({ pool: true, maxConnections: 2, url: o.url } as never);
  return {
    enabled: true,
    async send(mail) {
      await transport.sendMail({ from: o.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transport.close(),
  };
}
