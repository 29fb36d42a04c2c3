// Turns an AlertConfig into channel settings with every `{value | valueFrom}` read: what a delivery
// needs, and what the operator reports in status.channels. Resolved values live in memory only; the
// objects hide them from JSON.stringify, util.inspect and loggers.
import { inspect } from 'node:util';
import type { AlertConfig, ChannelType, SecretValue, TLSMode } from '../../crds/index.js';
import { CHANNEL_TYPES } from '../../crds/index.js';
import { errorMessage } from '../../common/errors.js';
import { isHttpURL } from '../../domain/alerts/validate.js';
import { describeRef, type ValueReader } from './values.js';

export interface ResolvedSlack {
  type: 'slack';
  webhookURL: string;
  channel?: string;
}
export interface ResolvedDiscord {
  type: 'discord';
  webhookURL: string;
}
export interface ResolvedMSTeams {
  type: 'msteams';
  webhookURL: string;
}
export interface ResolvedEmail {
  type: 'email';
  host: string;
  port: number;
  username?: string;
  password?: string;
  from: string;
  to: string[];
  tlsMode: TLSMode;
  insecureSkipTLSVerify: boolean;
}
export interface ResolvedWebhook {
  type: 'webhook';
  url: string;
  secret?: string;
  headers: { name: string; value: string }[];
}
export type ResolvedChannel =
  ResolvedSlack | ResolvedDiscord | ResolvedMSTeams | ResolvedEmail | ResolvedWebhook;

export interface ChannelFailure {
  channel: ChannelType;
  /** Names the field and the Secret/ConfigMap key; never a value. */
  message: string;
}

export interface Resolution {
  /** Channels configured in the spec, in CHANNEL_TYPES order. */
  configured: ChannelType[];
  channels: ResolvedChannel[];
  failures: ChannelFailure[];
  /** Every secret-ish value read, so messages from peers can be scrubbed of them. Not enumerable. */
  readonly sensitive: readonly string[];
}

/** Default SMTP port when a spec did not go through the apiserver's defaulting (CLI files, tests). */
const DEFAULT_SMTP_PORT = 587;

class FieldProblem extends Error {}

// Objects holding credentials print as their type only, whoever logs them by mistake.
function sealed<T extends { type: string }>(channel: T): T {
  const view = () => ({ type: channel.type, resolved: '[redacted]' });
  Object.defineProperty(channel, 'toJSON', { value: view, enumerable: false });
  Object.defineProperty(channel, inspect.custom, { value: view, enumerable: false });
  return channel;
}

/** `kubectl create secret --from-file` keeps the file's final newline; no URL or password wants it. */
function chomp(s: string): string {
  return s.replace(/\r?\n$/, '');
}

class Resolver {
  readonly sensitive: string[] = [];
  constructor(
    private readonly namespace: string,
    private readonly reader: ValueReader,
  ) {}

  async value(field: string, v: SecretValue | undefined, sensitive = true): Promise<string> {
    if (v === undefined) throw new FieldProblem(`${field} is required`);
    let out: string;
    if (v.value !== undefined) {
      out = v.value;
    } else {
      const src = v.valueFrom;
      const sel = src?.secretKeyRef ?? src?.configMapKeyRef;
      if (!src || !sel) throw new FieldProblem(`${field}: set value or valueFrom`);
      const kind = src.secretKeyRef ? 'Secret' : 'ConfigMap';
      try {
        out = chomp(
          await this.reader.read({ kind, namespace: this.namespace, name: sel.name, key: sel.key }),
        );
      } catch (err) {
        throw new FieldProblem(`${field}: ${errorMessage(err)}`);
      }
      if (out === '') {
        throw new FieldProblem(
          `${field}: ${describeRef({ kind, namespace: this.namespace, name: sel.name, key: sel.key })} is empty`,
        );
      }
    }
    if (sensitive && out !== '') this.sensitive.push(out);
    return out;
  }

  async url(field: string, v: SecretValue | undefined): Promise<string> {
    const out = (await this.value(field, v)).trim();
    if (!isHttpURL(out)) {
      // The URL itself is a credential for Slack/Discord/Teams: say what is wrong, not what it is.
      throw new FieldProblem(`${field} is not an http(s) URL with a host`);
    }
    return out;
  }
}

async function resolveOne(
  type: ChannelType,
  spec: AlertConfig['spec'],
  r: Resolver,
): Promise<ResolvedChannel> {
  const base = `spec.${type}`;
  switch (type) {
    case 'slack': {
      const s = spec.slack!;
      const url = await r.url(`${base}.webhookURL`, s.webhookURL);
      return { type, webhookURL: url, ...(s.channel ? { channel: s.channel } : {}) };
    }
    case 'discord':
      return { type, webhookURL: await r.url(`${base}.webhookURL`, spec.discord!.webhookURL) };
    case 'msteams':
      return { type, webhookURL: await r.url(`${base}.webhookURL`, spec.msteams!.webhookURL) };
    case 'email': {
      const e = spec.email!;
      if ((e.username === undefined) !== (e.password === undefined)) {
        throw new FieldProblem(`${base}: set username and password together, or neither`);
      }
      const auth =
        e.username !== undefined
          ? {
              username: await r.value(`${base}.username`, e.username),
              password: await r.value(`${base}.password`, e.password),
            }
          : {};
      return {
        type,
        host: e.host,
        port: e.port ?? DEFAULT_SMTP_PORT,
        ...auth,
        from: e.from,
        to: [...e.to],
        tlsMode: e.tlsMode ?? 'Auto',
        insecureSkipTLSVerify: e.insecureSkipTLSVerify ?? false,
      };
    }
    case 'webhook': {
      const w = spec.webhook!;
      if (!isHttpURL(w.url)) throw new FieldProblem(`${base}.url is not an http(s) URL with a host`);
      const secret = w.secret !== undefined ? await r.value(`${base}.secret`, w.secret) : undefined;
      const headers = [];
      for (const [i, h] of (w.headers ?? []).entries()) {
        headers.push({ name: h.name, value: await r.value(`${base}.headers[${i}].value`, h.value) });
      }
      return { type, url: w.url, ...(secret !== undefined ? { secret } : {}), headers };
    }
  }
}

export function configuredChannels(spec: AlertConfig['spec']): ChannelType[] {
  return CHANNEL_TYPES.filter((c) => spec[c] !== undefined);
}

/**
 * Reads every channel's settings. Never throws for one channel: a channel whose Secret is missing is
 * reported in `failures` and the others resolve. `reader` is used for valueFrom only.
 */
export async function resolveChannels(alertConfig: AlertConfig, reader: ValueReader): Promise<Resolution> {
  const namespace = alertConfig.metadata.namespace ?? 'default';
  const r = new Resolver(namespace, reader);
  const configured = configuredChannels(alertConfig.spec);
  const results = await Promise.all(
    configured.map(async (type) => {
      try {
        return { type, channel: sealed(await resolveOne(type, alertConfig.spec, r)) };
      } catch (err) {
        const message = err instanceof FieldProblem ? err.message : `${type}: ${errorMessage(err)}`;
        return { type, failure: message };
      }
    }),
  );
  const resolution = {
    configured,
    channels: results.flatMap((x) => (x.channel ? [x.channel] : [])),
    failures: results.flatMap((x) =>
      x.failure !== undefined ? [{ channel: x.type, message: x.failure }] : [],
    ),
  } as Resolution;
  Object.defineProperty(resolution, 'sensitive', { value: r.sensitive, enumerable: false });
  return resolution;
}
