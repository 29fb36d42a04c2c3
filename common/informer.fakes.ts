// Test double for @kubernetes/client-node's Watch inside an Informer (informer.test.ts, the controller's
// cache index tests, bench/workload-index.ts): records each watch and lets the caller send its events,
// so a real Informer runs without an apiserver. Excluded from the build (tsconfig.build.json).
import type { Informer, KubeObject } from './informer.js';

export class FakeWatch {
  calls: {
    params: Record<string, unknown>;
    send: (phase: string, o: unknown) => void;
    end: (err?: unknown) => void;
    abort: AbortController;
  }[] = [];
  watch(
    _path: string,
    params: Record<string, unknown>,
    cb: (phase: string, o: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const abort = new AbortController();
    this.calls.push({ params, send: cb, end: (err) => done(err ?? null), abort });
    return Promise.resolve(abort);
  }
}

/** Puts a FakeWatch in place of `informer`'s Watch (before start()) and returns it. */
export function fakeWatch<T extends KubeObject>(informer: Informer<T>): FakeWatch {
  const fake = new FakeWatch();
  (informer as unknown as { watch: FakeWatch }).watch = fake;
  return fake;
}
