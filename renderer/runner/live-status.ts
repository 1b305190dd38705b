/**
 * Live node status: what every node instance of the watched deployment is doing, folded
 * from host events (instance state changes, task starts and ends), and the per-node
 * summary the graph shows (instances by state, operations running, the last error).
 * Pure functions; the store (state/runner-live-store.ts) only holds their result.
 */
import type { HostEvent, NodeInstanceSummary } from '../../engine/host/contract';

/** One node instance as the runner sees it live. */
export interface LiveInstance {
  id: string;
  nodeId: string;
  state: string;
  /** Operations running on it now (task id -> operation name). */
  running: Record<string, string>;
  /** The last failure on it, cleared when it reaches a new state successfully. */
  error?: string;
}

export type LiveInstances = Readonly<Record<string, LiveInstance>>;

/** Seeds the live view from `instances.list`. */
export function liveFromSummaries(
  list: readonly NodeInstanceSummary[],
): Record<string, LiveInstance> {
  const out: Record<string, LiveInstance> = {};
  for (const i of list)
    out[i.id] = {
      id: i.id,
      nodeId: i.nodeId,
      state: i.state,
      running: {},
      ...(i.lastError ? { error: i.lastError } : {}),
    };
  return out;
}

/**
 * Applies a batch of events for `deploymentId`. Returns the same object when nothing
 * changed, so subscribers re-render only on real changes.
 */
export function applyLiveEvents(
  current: LiveInstances,
  batch: readonly HostEvent[],
  deploymentId: string,
): LiveInstances {
  let next: Record<string, LiveInstance> | undefined;
  const edit = (id: string, nodeId: string | undefined): LiveInstance | undefined => {
    next ??= { ...current };
    const old = next[id];
    if (!old && nodeId === undefined) return undefined;
    const copy: LiveInstance = old
      ? { ...old, running: { ...old.running } }
      : { id, nodeId: nodeId ?? '', state: 'uninitialized', running: {} };
    next[id] = copy;
    return copy;
  };
  for (const e of batch) {
    if (e.deploymentId !== deploymentId) continue;
    if (e.type === 'execution') {
      if (e.status !== 'cancelled' && e.status !== 'failed' && e.status !== 'terminated') continue;
      // Nothing runs after an execution ended, whatever events were lost on the way.
      for (const inst of Object.values(next ?? current))
        if (Object.keys(inst.running).length > 0) edit(inst.id, undefined)!.running = {};
      continue;
    }
    if (!e.instanceId) continue;
    if (e.type === 'instance') {
      const inst = edit(e.instanceId, e.nodeId);
      if (!inst) continue;
      inst.state = e.state;
      if (e.state === 'deleted') inst.running = {};
      delete inst.error;
    } else if (e.type === 'task') {
      const inst = edit(e.instanceId, e.nodeId);
      if (!inst) continue;
      if (e.status === 'running' || e.status === 'retrying')
        inst.running[e.taskId] = e.operation ?? e.taskId;
      else delete inst.running[e.taskId];
      if (e.status === 'failed') inst.error = e.message;
      else if (e.status === 'succeeded' && inst.error && Object.keys(inst.running).length === 0)
        delete inst.error;
    }
  }
  return next ?? current;
}

/** What the graph shows on one node. */
export interface NodeStatus {
  total: number;
  /** State -> count, in lifecycle order. */
  byState: [string, number][];
  /** Operations running now across its instances. */
  running: number;
  failed: number;
  /** One error to show (the first failed instance's). */
  error?: string;
  /** The badge colour: every instance started = ok; any failed = error; any running = busy. */
  tone: 'ok' | 'busy' | 'error' | 'idle' | 'none';
}

const stateOrder = [
  'uninitialized',
  'creating',
  'created',
  'configuring',
  'configured',
  'starting',
  'started',
  'stopping',
  'stopped',
  'deleting',
  'deleted',
];

/** The gist of a task failure message: without the `instance: operation: failed:` prefix the executor puts first. */
export function shortError(message: string): string {
  return message
    .replace(/^\S+(?: -> \S+)?: \S+(?: \((?:source|target)\))?: failed: /, '')
    .replace(/^(?:Recoverable|NonRecoverable)Error: /, '');
}

/** Summarises the live instances of one node (deleted ones are not counted). */
export function summarizeNode(instances: LiveInstances, nodeId: string): NodeStatus {
  const counts = new Map<string, number>();
  let total = 0;
  let running = 0;
  let failed = 0;
  let error: string | undefined;
  for (const inst of Object.values(instances)) {
    if (inst.nodeId !== nodeId || inst.state === 'deleted') continue;
    total++;
    counts.set(inst.state, (counts.get(inst.state) ?? 0) + 1);
    running += Object.keys(inst.running).length;
    if (inst.error !== undefined) {
      failed++;
      error ??= inst.error;
    }
  }
  const rank = (s: string): number =>
    stateOrder.includes(s) ? stateOrder.indexOf(s) : stateOrder.length;
  const byState = [...counts.entries()].sort((a, b) => rank(a[0]) - rank(b[0]));
  const tone: NodeStatus['tone'] =
    total === 0
      ? 'none'
      : failed > 0
        ? 'error'
        : running > 0
          ? 'busy'
          : counts.get('started') === total
            ? 'ok'
            : 'idle';
  return { total, byState, running, failed, ...(error !== undefined ? { error } : {}), tone };
}
