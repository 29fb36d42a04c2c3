// The open-loop admission load of bench/operator.ts, run in a worker thread: the bench's main thread
// holds the 10,000 fixtures, the Kubernetes client and the status writes of phase 4, and a major GC of
// that heap (143 ms measured in a 1,000-Image run) stopped the load generator, whose requests are
// stamped from their scheduled send time, so the harness's pause was counted as the operator's latency.
// A worker has its own heap, GC and event loop, and keeps its connections (and TLS sessions) from one
// run to the next. Started by loadWorker(); not a bench of its own.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { insecureAgent, openLoop, podReview, type PodShape } from './admission-load.js';
import { benchLoop } from './event-loop.js';

export interface LoadTarget {
  name: string;
  port: number;
  shapes: PodShape[];
  expectPatch: boolean;
}

export interface LoadResult {
  latencies: number[];
  achieved: number;
  errors: number;
  firstError?: string;
  slowBySecond: number[];
  /** The worker's own event-loop delay and GC pauses during the run (benchLoop). */
  ownLoop: string;
}

/** A worker thread that sends `rate` req/s for `seconds` to `target` per run(); close() ends it. */
export function loadWorker(target: LoadTarget): {
  run(rate: number, seconds: number): Promise<LoadResult>;
  close(): Promise<void>;
} {
  const worker = new Worker(new URL(import.meta.url), { workerData: target });
  let failed: Error | undefined;
  worker.on('error', (err) => (failed = err));
  return {
    run: (rate, seconds) =>
      new Promise((resolve, reject) => {
        if (failed) return reject(failed);
        const onError = (err: Error) => reject(err);
        worker.once('error', onError);
        worker.once('message', (r: LoadResult) => {
          worker.off('error', onError);
          resolve(r);
        });
        worker.postMessage({ rate, seconds });
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

if (parentPort && (workerData as LoadTarget | undefined)?.shapes) {
  const target = workerData as LoadTarget;
  const port = parentPort;
  const agent = insecureAgent();
  let uid = 0;
  port.on('message', ({ rate, seconds }: { rate: number; seconds: number }) => {
    const latencies: number[] = [];
    const own = benchLoop();
    void openLoop({ ...target, agent }, rate, seconds, latencies, () =>
      podReview(`u-${uid}`, target.shapes[uid++ % target.shapes.length]!),
    ).then((open) => port.postMessage({ latencies, ...open, ownLoop: own.stop() } satisfies LoadResult));
  });
}
