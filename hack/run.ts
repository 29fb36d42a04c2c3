// `make run`: an embedded local cluster + registry (with --embedded), kept running until Ctrl-C.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEnvironment } from '../test/testenv/environment.js';

const embedded = process.argv.includes('--embedded');
if (!embedded) {
  console.error(
    'A cluster is reachable through the current kubeconfig; the Tagpilot programs will run against it.',
  );
  console.error('Nothing else to start yet: the operator and controller land with their issues.');
  process.exit(0);
}

const env = await startEnvironment({ log: (m) => console.error(`[tagpilot] ${m}`) });
const home = resolve('.tagpilot');
mkdirSync(home, { recursive: true });
const kubeconfig = join(home, 'kubeconfig');
copyFileSync(env.info.kubeconfig, kubeconfig);
const { anonymous, basic, token } = env.info.registries;
console.log(
  [
    '',
    'Embedded cluster and registries are running.',
    `  export KUBECONFIG=${kubeconfig}`,
    `  registry (anonymous):      ${anonymous.host}`,
    `  registry (basic auth):     ${basic.host}  user ${basic.username}`,
    `  registry (token auth):     ${token.host}  user ${token.username}`,
    `  logs:                      ${env.info.logDir}`,
    'Press Ctrl-C to stop everything.',
    '',
  ].join('\n'),
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.error('[tagpilot] stopping the embedded environment...');
  await env.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
setInterval(() => undefined, 1 << 30);
