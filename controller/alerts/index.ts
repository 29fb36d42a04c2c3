// Public surface of the controller's alert delivery: resolving channel values, rendering, sending once,
// Events. Validation is domain/alerts/validate.ts (shared with admission and the operator); see
// docs/alerts.md.

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

// Templates (the language itself is domain/alerts/template.ts)
export {
  AVAILABLE_TAGS_LIMIT,
  DEFAULT_BODY,
  DEFAULT_SUBJECT,
  DEFAULT_TEMPLATES,
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
