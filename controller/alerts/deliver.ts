// Sends one alert to every channel of an AlertConfig at once. Each channel has its own timeout and
// retries; a channel that fails (or cannot be resolved) is reported in its outcome and never delays or
// breaks the others. deliverAlert never throws for a channel failure.
import type { Logger } from '../../common/logger.js';
import { scrubSecrets } from '../../domain/scrub.js';
import type { AlertConfig, ChannelType } from '../../crds/index.js';
import { updateKey } from './dedupe.js';
import { discordPayload } from './discord.js';
import { sendEmail } from './email.js';
import { postJSON } from './http.js';
import { buildMessage, type AlertMessage } from './message.js';
import { alertAttempts, alertDeliveries, alertDeliveryDuration } from './metrics.js';
import { teamsPayload } from './msteams.js';
import type { Notification } from './notification.js';
import { resolveChannels, type ResolvedChannel, type Resolution } from './resolve.js';
import { DEFAULT_RETRY, realSleep, withRetries, type RetryPolicy } from './retry.js';
import { slackPayload } from './slack.js';
import { noClusterReader, type ValueReader } from './values.js';
import { webhookDocument, webhookRequest } from './webhook.js';

export interface ChannelOutcome {
  channel: ChannelType;
  ok: boolean;
  /** Tries made; 0 when the channel could not be resolved. */
  attempts: number;
  /** What happened, for Events, logs and the CLI; never holds a secret value. */
  message: string;
  /** When not ok: just the reason of the last failure (also in message). */
  error?: string;
  durationMs: number;
}

export interface DeliveryDeps {
  /** Reads valueFrom references at send time. Without it, only inline values work. */
  reader?: ValueReader;
  /** Channels already resolved by the caller (skips reading Secrets again). */
  resolution?: Resolution;
  /** Limit for one try of one channel. Default 10 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
  /** Extra CA certificates (PEM) trusted for SMTP TLS, besides the system ones. */
  smtpCA?: string | string[];
}

export const DEFAULT_TIMEOUT_MS = 10_000;

async function sendOnce(
  channel: ResolvedChannel,
  m: AlertMessage,
  ctx: {
    id: string;
    alertConfig: { namespace: string; name: string };
    timeoutMs: number;
    smtpCA?: string | string[];
    /** Every value read for the AlertConfig: quoted peer answers are cut to excerpts without them. */
    secrets: readonly string[];
  },
): Promise<void> {
  const { timeoutMs, secrets } = ctx;
  switch (channel.type) {
    case 'slack':
      await postJSON({
        url: channel.webhookURL,
        body: JSON.stringify(slackPayload(channel, m)),
        headers: {},
        timeoutMs,
        secrets,
      });
      return;
    case 'discord':
      await postJSON({
        url: channel.webhookURL,
        body: JSON.stringify(discordPayload(m)),
        headers: {},
        timeoutMs,
        secrets,
      });
      return;
    case 'msteams':
      await postJSON({
        url: channel.webhookURL,
        body: JSON.stringify(teamsPayload(m)),
        headers: {},
        timeoutMs,
        secrets,
      });
      return;
    case 'webhook': {
      const req = webhookRequest(channel, webhookDocument(m, ctx.alertConfig, ctx.id));
      await postJSON({ url: channel.url, body: req.body, headers: req.headers, timeoutMs, secrets });
      return;
    }
    case 'email':
      await sendEmail(channel, m, {
        timeoutMs,
        messageId: `<${ctx.id}@tagpilot.dev>`,
        ...(ctx.smtpCA !== undefined ? { extraCA: ctx.smtpCA } : {}),
      });
      return;
  }
}

export async function deliverAlert(
  alertConfig: AlertConfig,
  notification: Notification,
  deps: DeliveryDeps = {},
): Promise<ChannelOutcome[]> {
  const ref = {
    namespace: alertConfig.metadata.namespace ?? 'default',
    name: alertConfig.metadata.name ?? '',
  };
  const resolution = deps.resolution ?? (await resolveChannels(alertConfig, deps.reader ?? noClusterReader));
  // A reason quotes peers (a registry, an alert receiver): it goes out scrubbed of this AlertConfig's
  // values too, not only of the credentials the check used.
  const message = buildMessage(
    alertConfig.spec,
    notification.reason
      ? { ...notification, reason: scrubSecrets(notification.reason, resolution.sensitive) }
      : notification,
  );
  const id = notification.id ?? updateKey(notification);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...deps.retry };
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const notes = message.templateProblems.length > 0 ? ` (${message.templateProblems.join('; ')})` : '';
  const clean = (s: string) => scrubSecrets(s, resolution.sensitive);

  const unresolved: ChannelOutcome[] = resolution.failures.map((f) => ({
    channel: f.channel,
    ok: false,
    attempts: 0,
    message: clean(`not sent: ${f.message}`),
    error: clean(f.message),
    durationMs: 0,
  }));

  const sent = await Promise.all(
    resolution.channels.map(async (channel): Promise<ChannelOutcome> => {
      const started = performance.now();
      const result = await withRetries(
        () =>
          sendOnce(channel, message, {
            id,
            alertConfig: ref,
            timeoutMs,
            secrets: resolution.sensitive,
            ...(deps.smtpCA ? { smtpCA: deps.smtpCA } : {}),
          }),
        policy,
        { sleep, random, onAttempt: () => alertAttempts.inc({ channel: channel.type }) },
      );
      const durationMs = Math.round(performance.now() - started);
      const tries = `${result.attempts} ${result.attempts === 1 ? 'attempt' : 'attempts'}`;
      if (result.ok) {
        return {
          channel: channel.type,
          ok: true,
          attempts: result.attempts,
          message: clean(`sent (${tries})${notes}`),
          durationMs,
        };
      }
      const error = clean(
        (result.error?.message ?? 'unknown error') +
          (result.error && !result.error.retriable && result.attempts < policy.attempts
            ? ' (not retried)'
            : ''),
      );
      return {
        channel: channel.type,
        ok: false,
        attempts: result.attempts,
        message: `failed after ${tries}: ${error}`,
        error,
        durationMs,
      };
    }),
  );

  const byType = new Map([...unresolved, ...sent].map((o) => [o.channel, o]));
  const outcomes = resolution.configured.flatMap((c) => (byType.has(c) ? [byType.get(c)!] : []));
  for (const o of outcomes) {
    alertDeliveries.inc({ channel: o.channel, result: o.ok ? 'sent' : 'failed' });
    alertDeliveryDuration.observe({ channel: o.channel }, o.durationMs / 1000);
    deps.logger?.[o.ok ? 'info' : 'warn'](
      { alertConfig: `${ref.namespace}/${ref.name}`, channel: o.channel, attempts: o.attempts, ok: o.ok },
      `alert ${o.channel}: ${o.message}`,
    );
  }
  return outcomes;
}
