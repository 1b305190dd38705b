/**
 * A simulated scheduler for task graphs: unlimited parallelism, every operation takes one
 * time unit (or what `duration` says), state/event/noop tasks take none. It records when each
 * task starts and ends, which is what the ordering tests compare, and lets a test fail
 * chosen tasks to see what does not run after them.
 */
import type { TaskGraph, TaskSpec } from '../../../../engine/workflows/task-graph';
import { topologicalOrder } from '../../../../engine/workflows/describe';

export interface SimOptions {
  duration?: (task: TaskSpec) => number;
  fail?: (task: TaskSpec) => boolean;
}

export interface SimResult {
  start: Map<string, number>;
  end: Map<string, number>;
  /** Tasks that ran, by start time (ties in topological order). */
  ran: TaskSpec[];
  failed: Set<string>;
  /** Operations that ran, as short labels (see `opLabel`), in start order. */
  ops: string[];
  /** Total time. */
  makespan: number;
}

/** `web_1.create`, `app_1->db_1.establish.source`, `web_1:creating` (state). */
export function opLabel(task: TaskSpec): string {
  const short = (task.operation ?? '').split('.').pop() ?? '';
  if (task.kind === 'state') return `${task.instanceId}:${task.state}`;
  if (task.relationship) return `${task.instanceId}->${task.relationship.targetId}.${short}.${task.relationship.side}`;
  return `${task.instanceId}.${short}`;
}

export function simulate(graph: TaskGraph, options: SimOptions = {}): SimResult {
  const duration = options.duration ?? ((t) => (t.kind === 'operation' ? 1 : 0));
  const order = topologicalOrder(graph);
  const rank = new Map(order.map((t, i) => [t.id, i]));
  const start = new Map<string, number>();
  const end = new Map<string, number>();
  const failed = new Set<string>();
  const ok = new Set<string>();
  for (const task of order) {
    if (!task.dependsOn.every((d) => ok.has(d))) continue;
    const t0 = Math.max(0, ...task.dependsOn.map((d) => end.get(d)!));
    start.set(task.id, t0);
    end.set(task.id, t0 + duration(task));
    if (task.kind === 'operation' && options.fail?.(task)) {
      failed.add(task.id);
      if (task.ignoreFailure) ok.add(task.id);
    } else ok.add(task.id);
  }
  const ran = order.filter((t) => start.has(t.id)).sort((a, b) => start.get(a.id)! - start.get(b.id)! || rank.get(a.id)! - rank.get(b.id)!);
  return {
    start,
    end,
    ran,
    failed,
    ops: ran.filter((t) => t.kind === 'operation').map(opLabel),
    makespan: Math.max(0, ...end.values()),
  };
}

/** Adjacency-based reachability: is there a dependency path from `from` to `to`
 * (i.e. must `from` finish before `to` starts)? */
export function reachability(graph: TaskGraph): (from: string, to: string) => boolean {
  const dependents = new Map<string, string[]>();
  for (const t of graph.tasks) for (const d of t.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
  return (from, to) => {
    const seen = new Set([from]);
    const queue = [from];
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (id === to) return true;
      for (const next of dependents.get(id) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    return false;
  };
}

/** The one task matching a short label (throws when none or several match). */
export function findTask(graph: TaskGraph, label: string): TaskSpec {
  const found = graph.tasks.filter((t) => t.kind !== 'noop' && t.kind !== 'event' && opLabel(t) === label);
  if (found.length !== 1) throw new Error(`expected one task ${label}, found ${found.length}`);
  return found[0]!;
}

/** Tasks of one instance (operations and states) in the order they ran. */
export function timeline(result: SimResult, instanceId: string): string[] {
  return result.ran.filter((t) => t.instanceId === instanceId && (t.kind === 'operation' || t.kind === 'state')).map(opLabel);
}
