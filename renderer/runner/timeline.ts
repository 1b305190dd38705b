/**
 * Execution history helpers: durations and the Gantt-style layout of an execution's tasks
 * (one bar per task that ran, placed by its start and end relative to the execution).
 */
import type { ExecutionSummary, TaskSummary } from '../../engine/host/contract';

/** Milliseconds between two ISO times (to `now` while still running); undefined without a start. */
export function durationMs(
  startedAt: string | undefined,
  endedAt: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!startedAt) return undefined;
  const end = endedAt ? Date.parse(endedAt) : now;
  return Math.max(0, end - Date.parse(startedAt));
}

/** "850 ms", "12.3 s", "4 min 05 s". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** One bar of the timeline. */
export interface TimelineBar {
  task: TaskSummary;
  /** Fractions of the execution's span, 0..1. */
  left: number;
  width: number;
  label: string;
}

/** Lays out the tasks that started; the span runs from the first start to the last end. */
export function timelineBars(
  exec: Pick<ExecutionSummary, 'startedAt' | 'endedAt'>,
  tasks: readonly TaskSummary[],
  now: number = Date.now(),
): { bars: TimelineBar[]; spanMs: number } {
  const ran = tasks.filter((t) => t.startedAt && t.kind === 'operation');
  if (ran.length === 0) return { bars: [], spanMs: 0 };
  const start = Math.min(
    ...ran.map((t) => Date.parse(t.startedAt!)),
    exec.startedAt ? Date.parse(exec.startedAt) : Infinity,
  );
  const end = Math.max(
    ...ran.map((t) => (t.endedAt ? Date.parse(t.endedAt) : now)),
    exec.endedAt ? Date.parse(exec.endedAt) : 0,
  );
  const span = Math.max(1, end - start);
  const bars = ran
    .sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!))
    .map((t) => {
      const s = Date.parse(t.startedAt!) - start;
      const e = (t.endedAt ? Date.parse(t.endedAt) : now) - start;
      const op = t.operation?.split('.').pop() ?? t.name;
      return {
        task: t,
        left: s / span,
        width: Math.max(0.004, (e - s) / span),
        label: `${t.instanceId ?? t.nodeId ?? ''} ${op}`.trim(),
      };
    });
  return { bars, spanMs: span };
}

/** Progress of an execution: finished tasks / all tasks, 0..1. */
export function progressOf(taskCounts: Readonly<Record<string, number>>): number {
  let total = 0;
  let done = 0;
  for (const [status, n] of Object.entries(taskCounts)) {
    total += n;
    if (
      status === 'succeeded' ||
      status === 'failed' ||
      status === 'skipped' ||
      status === 'cancelled'
    )
      done += n;
  }
  return total === 0 ? 0 : done / total;
}

/** Masks values of keys that look secret (the engine masks already; this is belt and braces for display). */
export function isSecretKey(key: string): boolean {
  return /pass(word)?|secret|token|private_?key|api_?key|credential/i.test(key);
}
