// Public surface of the admission webhooks; the operator and the bench import from here only.
export * from './admission.js';
export { createAdmissionHandler, warmUpValidators, MUTATE_PATH, VALIDATE_PATH } from './handler.js';
export type { AdmissionHandlerOptions } from './handler.js';
export { ImageIndex, type PinSource } from './image-index.js';
export { pinPatch, planPins, kindKey, POD_SPEC_PATHS, type PinResult } from './mutate.js';
export { namespacePins, tracksDigest, type NamespacePins, type Pin } from './pins.js';
