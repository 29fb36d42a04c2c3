// A separate program for the Azure tests: the registry client used as the controller uses it, in a
// process started with NODE_EXTRA_CA_CERTS (the Entra ID library speaks only HTTPS, and Node reads extra
// CAs at start-up only). Steps come as JSON in argv[2]; results go to stdout as JSON, logs (debug) to stderr.
//
//   node --import tsx test/integration/registry/cloud-client.ts '[{"ref":"h/r","cloudAuth":"azure"},{"sleepMs":3000}]'
import { destination, pino } from 'pino';
import { RegistryClient, type CloudAuthMode } from '../../../controller/registry/index.js';

type Step = { ref: string; cloudAuth?: CloudAuthMode; times?: number } | { sleepMs: number };

const steps = JSON.parse(process.argv[2] ?? '[]') as Step[];
const logger = pino({ level: 'debug' }, destination(2));
const client = new RegistryClient({ logger, maxAttempts: 1, timeoutMs: 10_000 });
const results: unknown[] = [];
for (const step of steps) {
  if ('sleepMs' in step) {
    await new Promise((r) => setTimeout(r, step.sleepMs));
    continue;
  }
  const runs = Array.from({ length: step.times ?? 1 }, () =>
    client.listTags(step.ref, { cloudAuth: step.cloudAuth }, { fresh: true }).then(
      (tags) => ({ tags: [...tags].sort() }),
      (err: Error) => ({ error: { name: err.name, message: err.message } }),
    ),
  );
  results.push(...(await Promise.all(runs)));
}
await client.close();
process.stdout.write(`${JSON.stringify(results)}\n`);
