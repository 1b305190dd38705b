/**
 * The recording test plugin: every operation records who called it, when it started and
 * ended and how it ended, so runtime tests can check call order, parallelism, retries,
 * timeouts and cancellation against real plugin calls.
 *
 * Behaviour per call comes from (first match wins):
 *  1. rules given to `createRecordingPlugin` / added with `behave()`, matched on instance id,
 *     node, operation (full or short name) and relationship side;
 *  2. the operation inputs: `sleep_ms`, `fail_times`, `fail_with` (`recoverable` |
 *     `nonrecoverable` | `error`), `retry_after` (seconds), `hang` (until aborted),
 *     `set_runtime` (a mapping merged into the runtime properties of the instance running it).
 *
 * Every handler name resolves to the same recording handler (`record` is the usual one:
 * blueprints say `implementation: recording.record`).
 *
 * With `journalFile` each start and end is also appended (synchronously) to a JSON-lines
 * file, so a test that kills the engine process can still see which calls happened.
 */
import { appendFileSync } from 'node:fs';
import type { Value } from '../../engine/dsl/plan-model';
import type { OperationContext, OperationHandler, PluginDefinition } from '../../plugins/sdk';
import { CancelledFailure, definePlugin, NonRecoverableError, RecoverableError } from '../../plugins/sdk';

export interface RecordedCall {
  /** Order of the call's start among all calls of this plugin. */
  seq: number;
  taskId: string;
  executionId: string;
  /** Full operation name. */
  operation: string;
  node: string;
  /** The instance the operation runs on (for a relationship op: the side that runs). */
  instanceId: string;
  relationship?: { side: 'source' | 'target'; sourceId: string; targetId: string };
  attempt: number;
  inputs: Record<string, Value>;
  /** performance.now() at start/end (monotonic, ms). */
  startedAt: number;
  endedAt?: number;
  outcome: 'running' | 'ok' | 'failed' | 'cancelled';
  error?: string;
}

export interface RecordingBehaviour {
  sleepMs?: number;
  /** Fail this many times (per instance+operation+side) before succeeding. */
  failTimes?: number;
  failWith?: 'recoverable' | 'nonrecoverable' | 'error';
  retryAfter?: number;
  /** Never finish by itself: wait for the abort signal. */
  hang?: boolean;
  setRuntime?: Record<string, Value>;
}

export interface RecordingRule extends RecordingBehaviour {
  instanceId?: string;
  node?: string;
  /** Full name or the last segment (`create`). */
  operation?: string;
  side?: 'source' | 'target';
}

export interface RecordingPlugin {
  plugin: PluginDefinition;
  calls: RecordedCall[];
  /** Adds a rule (checked before earlier ones). */
  behave(rule: RecordingRule): void;
  /** Short labels of finished-ok calls in start order: `web_1.create`, `app_1->db_1.establish.source`. */
  labels(): string[];
  reset(): void;
}

function callLabel(call: RecordedCall): string {
  const short = call.operation.split('.').pop() ?? call.operation;
  return call.relationship
    ? `${call.relationship.sourceId}->${call.relationship.targetId}.${short}.${call.relationship.side}`
    : `${call.instanceId}.${short}`;
}

function fromInputs(inputs: Record<string, Value>): RecordingBehaviour {
  const out: RecordingBehaviour = {};
  const num = (v: Value | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : undefined);
  const sleep = num(inputs.sleep_ms);
  if (sleep !== undefined) out.sleepMs = sleep;
  const failTimes = num(inputs.fail_times);
  if (failTimes !== undefined) out.failTimes = failTimes;
  const failWith = inputs.fail_with;
  if (failWith === 'recoverable' || failWith === 'nonrecoverable' || failWith === 'error') out.failWith = failWith;
  const retryAfter = num(inputs.retry_after);
  if (retryAfter !== undefined) out.retryAfter = retryAfter;
  if (inputs.hang === true || inputs.hang === 'true') out.hang = true;
  const set = inputs.set_runtime;
  if (set && typeof set === 'object' && !Array.isArray(set)) out.setRuntime = set;
  return out;
}

