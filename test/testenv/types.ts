import type {} from 'vitest';

/** What the shared test environment provides to integration and e2e suites (vitest `inject('testenv')`). */
export interface TestEnvInfo {
  /** Admin kubeconfig (group system:masters). Use `serviceAccountKubeConfig` to act as a ServiceAccount. */
  kubeconfig: string;
  apiServerURL: string;
  /** Bearer token of the admin user, for raw HTTP calls to the apiserver. */
  adminToken: string;
  /** Name of the kwok-managed node that Pods are scheduled on. */
  nodeName: string;
  registries: Record<RegistryMode, RegistryInfo>;
  /** Receives the registries' push notifications; see notifications.ts. */
  notifications: { url: string };
  /** Acts on the environment from a test: `POST ${url}/restart-apiserver`; see control.ts. */
  control: { url: string };
  /** Directory for logs of every process of the environment. */
  logDir: string;
}

export type RegistryMode = 'anonymous' | 'basic' | 'token';

export interface RegistryInfo {
  mode: RegistryMode;
  /** host:port on 127.0.0.1; the registry talks plain HTTP. */
  host: string;
  username?: string;
  password?: string;
  /** For `token` mode: the token realm served by the test library. */
  realm?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testenv: TestEnvInfo;
  }
}
