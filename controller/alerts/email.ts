// E-mail over SMTP with nodemailer: one message with a text part (the rendered body) and an HTML part
// (the same text, escaped, plus a table of facts and the registry link).
import { isIP } from 'node:net';
import { safeExcerpt } from '../../domain/scrub.js';
import { wireEventName } from '../../domain/alerts/events.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { DeliveryError } from './errors.js';
import { bodyText, facts, subjectText, type AlertMessage } from './message.js';
import type { ResolvedEmail } from './resolve.js';

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export function emailContent(m: AlertMessage): EmailContent {
  const subject = subjectText(m);
  const text = bodyText(m);
  const rows = facts(m)
    .map(
      (f) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(f.label)}</th>` +
        `<td style="font-family:monospace">${escapeHtml(f.value)}</td></tr>`,
    )
    .join('');
  const link = m.link
    ? `<p><a href="${escapeHtml(m.link)}">View ${escapeHtml(m.values.image)} in the registry</a></p>`
    : '';
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2 style="font-size:16px">${escapeHtml(subject)}</h2>` +
    `<div style="white-space:pre-wrap">${escapeHtml(text)}</div>` +
    `<table style="margin-top:12px;border-collapse:collapse">${rows}</table>${link}` +
    `</body></html>`;
  return { subject, text, html };
}

/**
 * nodemailer settings for a TLS mode:
 * - Auto: implicit TLS on port 465, else STARTTLS when the server offers it (nodemailer's default);
 * - None: plain text even if the server offers STARTTLS;
 * - StartTLS: STARTTLS or fail (never sends credentials or mail in clear text);
 * - ImplicitTLS: TLS from the first byte (SMTPS), whatever the port.
 */
export function transportOptions(
  ch: ResolvedEmail,
  timeoutMs: number,
  extraCA?: string | string[],
): SMTPTransport.Options {
  const mode =
    ch.tlsMode === 'None'
      ? { secure: false, ignoreTLS: true }
      : ch.tlsMode === 'StartTLS'
        ? { secure: false, requireTLS: true }
        : ch.tlsMode === 'ImplicitTLS'
          ? { secure: true }
          : {};
  return {
    host: ch.host,
    port: ch.port,
    ...mode,
    ...(ch.username !== undefined ? { auth: { user: ch.username, pass: ch.password ?? '' } } : {}),
    tls: {
      rejectUnauthorized: !ch.insecureSkipTLSVerify,
      minVersion: 'TLSv1.2',
      // SNI must be a host name; Node warns and ignores IP addresses there.
      ...(isIP(ch.host) ? {} : { servername: ch.host }),
      ...(extraCA !== undefined ? { ca: extraCA } : {}),
    },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Message content comes from templates: never let it make nodemailer read files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
}

type SmtpError = Error & { code?: string; responseCode?: number; command?: string };

const CERT_PROBLEM = /certificate|self[- ]signed|unable to verify|altname/i;
const NOT_TLS = /wrong version number|packet length too long|unknown protocol/i;

/** An SMTP failure as a DeliveryError: 4xx replies and connection trouble are worth retrying, 5xx are not. */
export function smtpError(
  err: unknown,
  host: string,
  port: number,
  secrets: readonly (string | undefined)[] = [],
): DeliveryError {
  const e = err as SmtpError;
  const where = `${host}:${port}`;
  // SMTP servers quote the command they refused, user name (or its base64) included.
  const msg = safeExcerpt((e.message ?? String(err)).split('\n')[0]!, secrets, 300);
  if (e.code === 'EAUTH') return new DeliveryError(`${where}: authentication failed: ${msg}`, false);
  if (NOT_TLS.test(msg)) {
    return new DeliveryError(
      `${where}: TLS failed: the server does not speak TLS on this port (use tlsMode StartTLS, Auto or None, or the SMTPS port)`,
      false,
    );
  }
  if (CERT_PROBLEM.test(msg) && (e.code === 'ESOCKET' || e.code === 'ETLS')) {
    return new DeliveryError(
      `${where}: TLS failed: ${msg} (trust the server certificate or set insecureSkipTLSVerify)`,
      false,
    );
  }
  if (e.code === 'ETLS') return new DeliveryError(`${where}: TLS failed: ${msg}`, false);
  if (typeof e.responseCode === 'number') {
    return new DeliveryError(`${where}: ${msg}`, e.responseCode >= 400 && e.responseCode < 500);
  }
  if (/ECONNREFUSED/.test(msg)) {
    return new DeliveryError(`${where}: connection refused`, true);
  }
  if (e.code === 'ETIMEDOUT') return new DeliveryError(`${where}: timed out (${msg})`, true);
  return new DeliveryError(`${where}: ${msg}`, e.code !== 'EENVELOPE' && e.code !== 'EMESSAGE');
}

/** The credentials and the base64 forms AUTH LOGIN and AUTH PLAIN send, which servers may quote. */
function smtpSecrets(ch: ResolvedEmail): string[] {
  if (ch.username === undefined) return [];
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const password = ch.password ?? '';
  return [ch.username, password, b64(ch.username), b64(password), b64(`\0${ch.username}\0${password}`)];
}

export interface SendEmailOptions {
  timeoutMs: number;
  extraCA?: string | string[];
  messageId?: string;
}

export async function sendEmail(ch: ResolvedEmail, m: AlertMessage, opts: SendEmailOptions): Promise<void> {
  const content = emailContent(m);
  // Loaded on the first e-mail: most controllers never send one, and nodemailer is 35 modules.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(transportOptions(ch, opts.timeoutMs, opts.extraCA));
  let timer: NodeJS.Timeout | undefined;
  // nodemailer's timeouts are per phase; this bounds the whole attempt.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new DeliveryError(`${ch.host}:${ch.port}: not delivered within ${opts.timeoutMs} ms`, true)),
      opts.timeoutMs,
    );
  });
  try {
    await Promise.race([
      transport.sendMail({
        from: ch.from,
        to: ch.to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        ...(opts.messageId ? { messageId: opts.messageId } : {}),
        headers: { 'X-Tagpilot-Event': wireEventName(m.notification.event) },
      }),
      deadline,
    ]);
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    throw smtpError(err, ch.host, ch.port, smtpSecrets(ch));
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