function matches(rule: RecordingRule, ctx: OperationContext): boolean {
  if (rule.operation !== undefined && rule.operation !== ctx.operation.name && !ctx.operation.name.endsWith(`.${rule.operation}`)) return false;
  if (rule.side !== undefined && rule.side !== ctx.relationship?.side) return false;
  if (rule.instanceId !== undefined && rule.instanceId !== ctx.instance.id) return false;
  if (rule.node !== undefined && rule.node !== ctx.node.name) return false;
  return true;
}

function waitFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledFailure('aborted before sleeping'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CancelledFailure('aborted while sleeping'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Creates a fresh recording plugin (own call list and failure counters). */
export function createRecordingPlugin(options: { name?: string; rules?: RecordingRule[]; journalFile?: string; concurrency?: number } = {}): RecordingPlugin {
  const calls: RecordedCall[] = [];
  let rules = [...(options.rules ?? [])];
  const failures = new Map<string, number>();
  let seq = 0;
  const journal = (entry: Record<string, unknown>): void => {
    if (options.journalFile) appendFileSync(options.journalFile, `${JSON.stringify(entry)}\n`);
  };

  const handler: OperationHandler = async (ctx) => {
    const rel = ctx.relationship;
    const call: RecordedCall = {
      seq: seq++,
      taskId: ctx.taskId,
      executionId: ctx.executionId,
      operation: ctx.operation.name,
      node: ctx.node.name,
      instanceId: ctx.instance.id,
      ...(rel ? { relationship: { side: rel.side, sourceId: rel.source.instance.id, targetId: rel.target.instance.id } } : {}),
      attempt: ctx.operation.retryNumber,
      inputs: ctx.inputs,
      startedAt: performance.now(),
      outcome: 'running',
    };
    calls.push(call);
    journal({ event: 'start', seq: call.seq, taskId: call.taskId, label: callLabel(call), attempt: call.attempt });
    const behaviour = { ...fromInputs(ctx.inputs), ...(rules.find((r) => matches(r, ctx)) ?? {}) };
    const finish = (outcome: RecordedCall['outcome'], error?: string): void => {
      call.endedAt = performance.now();
      call.outcome = outcome;
      if (error !== undefined) call.error = error;
      journal({ event: 'end', seq: call.seq, taskId: call.taskId, label: callLabel(call), outcome });
    };
    try {
      if (behaviour.sleepMs) await waitFor(behaviour.sleepMs, ctx.signal);
      if (behaviour.hang) await waitFor(2 ** 31 - 1, ctx.signal);
      const key = `${ctx.instance.id}|${ctx.operation.name}|${rel?.side ?? ''}|${rel?.target.instance.id ?? ''}`;
      const failed = failures.get(key) ?? 0;
      if (failed < (behaviour.failTimes ?? 0)) {
        failures.set(key, failed + 1);
        const message = `recording plugin: planned failure ${failed + 1} of ${behaviour.failTimes} for ${callLabel(call)}`;
        if (behaviour.failWith === 'nonrecoverable') throw new NonRecoverableError(message);
        if (behaviour.failWith === 'error') throw new Error(message);
        throw new RecoverableError(message, behaviour.retryAfter !== undefined ? { retryAfter: behaviour.retryAfter } : {});
      }
      if (behaviour.setRuntime) Object.assign(ctx.instance.runtimeProperties, behaviour.setRuntime);
      finish('ok');
      return { label: callLabel(call) };
    } catch (error) {
      finish(error instanceof CancelledFailure ? 'cancelled' : 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
  };

  const names = ['record', 'noop', 'create', 'configure', 'start', 'stop', 'delete', 'relationship'];
  const plugin = definePlugin({
    name: options.name ?? 'recording',
    description: 'Test plugin that records every operation call (test/support/recording-plugin.ts).',
    operations: Object.fromEntries(names.map((n) => [n, handler])),
    typeLibraries: [],
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });

  return {
    plugin,
    calls,
    behave(rule) {
      rules = [rule, ...rules];
    },
    labels: () => calls.filter((c) => c.outcome === 'ok').map(callLabel),
    reset() {
      calls.length = 0;
      failures.clear();
      seq = 0;
    },
  };
}

/** Reads a journal file written with `journalFile`. */
export function readRecordingJournal(text: string): { event: 'start' | 'end'; seq: number; taskId: string; label: string; attempt?: number; outcome?: string }[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { event: 'start' | 'end'; seq: number; taskId: string; label: string; attempt?: number; outcome?: string });
}
