// Public surface of the registry client; the controller and the CLI import from here only.
export type { RegistryAccess } from './access.js';
export { RegistryClient } from './client.js';
export * from './credentials.js';
export * from './errors.js';
export * from './reference.js';
