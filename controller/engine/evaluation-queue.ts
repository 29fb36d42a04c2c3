// The leader's work: a keyed work queue of evaluations (one per Image at a time, `concurrency` overall,
// retries with backoff), started when this replica becomes leader and drained when it stops.
import type { Logger } from '../../common/logger.js';
import { WorkQueue } from '../../common/work-queue.js';
import { kubeMessage } from '../kube/errors.js';
import type { Evaluator, Trigger } from './evaluate.js';
import * as metrics from './metrics.js';

export interface EvaluationQueueOptions {
  evaluator: Pick<Evaluator, 'evaluate'>;
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long stop() waits for evaluations in flight. */
  shutdownTimeoutMs: number;
  /** The registry host of an Image key: Images of one host share `maxActivePerGroup` slots. */
  groupOf?: (key: string) => string | undefined;
  maxActivePerGroup?: number;
  log: Logger;
}

export class EvaluationQueue {
  private queue: WorkQueue<Trigger> | undefined;

  constructor(private readonly opts: EvaluationQueueOptions) {}

  get running(): boolean {
    return this.queue !== undefined;
  }

  start(): void {
    if (this.queue) return;
    const { evaluator, log } = this.opts;
    this.queue = new WorkQueue<Trigger>({
      concurrency: this.opts.concurrency,
      // Images of a registry that hangs must not hold every slot (docs/registries.md, "Isolation").
      groupOf: this.opts.groupOf,
      maxActivePerGroup: this.opts.maxActivePerGroup,
      retryReason: 'retry',
      retryBaseMs: this.opts.retryBaseMs,
      retryMaxMs: this.opts.retryMaxMs,
      process: (key, reasons, run) => evaluator.evaluate(key, reasons, () => run.leaveGroup()),
      onChange: (depth, active) => {
        metrics.queueDepth.set(depth);
        metrics.queueActive.set(active);
      },
      onError: (key, err) =>
        log.warn({ image: key, err: kubeMessage(err) }, 'evaluation failed; retrying with backoff'),
    });
    this.queue.start();
  }

  /** Finishes evaluations in flight (up to the shutdown timeout) and drops what is waiting. */
  async stop(): Promise<void> {
    const q = this.queue;
    this.queue = undefined;
    await q?.shutdown(this.opts.shutdownTimeoutMs);
    metrics.queueDepth.set(0);
    metrics.queueActive.set(0);
  }

  /** Queues an evaluation; a no-op while not running (not leading). */
  add(key: string, trigger: Trigger, delayMs = 0): void {
    if (!this.queue) return;
    metrics.triggers.inc({ trigger });
    this.queue.add(key, trigger, delayMs);
  }

  forget(key: string): void {
    this.queue?.forget(key);
  }

  async idle(): Promise<void> {
    await this.queue?.idle();
  }
}
