// Public surface of the alerts module (DESIGN §3 AlertConfig, §6 alert action). The operator uses the
// validation/readiness part, the controller the delivery part, the CLI both. See docs/alerts.md.

// Validation and status (webhook, operator)
export { validateAlertConfigSpec, RESERVED_WEBHOOK_HEADERS } from './validate.js';
export { checkAlertConfig, readiness, type AlertConfigReadiness, type ReadyCondition } from './status.js';

// Resolving {value | valueFrom}
export {
  resolveChannels,
  configuredChannels,
  type Resolution,
  type ResolvedChannel,
  type ChannelFailure,
} from './resolve.js';
export {
  kubeValueReader,
  noClusterReader,
  ValueReadError,
  type ValueReader,
  type ValueRef,
} from './values.js';

// Templates
export { TEMPLATE_VARIABLES, parseTemplate, type TemplateVariable } from './template.js';
export {
  AVAILABLE_TAGS_LIMIT,
  DEFAULT_BODY,
  DEFAULT_SUBJECT,
  sampleNotification,
  type Notification,
} from './notification.js';

// Delivery
export { deliverAlert, DEFAULT_TIMEOUT_MS, type ChannelOutcome, type DeliveryDeps } from './deliver.js';
export { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from './retry.js';
export { SIGNATURE_HEADER, DELIVERY_HEADER, EVENT_HEADER, signBody } from './webhook.js';

// Exactly-once-ish: dedupe record on the Image, the alert action, Events
export {
  ALERT_STATE_ANNOTATION,
  updateKey,
  decide,
  parseAlertState,
  type AlertState,
  type Decision,
} from './dedupe.js';
export {
  sendAlertOnce,
  StateConflict,
  type AlertOnceResult,
  type AlertOnceOptions,
  type AlertStateStore,
} from './once.js';
export { imageAlertStateStore } from './kube-store.js';
export { EVENT_REASONS, outcomeEvents, skipEvent, imageEvent, type EventSpec } from './events.js';
