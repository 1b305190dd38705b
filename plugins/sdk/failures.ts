/**
 * The failure taxonomy that crosses every boundary (plugin -> runtime -> store -> UI), after
 * temporalio's `failure.ts`: a plugin throws one of these, the runtime decides on retries
 * from them, and `toFailure` turns anything else that was thrown into one.
 */

/** Base class: an operation failed. `nonRetryable` stops retries; `retryAfter` (seconds)
 * overrides the operation's retry_interval for the next attempt. */
export class OperationFailure extends Error {
  override readonly name: string = 'OperationFailure';
  readonly nonRetryable: boolean;
  readonly retryAfter: number | undefined;
  override readonly cause: unknown;
  constructor(
    message: string,
    options: { nonRetryable?: boolean; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message);
    this.nonRetryable = options.nonRetryable ?? false;
    this.retryAfter = options.retryAfter;
    this.cause = options.cause;
  }
}

/** Cloudify's RecoverableError: try again (after `retryAfter` seconds if given). */
export class RecoverableError extends OperationFailure {
  override readonly name: string = 'RecoverableError';
  constructor(message: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    super(message, { ...options, nonRetryable: false });
  }
}

/** Cloudify's NonRecoverableError: retrying cannot help; the task fails now. */
export class NonRecoverableError extends OperationFailure {
  override readonly name: string = 'NonRecoverableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, nonRetryable: true });
  }
}

/** The operation was cancelled (its AbortSignal fired). Never retried. */
export class CancelledFailure extends OperationFailure {
  override readonly name: string = 'CancelledFailure';
  constructor(message = 'cancelled', options: { cause?: unknown } = {}) {
    super(message, { ...options, nonRetryable: true });
  }
}

/** The operation exceeded its timeout. Retried like a recoverable error. */
export class TimeoutFailure extends OperationFailure {
  override readonly name: string = 'TimeoutFailure';
  readonly timeoutSeconds: number;
  constructor(timeoutSeconds: number, options: { cause?: unknown } = {}) {
    super(`timed out after ${timeoutSeconds}s`, { ...options, nonRetryable: false });
    this.timeoutSeconds = timeoutSeconds;
  }
}

/** Serialisable form of a failure, as stored in tasks and events. */
export interface FailureInfo {
  name: string;
  message: string;
  nonRetryable: boolean;
  retryAfter?: number;
  stack?: string;
  cause?: FailureInfo;
}

/**
 * Turns any thrown value into an OperationFailure. Unknown errors are treated as
 * recoverable, as Cloudify does for plain exceptions.
 */
export function toFailure(thrown: unknown): OperationFailure {
  if (thrown instanceof OperationFailure) return thrown;
  if (thrown instanceof Error) {
    if (thrown.name === 'AbortError') return new CancelledFailure(thrown.message, { cause: thrown });
    const failure = new OperationFailure(thrown.message, { cause: thrown });
    if (thrown.stack) failure.stack = thrown.stack;
    return failure;
  }
  return new OperationFailure(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}

export function failureInfo(failure: OperationFailure): FailureInfo {
  const info: FailureInfo = {
    name: failure.name,
    message: failure.message,
    nonRetryable: failure.nonRetryable,
  };
  if (failure.retryAfter !== undefined) info.retryAfter = failure.retryAfter;
  if (failure.stack) info.stack = failure.stack;
  if (failure.cause instanceof Error) info.cause = failureInfo(toFailure(failure.cause));
  return info;
}
