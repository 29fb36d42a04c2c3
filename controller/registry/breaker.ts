// Per-host circuit breaker. A host that let a request time out is not asked again for a cool-down: its
// requests fail at once with the reason, instead of each holding an evaluation slot for the whole
// timeout. After the cool-down one request tries (the others still fail at once); any answer closes the
// breaker, another timeout opens it again. Only timeouts open it: refused connections and error answers
// are fast and cost nobody else anything.

interface Open {
  until: number;
  /** A request is trying the host after the cool-down. */
  trial: boolean;
}

export type Admission = 'closed' | 'trial' | 'refused';

export class HostBreakers {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly cooldownMs: number,
    private readonly now: () => number,
    private readonly onChange: (host: string, open: boolean) => void = () => {},
  ) {}

  /** Whether a request to `host` may go now; `trial` is the one request that tries after a cool-down. */
  admit(host: string): Admission {
    const state = this.open.get(host);
    if (!state) return 'closed';
    if (state.trial || this.now() < state.until) return 'refused';
    state.trial = true;
    return 'trial';
  }

  /** The host answered (any status, or a fast failure such as a refused connection). */
  answered(host: string): void {
    if (this.open.delete(host)) this.onChange(host, false);
  }

  /** A request to the host timed out: refuse the next ones for the cool-down. */
  timedOut(host: string): void {
    const was = this.open.has(host);
    this.open.set(host, { until: this.now() + this.cooldownMs, trial: false });
    if (!was) this.onChange(host, true);
  }

  /** A trial that ended without telling anything (e.g. it was refused a permit): let another try. */
  release(host: string): void {
    const state = this.open.get(host);
    if (state) state.trial = false;
  }

  get cooldownSeconds(): number {
    return this.cooldownMs / 1000;
  }
}
