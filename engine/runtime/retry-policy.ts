/**
 * How an operation is retried and timed out. The plan operation's `max_retries`,
 * `retry_interval` and `timeout` win; the host's defaults fill the gaps; the defaults
 * below (Cloudify's, because real blueprints' plugins poll by raising RecoverableError and
 * count on them) fill the rest.
 */
import type { PlanOperation } from '../dsl/plan-model';

export interface RetryPolicy {
  /**
   * Retries after the first attempt; -1 retries forever (Cloudify semantics).
   * @default 60
   */
  maxRetries: number;
  /**
   * Seconds between attempts, unless the failure carries `retryAfter`.
   * @default 15
   */
  retryInterval: number;
  /**
   * Seconds one attempt may take before it is aborted and counted as a TimeoutFailure
   * (retried like a recoverable error); undefined means no timeout.
   * @default undefined
   */
  timeout?: number;
}

export const defaultRetryPolicy: Readonly<RetryPolicy> = { maxRetries: 60, retryInterval: 15 };

/** Checks a policy up front, with a message that names the field and the operation. */
export function checkRetryPolicy(policy: RetryPolicy, where: string): string | undefined {
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < -1)
    return `${where}: max_retries must be an integer >= -1 (got ${policy.maxRetries})`;
  if (!Number.isFinite(policy.retryInterval) || policy.retryInterval < 0)
    return `${where}: retry_interval must be a number of seconds >= 0 (got ${policy.retryInterval})`;
  if (policy.timeout !== undefined && (!Number.isFinite(policy.timeout) || policy.timeout <= 0))
    return `${where}: timeout must be a number of seconds > 0 (got ${policy.timeout})`;
  return undefined;
}

/** The effective policy of one operation. */
export function resolveRetryPolicy(op: Pick<PlanOperation, 'maxRetries' | 'retryInterval' | 'timeout'>, defaults: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy: RetryPolicy = {
    maxRetries: op.maxRetries ?? defaults.maxRetries ?? defaultRetryPolicy.maxRetries,
    retryInterval: op.retryInterval ?? defaults.retryInterval ?? defaultRetryPolicy.retryInterval,
  };
  const timeout = op.timeout ?? defaults.timeout;
  // Cloudify writes "no timeout" as 0 or a negative number.
  if (timeout !== undefined && timeout > 0) policy.timeout = timeout;
  return policy;
}
