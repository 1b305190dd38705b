/**
 * When to restart a dead engine: at once the first time, then with growing delays, and
 * not at all after too many deaths in a short time (a crash loop helps nobody: the window
 * shows the engine as crashed and the user can restart it from there).
 */
export interface RestartPolicyOptions {
  /** @default 500 */
  baseDelayMs?: number;
  /** @default 10000 */
  maxDelayMs?: number;
  /** Give up after this many deaths within `windowMs`. @default 5 */
  maxDeaths?: number;
  /** @default 60000 */
  windowMs?: number;
}

export class RestartPolicy {
  private deaths: number[] = [];

  constructor(private readonly options: RestartPolicyOptions = {}) {}

  /** Records a death at `now`; returns the delay before restarting, or null to give up. */
  onDeath(now: number): number | null {
    const windowMs = this.options.windowMs ?? 60_000;
    this.deaths = this.deaths.filter((t) => now - t < windowMs);
    this.deaths.push(now);
    if (this.deaths.length > (this.options.maxDeaths ?? 5)) return null;
    if (this.deaths.length === 1) return 0;
    const base = this.options.baseDelayMs ?? 500;
    return Math.min(base * 2 ** (this.deaths.length - 2), this.options.maxDelayMs ?? 10_000);
  }

  /** The user asked for a restart: forget the history. */
  reset(): void {
    this.deaths = [];
  }
}

/**
 * The executions a dead engine interrupted, to offer for resume: the restarted EngineHost
 * marks each as failed with an error starting `interrupted:` (engine/host/engine-host.ts,
 * recover) when it starts; only those ended since the death count, older ones were offered
 * before.
 */
export function findInterrupted<E extends { status: string; error?: string; endedAt?: string }>(
  executions: readonly E[],
  diedAt: string,
): E[] {
  return executions.filter(
    (e) => e.status === 'failed' && !!e.error?.startsWith('interrupted:') && !!e.endedAt && e.endedAt >= diedAt,
  );
}
