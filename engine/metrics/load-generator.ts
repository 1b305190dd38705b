/**
 * A bounded HTTP load generator, so a user can watch a scale policy react (the offline
 * example's "generate load"). Deliberately narrow: GET requests to a loopback address only
 * (it must never become a way to send traffic elsewhere), at most 500 requests/s for at
 * most 600 s, at most 64 requests in flight (a slow target gets fewer requests, not an
 * unbounded pile of sockets).
 */

export const LOAD_LIMITS = { maxRps: 500, maxSeconds: 600, maxInFlight: 64, requestTimeoutMs: 5000 } as const;

export interface LoadStats {
  sent: number;
  ok: number;
  failed: number;
}

export interface LoadRun {
  readonly url: string;
  readonly stats: LoadStats;
  /** Settles when the run has ended (time up or stopped). */
  readonly done: Promise<LoadStats>;
  stop(): void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Throws a RangeError unless `url` is http(s) on a loopback host. */
export function checkLoopbackUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`"${url}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`load goes to http(s) URLs only, not ${u.protocol}`);
  if (!LOOPBACK.has(u.hostname)) throw new RangeError(`load goes to this machine only (127.0.0.1), not ${u.hostname}`);
  return u;
}

/** Starts sending `rps` GET requests per second to `url` for `seconds`. */
export function startLoad(url: string, rps: number, seconds: number): LoadRun {
  checkLoopbackUrl(url);
  if (!(rps >= 0 && rps <= LOAD_LIMITS.maxRps)) throw new RangeError(`rps must be between 0 and ${LOAD_LIMITS.maxRps}`);
  if (!(seconds >= 0 && seconds <= LOAD_LIMITS.maxSeconds)) throw new RangeError(`seconds must be between 0 and ${LOAD_LIMITS.maxSeconds}`);
  const stats: LoadStats = { sent: 0, ok: 0, failed: 0 };
  const stopper = new AbortController();
  let inFlight = 0;
  let finish: (s: LoadStats) => void = () => undefined;
  const done = new Promise<LoadStats>((resolve) => (finish = resolve));
  const started = performance.now();
  const total = Math.round(rps * seconds);

  const fire = (): void => {
    if (inFlight >= LOAD_LIMITS.maxInFlight) {
      stats.failed++;
      return;
    }
    inFlight++;
    stats.sent++;
    fetch(url, { signal: AbortSignal.any([stopper.signal, AbortSignal.timeout(LOAD_LIMITS.requestTimeoutMs)]) })
      .then(async (r) => {
        await r.arrayBuffer();
        if (r.ok) stats.ok++;
        else stats.failed++;
      })
      .catch(() => stats.failed++)
      .finally(() => inFlight--);
  };

  // Ticks every 20 ms and sends what the schedule says is due: smooth, and exact on average.
  let scheduled = 0;
  const timer = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    const due = Math.min(total, Math.floor(elapsed * rps));
    while (scheduled < due) {
      scheduled++;
      fire();
    }
    if (elapsed >= seconds || scheduled >= total) end(false);
  }, 20);

  let ended = false;
  const end = (abortInFlight: boolean): void => {
    if (abortInFlight) stopper.abort();
    if (ended) return;
    ended = true;
    clearInterval(timer);
    // When the time is up, requests in flight finish (bounded by the request timeout).
    const settle = (): void => {
      if (inFlight === 0) finish({ ...stats });
      else setTimeout(settle, 20);
    };
    settle();
  };
  if (total === 0) end(false);
  return { url, stats, done, stop: () => end(true) };
}
