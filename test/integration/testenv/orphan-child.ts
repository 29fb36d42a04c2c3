// Child for orphans.test.ts: starts a real registry, prints its pid, then waits to be SIGKILLed.
import { createStateDir } from '../../testenv/procs.js';
import { startRegistry } from '../../testenv/registry.js';

const stateDir = createStateDir('orphan-test');
const registry = await startRegistry({
  stateDir,
  dataDir: `${stateDir}/data`,
  logDir: `${stateDir}/logs`,
  mode: 'anonymous',
});
console.log(JSON.stringify({ pid: registry.process.pid, stateDir }));
setInterval(() => undefined, 1 << 30);
