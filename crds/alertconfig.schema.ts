// Schema source of the AlertConfig kind (docs/api.md, docs/alerts.md). The CRD YAML, the TypeScript types, the ajv
// validators and docs/api.md are all generated from this file: edit here, then run `make crds`.
import {
  arr,
  bool,
  cel,
  enumOf,
  int,
  named,
  obj,
  str,
  use,
  withRules,
  type Schema,
} from './schema/builders.js';
import type { KindSource } from './schema/kind.js';
import { conditions, HTTP_URL, observedGeneration, secretValue } from './schema/shared.js';

export const CHANNEL_TYPES = ['slack', 'discord', 'msteams', 'email', 'webhook'] as const;
export const TLS_MODES = ['Auto', 'None', 'StartTLS', 'ImplicitTLS'] as const;
export const ALERTCONFIG_CONDITION_TYPES = ['Ready'] as const;
/**
 * What an alert can be about; an AlertConfig lists the ones it wants in spec.events (docs/alerts.md).
 * The list lives with the schema (its enum); domain/alerts/events.ts is where code reads it.
 */
export const ALERT_EVENTS = [
  'Updated',
  'Failed',
  'Recovered',
  'RolledBack',
  'ApprovalPending',
  'Held',
] as const;

/** When an inline URL is given, it must be an http(s) URL; a referenced one is checked when read. */
function inlineUrlRule(field: string) {
  return cel<Record<string, { value?: unknown } | undefined>>({
    rule: `!has(self.${field}.value) || self.${field}.value.matches('${HTTP_URL}')`,
    fieldPath: `.${field}.value`,
    reason: 'FieldValueInvalid',
    message: 'must be an http or https URL with a host',
    check: (s) => {
      const v = s[field]?.value;
      return typeof v !== 'string' || new RegExp(HTTP_URL).test(v);
    },
  });
}

function incomingWebhook(tsName: string, service: string, extra: Record<string, Schema> = {}): Schema {
  return named(
    tsName,
    `Posts alerts to a ${service} incoming webhook.`,
    withRules(
      obj(
        `Post alerts to a ${service} incoming webhook.`,
        {
          webhookURL: use(
            secretValue,
            `Incoming webhook URL. It is a credential: keep it in a Secret (valueFrom.secretKeyRef).`,
          ),
          ...extra,
        },
        ['webhookURL'],
      ),
      inlineUrlRule('webhookURL'),
    ),
  );
}

const email = named(
  'EmailChannel',
  'Sends alerts by SMTP.',
  withRules<{ username?: unknown; password?: unknown }>(
    obj(
      'Send alerts by e-mail through an SMTP server.',
      {
        host: str('SMTP server host name or IP address.', { minLength: 1, maxLength: 253 }),
        port: int('SMTP server port.', { minimum: 1, maximum: 65535, default: 587 }),
        username: use(
          secretValue,
          'SMTP user name. Set together with password; omit both for no authentication.',
        ),
        password: use(secretValue, 'SMTP password. Keep it in a Secret (valueFrom.secretKeyRef).'),
        from: str('Sender address, e.g. tagpilot@example.com or "Tagpilot <tagpilot@example.com>".', {
          minLength: 3,
          maxLength: 320,
          pattern: '^([^<>]*<)?[^ <>@]+@[^ <>@]+>?$',
        }),
        to: arr(
          'Recipient addresses. At least one.',
          str('A recipient address.', { minLength: 3, maxLength: 320, pattern: '^[^ <>@]+@[^ <>@]+$' }),
          { minItems: 1, maxItems: 50 },
        ),
        tlsMode: enumOf(
          `Auto: STARTTLS when the server offers it (implicit TLS on port 465). None: plain text.
           StartTLS: require STARTTLS. ImplicitTLS: TLS from the first byte (SMTPS).`,
          TLS_MODES,
          { default: 'Auto' },
        ),
        insecureSkipTLSVerify: bool('Skip verification of the SMTP server certificate.', { default: false }),
      },
      ['host', 'from', 'to'],
    ),
    cel({
      rule: 'has(self.username) == has(self.password)',
      fieldPath: '.password',
      reason: 'FieldValueInvalid',
      message: 'set username and password together, or neither',
      check: (e) => (e.username !== undefined) === (e.password !== undefined),
    }),
  ),
);

const webhookHeader = named(
  'WebhookHeader',
  'An extra HTTP header.',
  obj(
    'An HTTP header.',
    {
      name: str('Header name.', { minLength: 1, maxLength: 256, pattern: "^[-!#$%&'*+.^_`|~0-9A-Za-z]+$" }),
      value: use(secretValue, 'Header value, e.g. a bearer token: keep credentials in a Secret.'),
    },
    ['name', 'value'],
  ),
);

