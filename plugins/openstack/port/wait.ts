/**
 * Polling with back-off until a resource reaches a state (or is gone), reporting progress.
 */

export interface PollOptions<T> {
  /** Reads the current state; undefined means "gone" (404). */
  read: () => Promise<T | undefined>;
  /** True when the wait is over (success). */
  done: (value: T | undefined) => boolean;
  /** Throws (or returns a message) when the state is a failure that waiting cannot fix. */
  failed?: (value: T | undefined) => string | undefined;
  /** Called after each read that is not final, e.g. to log "server BUILD (4 s)". */
  progress?: (value: T | undefined, elapsedMs: number) => void;
  signal?: AbortSignal;
  /** @default 600000 (10 minutes) */
  timeoutMs?: number;
  /** @default 500 */
  initialDelayMs?: number;
  /** @default 5000 */
  maxDelayMs?: number;
  /** What is waited for, for the timeout message. */
  what: string;
}

/** Thrown when the state was not reached in time (recoverable: a retry polls again). */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** Thrown when the resource reached a failure state (e.g. a server in ERROR). */
export class WaitFailedError extends Error {
  override readonly name = 'WaitFailedError';
}

export async function pollUntil<T>(o: PollOptions<T>): Promise<T | undefined> {
  const start = Date.now();
  let delay = o.initialDelayMs ?? 500;
  const max = o.maxDelayMs ?? 5000;
  const timeout = o.timeoutMs ?? 600_000;
  for (;;) {
    const value = await o.read();
    if (o.done(value)) return value;
    const failure = o.failed?.(value);
    if (failure) throw new WaitFailedError(failure);
    const elapsed = Date.now() - start;
    if (elapsed > timeout) throw new WaitTimeoutError(`${o.what}: not reached after ${Math.round(elapsed / 1000)}s`);
    o.progress?.(value, elapsed);
    await sleep(delay, o.signal);
    delay = Math.min(max, Math.round(delay * 1.6));
  }
}

/** setTimeout as a promise that rejects with an AbortError when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = (): void => {
      clearTimeout(timer);
      const e = new Error('aborted');
      e.name = 'AbortError';
      reject(e);
    };
    if (signal?.aborted) return abort();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
