// A list+watch cache of one resource, on top of @kubernetes/client-node's ListWatch, adding what
// long-running programs need and the library leaves out: restart with backoff after errors (the
// library stops for good), a promise for the first successful list ("synced"), and a transform applied
// before anything is cached (e.g. dropping Secret values so only key names stay in memory).
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { errorMessage } from './errors.js';
import type { Logger } from './logger.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface InformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Watch path, e.g. `/apis/tagpilot.dev/v1alpha1/images` or `/api/v1/namespaces/NS/secrets`. */
  path: string;
  /** The matching list call (same path, same selectors). */
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  /** Applied to every object before it is cached or handed to handlers. */
  transform?: (obj: T) => T;
  log: Logger;
  /** For logs: what this informer watches. */
  name: string;
  /** Backoff bounds after a failed list or watch. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class Informer<T extends KubernetesObject> {
  private readonly lw: ListWatch<T>;
  private stopped = true;
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private resolveSynced!: () => void;
  private hasSynced = false;
  /** Resolves after the first successful list; handlers have seen every object by then. */
  readonly synced: Promise<void>;

  constructor(private readonly opts: InformerOptions<T>) {
    this.backoffMs = opts.minBackoffMs ?? 500;
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    const transform = opts.transform ?? ((o: T) => o);
    const watch = new Watch(opts.kubeConfig);
    // ListWatch only calls watch(); wrapping it is the one place every watched object passes through.
    const transformingWatch = {
      watch: (
        path: string,
        params: Record<string, string | number | boolean | undefined>,
        cb: (phase: string, obj: T, raw: unknown) => void,
        done: (err: unknown) => void,
      ) =>
        watch.watch(
          path,
          params,
          (phase, obj, raw) => cb(phase, OBJECT_PHASES.has(phase) ? transform(obj as T) : (obj as T), raw),
          done,
        ),
    } as unknown as Watch;
    const list = async () => {
      const result = await opts.list();
      result.items = result.items.map(transform);
      this.backoffMs = opts.minBackoffMs ?? 500;
      if (!this.hasSynced) {
        this.hasSynced = true;
        // ListWatch hands the listed items to the handlers in the microtasks after this returns;
        // a macrotask runs once they all have.
        setImmediate(() => this.resolveSynced());
      }
      return result;
    };
    this.lw = new ListWatch<T>(
      opts.path,
      transformingWatch,
      list,
      false,
      opts.labelSelector,
      opts.fieldSelector,
    );
    this.lw.on('error', (err: unknown) => this.retry(err));
  }

  get isSynced(): boolean {
    return this.hasSynced;
  }

  on(event: InformerEvent, cb: (obj: T) => void): void {
    this.lw.on(event, cb);
  }

  off(event: InformerEvent, cb: (obj: T) => void): void {
    this.lw.off(event, cb);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.lw.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.lw.list(namespace);
  }

  start(): Promise<void> {
    this.stopped = false;
    void this.lw.start();
    return this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.lw.stop();
  }

  private retry(err: unknown): void {
    if (this.stopped) return;
    const status =
      (err as { statusCode?: unknown; code?: unknown } | null)?.statusCode ??
      (err as { code?: unknown })?.code;
    this.opts.log.warn(
      { informer: this.opts.name, status, err: errorMessage(err), retryInMs: this.backoffMs },
      'list/watch failed; retrying',
    );
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) void this.lw.start();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 30_000);
  }
}

/** Watch event types that carry an object of the watched kind (ERROR carries a Status). */
const OBJECT_PHASES = new Set(['ADDED', 'MODIFIED', 'DELETED']);
