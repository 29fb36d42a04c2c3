import type { TestProject } from 'vitest/node';
import { startEnvironment, type Environment } from './environment.js';

/**
 * vitest globalSetup for the integration and e2e projects. When both projects run in one vitest process
 * they share a single environment: the first caller starts it, the last teardown stops it. Teardown runs
 * even when tests fail; a SIGKILLed run is cleaned up by the next one (procs.ts).
 */
const shared = globalThis as typeof globalThis & {
  __tagpilotEnv?: { env: Promise<Environment>; users: number };
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!shared.__tagpilotEnv) {
    shared.__tagpilotEnv = {
      env: startEnvironment({ keepData: process.env.TAGPILOT_KEEP_TESTENV === '1' }),
      users: 0,
    };
  }
  const holder = shared.__tagpilotEnv;
  holder.users++;
  const env = await holder.env;
  project.provide('testenv', env.info);
  return async () => {
    holder.users--;
    if (holder.users === 0) {
      shared.__tagpilotEnv = undefined;
      await env.stop();
    }
  };
}
