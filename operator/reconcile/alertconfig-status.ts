// Whether an AlertConfig's channels can be used, judged from the spec and from which Secret and
// ConfigMap keys exist. Values are never looked at: the lookup only knows key names and whether a value
// is empty, so nothing secret can reach a status, an event or a log from here.
import { isDeepStrictEqual } from 'node:util';
import {
  CHANNEL_TYPES,
  clipMessage,
  findCondition,
  formatErrors,
  sameCondition,
  setCondition,
  type DesiredCondition,
  type AlertConfig,
  type ChannelStatus,
  type ChannelType,
  type SecretValue,
} from '../../crds/index.js';
import { alertConfigErrors, isTemplateField } from '../../domain/alerts/validate.js';
import { READY, type OwnedStatus } from './image-status.js';

export const AlertConfigReasons = {
  Resolved: 'Resolved',
  InvalidSpec: 'InvalidSpec',
  InvalidTemplate: 'InvalidTemplate',
  SecretNotFound: 'SecretNotFound',
  ConfigMapNotFound: 'ConfigMapNotFound',
  KeyNotFound: 'KeyNotFound',
  EmptyValue: 'EmptyValue',
} as const;

/** Key names of a Secret or ConfigMap and whether each value is non-empty; undefined: no such object. */
export type Keys = ReadonlyMap<string, boolean>;

export interface KeyLookup {
  keys(kind: 'Secret' | 'ConfigMap', namespace: string, name: string): Keys | undefined;
}

export interface Reference {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key: string;
  field: string;
  channel: ChannelType;
}

/** Every `valueFrom` reference of the spec, with the field it sits in. */
export function references(spec: AlertConfig['spec'] | undefined): Reference[] {
  const out: Reference[] = [];
  const add = (channel: ChannelType, field: string, v: SecretValue | undefined) => {
    const from = v?.valueFrom;
    const sel = from?.secretKeyRef ?? from?.configMapKeyRef;
    if (!from || !sel || typeof sel.name !== 'string') return;
    out.push({
      kind: from.secretKeyRef ? 'Secret' : 'ConfigMap',
      name: sel.name,
      key: sel.key,
      field,
      channel,
    });
  };
  if (!spec || typeof spec !== 'object') return out;
  for (const c of ['slack', 'discord', 'msteams'] as const)
    add(c, `spec.${c}.webhookURL`, spec[c]?.webhookURL);
  add('email', 'spec.email.username', spec.email?.username);
  add('email', 'spec.email.password', spec.email?.password);
  add('webhook', 'spec.webhook.secret', spec.webhook?.secret);
  (Array.isArray(spec.webhook?.headers) ? spec.webhook.headers : []).forEach((h, i) =>
    add('webhook', `spec.webhook.headers[${i}].value`, h?.value),
  );
  return out;
}

interface Failure {
  reason: string;
  message: string;
}

function checkReference(ref: Reference, namespace: string, lookup: KeyLookup): Failure | undefined {
  const what = `${ref.kind} ${namespace}/${ref.name}`;
  const keys = lookup.keys(ref.kind, namespace, ref.name);
  if (!keys) {
    return {
      reason:
        ref.kind === 'Secret' ? AlertConfigReasons.SecretNotFound : AlertConfigReasons.ConfigMapNotFound,
      message: `${ref.field}: ${what} not found`,
    };
  }
  const nonEmpty = keys.get(ref.key);
  if (nonEmpty === undefined) {
    const known = [...keys.keys()].sort();
    return {
      reason: AlertConfigReasons.KeyNotFound,
      message: `${ref.field}: ${what} has no key "${ref.key}"${known.length ? ` (its keys: ${known.join(', ')})` : ' (it has no data)'}`,
    };
  }
  if (!nonEmpty)
    return {
      reason: AlertConfigReasons.EmptyValue,
      message: `${ref.field}: key "${ref.key}" of ${what} is empty`,
    };
  return undefined;
}

export interface AlertConfigReadiness {
  ready: DesiredCondition;
  channels: ChannelStatus[];
}

export function alertConfigReadiness(ac: AlertConfig, lookup: KeyLookup): AlertConfigReadiness {
  const namespace = ac.metadata.namespace ?? '';
  const spec = (ac.spec ?? {}) as AlertConfig['spec'];
  const configured = CHANNEL_TYPES.filter((c) => spec[c] !== undefined && spec[c] !== null);
  const failures = new Map<ChannelType, Failure[]>();
  for (const ref of references(spec)) {
    const failure = checkReference(ref, namespace, lookup);
    if (failure) failures.set(ref.channel, [...(failures.get(ref.channel) ?? []), failure]);
  }
  const channels: ChannelStatus[] = configured.map((type) => {
    const f = failures.get(type);
    return f
      ? { type, resolved: false, message: clipMessage(f.map((x) => x.message).join('; ')) }
      : { type, resolved: true };
  });

  const errors = alertConfigErrors(ac);
  if (errors.length > 0) {
    const templateOnly = errors.every((e) => isTemplateField(e.field));
    return {
      ready: {
        type: READY,
        status: 'False',
        reason: templateOnly ? AlertConfigReasons.InvalidTemplate : AlertConfigReasons.InvalidSpec,
        message: `${formatErrors(errors)}. Alerts through this AlertConfig are not sent until it is fixed.`,
      },
      channels,
    };
  }
  const all = [...failures.values()].flat();
  if (all.length > 0) {
    const unresolved = channels.filter((c) => !c.resolved).map((c) => c.type);
    return {
      ready: {
        type: READY,
        status: 'False',
        reason: all[0]!.reason,
        message: `${unresolved.length} of ${configured.length} channels cannot be used (${unresolved.join(', ')}): ${all.map((f) => f.message).join('; ')}`,
      },
      channels,
    };
  }
  return {
    ready: {
      type: READY,
      status: 'True',
      reason: AlertConfigReasons.Resolved,
      message: `Every channel resolved: ${configured.join(', ')}.`,
    },
    channels,
  };
}

export interface AlertConfigOwnedStatus extends OwnedStatus {
  channels: ChannelStatus[];
}

/** The whole AlertConfig status (the operator owns all of it), or undefined when nothing changed. */
export function alertConfigStatusUpdate(
  ac: AlertConfig,
  readiness: AlertConfigReadiness,
  now: Date,
): AlertConfigOwnedStatus | undefined {
  const generation = ac.metadata.generation;
  const current = findCondition(ac.status?.conditions, READY);
  const next = setCondition(current, readiness.ready, generation, now);
  if (
    sameCondition(current, next) &&
    ac.status?.observedGeneration === generation &&
    isDeepStrictEqual(ac.status?.channels ?? [], readiness.channels)
  ) {
    return undefined;
  }
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: [next],
    channels: readiness.channels,
  };
}
