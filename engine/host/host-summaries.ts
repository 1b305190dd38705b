/**
 * Store records -> the contract's summaries (what the UI, the CLI and the WS server see).
 */
import type { Value } from '../dsl/plan-model';
import type { TaskGraph } from '../workflows/task-graph';
import type { DeploymentRecord, ExecutionRecord, InstanceRecord, Store } from '../store';
import type { DeploymentSummary, ExecutionDetail, ExecutionSummary, NodeInstanceSummary, TaskStatus, TaskSummary } from './contract';

/** Executions in these states hold their deployment. */
export const ACTIVE_STATUSES = ['pending', 'started', 'cancelling', 'force_cancelling'] as const;
/** Executions in these states are over. */
export const TERMINAL_STATUSES = ['terminated', 'failed', 'cancelled'] as const;

const ALL_TASK_STATUSES: TaskStatus[] = ['pending', 'running', 'retrying', 'succeeded', 'failed', 'skipped', 'cancelled'];
const MASK = '••••••';
/** Runtime properties whose names say they hold a secret are masked in summaries. */
const SECRET_KEY = /pass(word|phrase)?|secret|token|private[_-]?key|api[_-]?key|credential/i;

export function deploymentSummary(store: Store, d: DeploymentRecord): DeploymentSummary {
  const active = store.listExecutions({ deploymentId: d.id, statuses: [...ACTIVE_STATUSES, 'queued'] });
  const running = active.find((e) => e.status !== 'queued') ?? active[0];
  const s: DeploymentSummary = {
    id: d.id,
    blueprintId: d.blueprintId,
    blueprintFile: d.blueprintFile,
    status: d.status,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    inputs: d.inputs,
    instanceCounts: store.instanceStateCounts(d.id),
    policiesPaused: d.policiesPaused,
  };
  if (running) s.activeExecutionId = running.id;
  const environment = environmentOf(store, d.id);
  if (Object.keys(environment).length > 0) s.environment = environment;
  return s;
}

/**
 * What a deployment runs against (e.g. `openstack: "devstack / project admin / user admin /
 * RegionOne"`), from the `trellis_environment` runtime property plugins set on the
 * instances they create. The engine names no plugin: any plugin can contribute a line.
 */
function environmentOf(store: Store, deploymentId: string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const instance of store.listInstances(deploymentId)) {
    const contributed = instance.runtimeProperties.trellis_environment;
    if (!contributed || typeof contributed !== 'object' || Array.isArray(contributed)) continue;
    for (const [key, value] of Object.entries(contributed)) {
      if (typeof value === 'string') environment[key] = value;
    }
  }
  return environment;
}

export function executionSummary(store: Store, e: ExecutionRecord): ExecutionSummary {
  const counts = Object.fromEntries(ALL_TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  let journaled = 0;
  for (const [status, n] of Object.entries(store.taskCounts(e.id))) {
    if (status in counts) counts[status as TaskStatus] += n;
    journaled += n;
  }
  counts.pending += Math.max(0, e.taskTotal - journaled);
  const s: ExecutionSummary = {
    id: e.id,
    deploymentId: e.deploymentId,
    workflow: e.workflow,
    parameters: e.parameters,
    status: e.status,
    createdAt: e.createdAt,
    dryRun: e.dryRun,
    taskCounts: counts,
    triggeredBy: e.triggeredBy,
  };
  if (e.startedAt !== undefined) s.startedAt = e.startedAt;
  if (e.endedAt !== undefined) s.endedAt = e.endedAt;
  if (e.error !== undefined) s.error = e.error;
  return s;
}

export function executionDetail(store: Store, e: ExecutionRecord): ExecutionDetail {
  const graph = e.graph as TaskGraph | undefined;
  const journal = new Map(store.listTasks(e.id).map((t) => [t.id, t]));
  const tasks: TaskSummary[] = (graph?.tasks ?? []).map((spec) => {
    const r = journal.get(spec.id);
    const t: TaskSummary = {
      id: spec.id,
      executionId: e.id,
      kind: spec.kind === 'state' ? 'state' : spec.kind,
      name: spec.name,
      dependsOn: spec.dependsOn,
      status: r?.status ?? 'pending',
      attempts: r?.attempts ?? 0,
    };
    if (spec.nodeId !== undefined) t.nodeId = spec.nodeId;
    if (spec.instanceId !== undefined) t.instanceId = spec.instanceId;
    if (spec.operation !== undefined) t.operation = spec.operation;
    if (spec.relationship) t.relationship = { targetId: spec.relationship.targetId, side: spec.relationship.side };
    if (r?.startedAt !== undefined) t.startedAt = r.startedAt;
    if (r?.endedAt !== undefined) t.endedAt = r.endedAt;
    if (r?.lastError !== undefined) t.error = r.lastError;
    return t;
  });
  return { ...executionSummary(store, e), tasks };
}

export function maskSecrets(props: Record<string, Value>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(props)) out[k] = SECRET_KEY.test(k) && v !== null && v !== '' ? MASK : v;
  return out;
}

export function instanceSummary(i: InstanceRecord): NodeInstanceSummary {
  const s: NodeInstanceSummary = {
    id: i.id,
    deploymentId: i.deploymentId,
    nodeId: i.node,
    state: i.state,
    runtimeProperties: maskSecrets(i.runtimeProperties),
    relationships: i.relationships.map((r) => ({ targetId: r.targetId, targetNode: r.targetNode, type: r.type })),
    version: i.version,
  };
  if (i.hostId !== undefined) s.hostId = i.hostId;
  if (i.containerId !== undefined) s.containerId = i.containerId;
  if (i.lastError !== undefined) s.lastError = i.lastError;
  return s;
}
