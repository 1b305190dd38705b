/**
 * The deployment model: a compiled Plan plus the live node instances of one deployment.
 * Workflow builders (engine/workflows) are pure functions of it; the store persists it; the
 * runtime updates instance states and runtime properties as tasks run.
 */
import type { Plan, PlanNodeInstance, Value } from '../dsl/plan-model';
import type { TaskGraph } from '../workflows/task-graph';

/** Lifecycle states, in install order (DESIGN.md §3). */
export const InstanceState = {
  uninitialized: 'uninitialized',
  creating: 'creating',
  created: 'created',
  configuring: 'configuring',
  configured: 'configured',
  starting: 'starting',
  started: 'started',
  stopping: 'stopping',
  stopped: 'stopped',
  deleting: 'deleting',
  deleted: 'deleted',
} as const;
export type InstanceState = (typeof InstanceState)[keyof typeof InstanceState];

/** A node instance as it lives in a deployment. */
export interface ModelInstance extends PlanNodeInstance {
  state: InstanceState | (string & {});
  runtimeProperties: Record<string, Value>;
  /** Optimistic-concurrency version, bumped on every persisted change. */
  version: number;
}

export interface DeploymentModel {
  deploymentId: string;
  plan: Plan;
  instances: ModelInstance[];
}

/**
 * A change to the set of instances that a workflow (scale, heal) makes. The runtime persists
 * `added` before the graph runs (so their tasks have rows to update) and removes `removed`
 * only after the graph succeeded; a rolled-back scale-out removes `added` again.
 */
export interface ModelModification {
  added: ModelInstance[];
  /** Ids of instances that leave the deployment when the execution succeeds. */
  removed: string[];
  /** Relationship instances added to existing instances (toward added targets). */
  addedRelationships: { sourceId: string; relationship: PlanNodeInstance['relationships'][number] }[];
  /** Relationship instances removed from surviving instances (toward removed targets). */
  removedRelationships: { sourceId: string; targetId: string }[];
}

/** What a workflow builder returns. */
export interface WorkflowBuild {
  graph: TaskGraph;
  modification?: ModelModification;
  /**
   * Scale-out with `rollback_if_failed` (the default): run this graph when `graph` fails, then
   * drop `modification.added` and `modification.addedRelationships` instead of keeping them.
   * It uninstalls the added instances (unlinking existing instances from them first) with
   * every failure ignored. Built before anything ran, so it assumes any added instance may
   * have been installed; `buildScaleRollback` builds one from the states at failure time.
   */
  rollback?: TaskGraph;
}