const webhook = named(
  'WebhookChannel',
  'POSTs alerts as JSON to any URL.',
  withRules<{ url?: unknown }>(
    obj(
      'POST each alert as JSON to a URL.',
      {
        url: str('http or https URL to POST to.', { minLength: 1, maxLength: 2048 }),
        secret: use(
          secretValue,
          `HMAC-SHA256 key: when set, the body is signed in the X-Tagpilot-Signature header as
           sha256=<hex>, so the receiver can check the alert came from Tagpilot.`,
        ),
        headers: arr('Extra HTTP headers sent with every request.', webhookHeader, {
          maxItems: 20,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        }),
      },
      ['url'],
    ),
    cel({
      rule: `self.url.matches('${HTTP_URL}')`,
      fieldPath: '.url',
      reason: 'FieldValueInvalid',
      message: 'must be an http or https URL with a host',
      check: (w) => typeof w.url !== 'string' || new RegExp(HTTP_URL).test(w.url),
    }),
  ),
);

const spec = named(
  'AlertConfigSpec',
  'Where alerts go and how they read.',
  withRules<Record<string, unknown>>(
    obj('Where alerts go and how they read. At least one channel; every configured channel is used.', {
      slack: incomingWebhook('SlackChannel', 'Slack', {
        channel: str('Channel to post to instead of the webhook default, e.g. #deploys.', {
          minLength: 1,
          maxLength: 80,
        }),
      }),
      discord: incomingWebhook('DiscordChannel', 'Discord'),
      msteams: incomingWebhook('MSTeamsChannel', 'Microsoft Teams'),
      email,
      webhook,
      events: arr(
        `The alert events this AlertConfig is sent. Updated: a rule picked a new tag or digest.
         Failed: a check of the Image failed (registry unreachable, credentials refused, a rule that
         cannot run, an action that failed), once per failure however long it lasts. Recovered: the
         first good check after a Failed one. RolledBack: the health gate put the previous tag back.
         ApprovalPending: a new tag waits for approval. Held: a hand rollback holds the Image.
         Default (absent): every event.`,
        enumOf('An alert event.', ALERT_EVENTS),
        { minItems: 1, maxItems: ALERT_EVENTS.length, 'x-kubernetes-list-type': 'set' },
      ),
      templateSubject: str(
        `Template of the subject line (e-mail subject, title of chat messages), in a Go-template
         subset: {{ .newTag }} prints a variable; no functions or conditionals. Variables: namespace,
         name, image, previousTag, newTag, digest, rule, time, availableTags, event, reason. Used for
         every event; default: a built-in one-line summary that fits the event.`,
        { maxLength: 1024 },
      ),
      templateBody: str(
        `Template of the message body, with the syntax and variables of templateSubject. Default: a
         built-in summary.`,
        { maxLength: 16384 },
      ),
    }),
    cel({
      rule: CHANNEL_TYPES.map((c) => `has(self.${c})`).join(' || '),
      reason: 'FieldValueRequired',
      message: `configure at least one channel: ${CHANNEL_TYPES.join(', ')}`,
      check: (s) => CHANNEL_TYPES.some((c) => s[c] !== undefined),
    }),
  ),
);

const channelStatus = named(
  'ChannelStatus',
  'Whether one channel could be resolved.',
  obj(
    'Resolution of one channel.',
    {
      type: enumOf('The channel.', CHANNEL_TYPES),
      resolved: bool('Its settings and referenced Secrets/ConfigMaps could be read.'),
      message: str('Why not, when not resolved. Never holds a secret.', { maxLength: 1024 }),
    },
    ['type', 'resolved'],
  ),
);

const status = named(
  'AlertConfigStatus',
  'Whether the channels can be used.',
  obj('Written by Tagpilot: whether the channels can be used.', {
    observedGeneration: observedGeneration(),
    conditions: conditions(
      `Ready: every configured channel resolved (its message lists the ones that did not).`,
    ),
    channels: arr('One entry per configured channel.', channelStatus, {
      maxItems: CHANNEL_TYPES.length,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
  }),
);

export const alertConfigKind: KindSource = {
  kind: 'AlertConfig',
  singular: 'alertconfig',
  plural: 'alertconfigs',
  listKind: 'AlertConfigList',
  shortNames: ['tpalert', 'tpac'],
  categories: ['tagpilot'],
  description: `An AlertConfig says where Image alert actions send their messages (Slack, Discord,
    Microsoft Teams, e-mail, any webhook) and how the messages read.`,
  spec,
  status,
  printerColumns: [
    {
      name: 'Ready',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
      description: 'Every configured channel resolved.',
    },
    {
      name: 'Reason',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
      priority: 1,
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
