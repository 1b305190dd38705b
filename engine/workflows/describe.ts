/**
 * Checks and renders task graphs: structural validation (ids, dependencies, no cycle), a
 * topological order, and the readable listing `--dry-run` prints.
 */
import type { TaskGraph, TaskSpec } from './task-graph';

/** Tasks in an order where every task comes after all it depends on (Kahn, stable).
 * Throws on an unknown dependency or a cycle. */
export function topologicalOrder(graph: TaskGraph): TaskSpec[] {
  const byId = new Map<string, TaskSpec>();
  for (const task of graph.tasks) {
    if (byId.has(task.id)) throw new Error(`duplicate task id ${task.id}`);
    byId.set(task.id, task);
  }
  const pending = new Map<string, number>();
  const dependents = new Map<string, TaskSpec[]>();
  for (const task of graph.tasks) {
    const deps = new Set(task.dependsOn);
    pending.set(task.id, deps.size);
    for (const dep of deps) {
      if (!byId.has(dep)) throw new Error(`task ${task.id} depends on unknown task ${dep}`);
      const list = dependents.get(dep);
      if (list) list.push(task);
      else dependents.set(dep, [task]);
    }
  }
  const order = graph.tasks.filter((t) => pending.get(t.id) === 0);
  for (let i = 0; i < order.length; i++) {
    for (const next of dependents.get(order[i]!.id) ?? []) {
      const left = pending.get(next.id)! - 1;
      pending.set(next.id, left);
      if (left === 0) order.push(next);
    }
  }
  if (order.length !== graph.tasks.length) {
    const stuck = graph.tasks.filter((t) => pending.get(t.id)! > 0).slice(0, 5);
    throw new Error(`task graph has a cycle through ${stuck.map((t) => t.id).join(', ')}`);
  }
  return order;
}

/** Throws when the graph is not a valid DAG (duplicate ids, unknown dependencies, cycles). */
export function validateGraph(graph: TaskGraph): void {
  topologicalOrder(graph);
}

function label(task: TaskSpec): string {
  switch (task.kind) {
    case 'operation':
      return task.relationship
        ? `${task.operation ?? '?'} (${task.relationship.side} side, ${task.instanceId ?? '?'} -> ${task.relationship.targetId})`
        : `${task.operation ?? '?'}${task.instanceId ? ` on ${task.instanceId}` : ''}`;
    case 'state':
      return `${task.instanceId ?? '?'} -> ${task.state ?? '?'}`;
    case 'event':
      return `${task.instanceId ? `${task.instanceId}: ` : ''}${task.message ?? task.name}`;
    default:
      return task.name;
  }
}

/**
 * A readable listing of the graph for `--dry-run`: every task except joins, in a
 * topological order, each prefixed with its step (the length of the longest chain of
 * non-join tasks leading to it: tasks with the same step number may run in parallel).
 */
export function describeGraph(graph: TaskGraph): string {
  const order = topologicalOrder(graph);
  const depth = new Map<string, number>();
  for (const task of order) {
    let d = 0;
    for (const dep of task.dependsOn) d = Math.max(d, depth.get(dep) ?? 0);
    depth.set(task.id, task.kind === 'noop' ? d : d + 1);
  }
  const visible = order.filter((t) => t.kind !== 'noop');
  const counts = { operation: 0, state: 0, event: 0 };
  for (const t of visible) if (t.kind !== 'noop') counts[t.kind]++;
  const instances = new Set(visible.map((t) => t.instanceId).filter((i) => i !== undefined));
  let steps = 0;
  for (const d of depth.values()) steps = Math.max(steps, d);
  const width = String(steps).length;
  const lines = [
    `${graph.workflow}: ${counts.operation} operations, ${counts.state} state changes, ${counts.event} events ` +
      `over ${instances.size} node instances; ${steps} steps on the longest path`,
  ];
  const kindMark = { operation: 'op   ', state: 'state', event: 'event', noop: '' } as const;
  const sorted = visible
    .map((task, i) => ({ task, i, step: depth.get(task.id)! }))
    .sort((a, b) => a.step - b.step || a.i - b.i);
  for (const { task, step } of sorted) {
    const flags = task.ignoreFailure ? '  (failure ignored)' : '';
    lines.push(`  ${String(step).padStart(width)}  ${kindMark[task.kind]}  ${label(task)}${flags}`);
  }
  return lines.join('\n');
}
