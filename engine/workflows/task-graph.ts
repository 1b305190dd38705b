/**
 * The task graph: what a workflow builder (pure function of the deployment model) produces
 * and what the runtime executes. JSON-serialisable: it is persisted with the execution so a
 * restarted engine can resume it.
 */
import type { Value } from '../dsl/plan-model';

export const TaskKind = {
  /** Run a plugin operation (or a script through the script plugin). */
  operation: 'operation',
  /** Set a node instance's lifecycle state (creating, created, ...). */
  setState: 'state',
  /** Emit a workflow event (e.g. "skipped: no implementation"). */
  event: 'event',
  /** A join point with no effect (keeps the graph small: n+m edges instead of n*m). */
  noop: 'noop',
} as const;
export type TaskKind = (typeof TaskKind)[keyof typeof TaskKind];

export interface TaskSpec {
  /** Unique in the graph and stable (derived from instance + step), so a rebuilt graph for
   * a resumed execution has the same ids. */
  id: string;
  kind: TaskKind;
  /** Human name, e.g. `vm_a1b2c3: cloudify.interfaces.lifecycle.create`. */
  name: string;
  /** Ids of tasks that must succeed (or be skipped) before this one starts. */
  dependsOn: string[];
  nodeId?: string;
  instanceId?: string;
  /** kind=operation: full operation name (`cloudify.interfaces.lifecycle.create`). */
  operation?: string;
  /** kind=operation on a relationship: which relationship and which side runs it. */
  relationship?: { index: number; targetId: string; side: 'source' | 'target' };
  /** kind=operation: extra inputs given by the workflow (execute_operation). */
  inputs?: Record<string, Value>;
  /** kind=state: the state to set. */
  state?: string;
  /** kind=event: the message. */
  message?: string;
  /** When true, a failure of this task does not fail the execution (e.g. uninstall's
   * best-effort stop of an instance that was never started). */
  ignoreFailure?: boolean;
}

export interface TaskGraph {
  workflow: string;
  tasks: TaskSpec[];
}
