// The Tagpilot API (tagpilot.dev/v1alpha1) for every program: types, constants and validators.
// Controller, operator, webhook and CLI import from here only; everything is derived from
// crds/image.schema.ts and crds/alertconfig.schema.ts.
import { alertConfigKind } from './alertconfig.schema.js';
import { imageKind } from './image.schema.js';
import type { V1ListMeta } from '@kubernetes/client-node';
import type { AlertConfig, Image } from './types.gen.js';
import { API_GROUP, API_GROUP_VERSION, API_VERSION, type KindSource } from './schema/kind.js';
import { kindValidator, type ValidationResult } from './validate.js';

export type * from './types.gen.js';
export { formatErrors, type FieldError, type ValidationResult } from './validate.js';
export { API_GROUP, API_VERSION, API_GROUP_VERSION } from './schema/kind.js';
export { CONDITION_STATUSES } from './schema/shared.js';
export {
  MAX_MESSAGE,
  clipMessage,
  conditionTime,
  findCondition,
  sameCondition,
  setCondition,
  type DesiredCondition,
} from './conditions.js';
export {
  ACTION_TYPES,
  CLOUD_AUTH_MODES,
  IMAGE_CONDITION_TYPES,
  IMAGE_RESULTS,
  RULE_TYPES,
  RULES_REQUIRING_VALUE,
  RULES_USING_VALUE,
  SORT_ORDERS,
  TARGET_KINDS,
  TRIGGER_TYPES,
} from './image.schema.js';
export { ALERTCONFIG_CONDITION_TYPES, ALERT_EVENTS, CHANNEL_TYPES, TLS_MODES } from './alertconfig.schema.js';

/** What a list call returns (`GET …/images`). */
export interface ImageList {
  apiVersion: string;
  kind: 'ImageList';
  metadata?: V1ListMeta;
  items: Image[];
}

export interface AlertConfigList {
  apiVersion: string;
  kind: 'AlertConfigList';
  metadata?: V1ListMeta;
  items: AlertConfig[];
}

export type TriggerType = Image['spec']['triggers'][number]['type'];
export type RuleType = Image['spec']['rules'][number]['type'];
export type ActionType = Image['spec']['rules'][number]['actions'][number]['type'];
export type ImageResult = NonNullable<NonNullable<Image['status']>['result']>;
export type ChannelType = NonNullable<NonNullable<AlertConfig['status']>['channels']>[number]['type'];
export type TLSMode = NonNullable<NonNullable<AlertConfig['spec']['email']>['tlsMode']>;

/** What a client needs to address a kind through the Kubernetes API. */
export interface KindInfo {
  group: string;
  version: string;
  apiVersion: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
}

function info(k: KindSource): KindInfo {
  return {
    group: API_GROUP,
    version: API_VERSION,
    apiVersion: API_GROUP_VERSION,
    kind: k.kind,
    plural: k.plural,
    singular: k.singular,
    shortNames: k.shortNames,
  };
}

export const IMAGE: KindInfo = info(imageKind);
export const ALERT_CONFIG: KindInfo = info(alertConfigKind);

/** Annotation that asks the controller to evaluate an Image once (it removes it afterwards). */
export const REFRESH_ANNOTATION = 'tagpilot.dev/refresh';

const imageValidator = kindValidator(imageKind);
const alertConfigValidator = kindValidator(alertConfigKind);

/**
 * Checks an Image the way the apiserver does on create (defaults, schema, unknown fields, CEL rules).
 * Errors name the field: `{ field: 'spec.rules[0].value', message: 'Required value: …' }`.
 */
export function validateImage(obj: unknown): ValidationResult {
  return imageValidator.validate(obj);
}

export function validateAlertConfig(obj: unknown): ValidationResult {
  return alertConfigValidator.validate(obj);
}

/** A copy with the schema defaults filled in (what the apiserver stores), e.g. for a YAML file read by the CLI. */
export function imageWithDefaults(obj: Image): Image {
  return imageValidator.withDefaults(obj);
}

export function alertConfigWithDefaults(obj: AlertConfig): AlertConfig {
  return alertConfigValidator.withDefaults(obj);
}
