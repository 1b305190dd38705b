/**
 * scale (Cloudify's `scale_entity`): add or remove instances of a node or a scaling group.
 *
 * Parameters: `scalable_entity_name` (or `target`): node or scaling group; `delta` (default
 * 1, may be negative); `scale_compute` (scaling a contained node scales its Compute host
 * instead); `include_instances` / `exclude_instances` (scale-in hints: instances, or
 * instances contained in them, to remove / to keep); `ignore_failure` (scale-in);
 * `rollback_if_failed` (scale-out, default true).
 *
 * Bounds (min/max instances of the node, per container for a contained node, or of the
 * group; max -1 = unbounded) are checked here, before anything runs.
 *
 * Scale-out installs the added instances (with their contained children) and then runs
 * `establish` on existing instances that gained a relationship toward them; the new
 * instances' own chains run both sides of their relationships, so existing targets see
 * their target-side operations too. Scale-in runs `unlink` on surviving instances related
 * to removed ones, then uninstalls the removed ones (sources before targets).
 */
import type { Value } from '../dsl/plan-model';
import type { DeploymentModel, ModelInstance, ModelModification, WorkflowBuild } from '../model/deployment-model';
import { InstanceState } from '../model/deployment-model';
import type { ModelIndex } from '../model/model-index';
import { indexModel, isImplemented } from '../model/model-index';
import type { ScaleEntity, ScaleUnit } from '../model/modification';
import { applyModification, ModelModificationError, planScaleIn, planScaleOut, scaleUnits } from '../model/modification';
import { WorkflowParameterError } from './errors';
import { GraphBuilder } from './graph-builder';
import type { IntactInstance } from './lifecycle';
import { addInstallPhase, addUninstallPhase } from './lifecycle';
import { WorkflowParams } from './params';
import type { TaskGraph } from './task-graph';

/**
 * A node that implements this operation scales inside itself (e.g. a Kubernetes workload
 * changes its replicas through the scale subresource) instead of gaining or losing node
 * instances: the scale workflow calls it on each instance with the input `delta`.
 */
export const SET_REPLICAS_OPERATION = 'trellis.interfaces.scale.set_replicas';

export const SCALE_PARAMS = [
  'scalable_entity_name',
  'target',
  'delta',
  'scale_compute',
  'include_instances',
  'exclude_instances',
  'ignore_failure',
  'rollback_if_failed',
  // Declared by the core types; accepted and not used: the runtime decides how a rollback
  // treats operations still running.
  'abort_started',
] as const;

function resolveEntity(workflow: string, index: ModelIndex, name: string, scaleCompute: boolean): { entity: ScaleEntity; name: string } {
  const plan = index.model.plan;
  const group = Object.hasOwn(plan.scalingGroups, name) ? plan.scalingGroups[name] : undefined;
  if (group) return { entity: { kind: 'group', group: name }, name };
  let node = index.nodes.get(name);
  if (!node) {
    const known = [...Object.keys(plan.scalingGroups), ...index.nodes.keys()];
    throw new WorkflowParameterError(workflow, `no node or scaling group named ${name} (known: ${known.join(', ')})`, 'scalable_entity_name');
  }
  if (scaleCompute && node.host !== undefined && node.host !== node.name) {
    const host = index.nodes.get(node.host);
    if (host) node = host;
  }
  for (const g of Object.values(plan.scalingGroups)) {
    if (g.members.includes(node.name) && !(node.containedIn !== undefined && g.members.includes(node.containedIn))) {
      throw new WorkflowParameterError(workflow, `node ${node.name} is a member of scaling group ${g.name}; scale ${g.name} instead`, 'scalable_entity_name');
    }
  }
  return { entity: { kind: 'node', node }, name: node.name };
}

function bounds(entity: ScaleEntity, index: ModelIndex): { min: number; max: number } {
  const props = entity.kind === 'node' ? entity.node.capabilities.scalable : index.model.plan.scalingGroups[entity.group]!.properties;
  return { min: props.minInstances, max: props.maxInstances };
}

function checkBounds(workflow: string, name: string, delta: number, units: readonly ScaleUnit[], limits: { min: number; max: number }): void {
  const signed = delta > 0 ? `+${delta}` : String(delta);
  for (const unit of units) {
    const planned = unit.members.length + delta;
    const where = unit.parentId !== undefined ? ` in ${unit.parentId}` : '';
    const base = `scale of ${name} by ${signed} would give ${planned} instances${where}`;
    if (planned < 0) throw new WorkflowParameterError(workflow, `${base}; there are only ${unit.members.length}`, 'delta');
    if (planned < limits.min) throw new WorkflowParameterError(workflow, `${base}; min_instances is ${limits.min}`, 'delta');
    if (limits.max !== -1 && planned > limits.max) throw new WorkflowParameterError(workflow, `${base}; max_instances is ${limits.max}`, 'delta');
  }
}

/** Maps a hint (an instance id, a group instance id, or an instance inside one) to the
 * scale unit member it stands for. */
function memberFor(workflow: string, index: ModelIndex, entity: ScaleEntity, hint: string, parameter: string): string {
  if (entity.kind === 'group' && index.model.instances.some((i) => i.scalingGroups.some((g) => g.name === entity.group && g.id === hint))) return hint;
  let cursor: ModelInstance | undefined = index.instances.get(hint);
  if (!cursor) throw new WorkflowParameterError(workflow, `${parameter}: no node instance ${hint} in this deployment`, parameter);
  const name = entity.kind === 'node' ? entity.node.name : entity.group;
  while (cursor) {
    if (entity.kind === 'node' && cursor.node === entity.node.name) return cursor.id;
    if (entity.kind === 'group') {
      const g = cursor.scalingGroups.find((sg) => sg.name === entity.group);
      if (g) return g.id;
    }
    cursor = cursor.containerId !== undefined ? index.instances.get(cursor.containerId) : undefined;
  }
  throw new WorkflowParameterError(workflow, `${parameter}: ${hint} is not an instance of ${name} or contained in one`, parameter);
}

function chooseRemovals(workflow: string, index: ModelIndex, entity: ScaleEntity, units: readonly ScaleUnit[], count: number, include: string[], exclude: string[]): string[] {
  const included = new Set(include.map((h) => memberFor(workflow, index, entity, h, 'include_instances')));
  const excluded = new Set(exclude.map((h) => memberFor(workflow, index, entity, h, 'exclude_instances')));
  for (const id of included) {
    if (excluded.has(id)) throw new WorkflowParameterError(workflow, `${id} is both included and excluded`, 'include_instances');
  }
  const chosen: string[] = [];
  for (const unit of units) {
    const mine = unit.members.filter((m) => included.has(m));
    const where = unit.parentId !== undefined ? ` in ${unit.parentId}` : '';
    if (mine.length > count) {
      throw new WorkflowParameterError(workflow, `include_instances names ${mine.length} instances to remove${where} but delta removes only ${count}`, 'include_instances');
    }
    // Newest first: the last instances added are the first to go (as their ids are unknown to users).
    const rest = unit.members.filter((m) => !included.has(m) && !excluded.has(m)).reverse();
    const pick = [...mine, ...rest.slice(0, count - mine.length)];
    if (pick.length < count) {
      throw new WorkflowParameterError(workflow, `cannot remove ${count} instances${where}: only ${pick.length} are not excluded`, 'exclude_instances');
    }
    chosen.push(...pick);
  }
  return chosen;
}

/** Existing instances with relationship instances to establish/unlink, with those relationships. */
function intactOf(index: ModelIndex, pairs: { sourceId: string; targetId: string }[]): IntactInstance[] {
  const bySource = new Map<string, Set<string>>();
  for (const { sourceId, targetId } of pairs) {
    const set = bySource.get(sourceId);
    if (set) set.add(targetId);
    else bySource.set(sourceId, new Set([targetId]));
  }
  const out: IntactInstance[] = [];
  for (const [sourceId, targets] of bySource) {
    const instance = index.instances.get(sourceId);
    if (!instance) continue;
    out.push({ instance, relationships: instance.relationships.filter((r) => targets.has(r.targetId)) });
  }
  return out;
}

function rollbackGraph(workflow: string, projected: DeploymentModel, modification: ModelModification, assumeInstalled: boolean): TaskGraph {
  const index = indexModel(projected);
  const added = new Set(modification.added.map((a) => a.id));
  const b = new GraphBuilder(`${workflow} rollback`);
  addUninstallPhase(b, index, {
    phase: 'rollback',
    instances: projected.instances.filter((i) => added.has(i.id)),
    // From real states: an existing source established toward a new target only once the
    // target's chain finished, so only started targets need unlinking.
    intact: intactOf(
      index,
      modification.addedRelationships
        .filter((r) => assumeInstalled || index.instances.get(r.relationship.targetId)?.state === InstanceState.started)
        .map((r) => ({ sourceId: r.sourceId, targetId: r.relationship.targetId })),
    ),
    ignoreFailure: true,
    assumeInstalled,
  });
  return b.build();
}

/**
 * The rollback of a failed scale-out from the states at failure time: added instances never
 * touched are skipped, the others are uninstalled best effort. `model` may already contain
 * the added instances (as the runtime persists them).
 */
export function buildScaleRollback(model: DeploymentModel, modification: ModelModification, workflow = 'scale'): WorkflowBuild {
  return { graph: rollbackGraph(workflow, applyModification(model, modification), modification, false) };
}

/** The scale of a node that scales inside itself: one set_replicas per instance. */
function setReplicasGraph(workflow: string, index: ModelIndex, node: string, delta: number, hinted: boolean): TaskGraph {
  if (hinted) throw new WorkflowParameterError(workflow, `${node} scales its replicas, not its instances: include_instances and exclude_instances do not apply`, 'include_instances');
  const b = new GraphBuilder(workflow);
  const instances = index.model.instances.filter((i) => i.node === node);
  if (delta === 0 || instances.length === 0) {
    b.add({ id: 'scale:noop', kind: 'event', name: `${node}: nothing to scale`, message: delta === 0 ? `delta is 0: ${node} keeps its replicas` : `${node} has no instances` }, []);
    return b.build();
  }
  for (const instance of instances) {
    b.add(
      {
        id: `scale:${instance.id}:set_replicas`,
        kind: 'operation',
        name: `${instance.id}: ${SET_REPLICAS_OPERATION}`,
        nodeId: node,
        instanceId: instance.id,
        operation: SET_REPLICAS_OPERATION,
        inputs: { delta },
      },
      [],
    );
  }
  return b.build();
}

export function buildScale(model: DeploymentModel, params: Record<string, Value>, workflow = 'scale', instanceIdSuffix?: () => string): WorkflowBuild {
  const p = new WorkflowParams(workflow, params, SCALE_PARAMS);
  const byName = p.string('scalable_entity_name');
  const byTarget = p.string('target');
  if (byName !== undefined && byTarget !== undefined && byName !== byTarget) {
    throw new WorkflowParameterError(workflow, `scalable_entity_name (${byName}) and target (${byTarget}) disagree`, 'target');
  }
  const requested = byName ?? byTarget;
  if (requested === undefined) throw new WorkflowParameterError(workflow, `${workflow} needs scalable_entity_name: the node or scaling group to scale`, 'scalable_entity_name');
  const delta = p.integer('delta') ?? 1;
  const include = p.stringList('include_instances');
  const exclude = p.stringList('exclude_instances');
  const ignoreFailure = p.boolean('ignore_failure', false);
  const rollbackIfFailed = p.boolean('rollback_if_failed', true);

  const index = indexModel(model);
  const { entity, name } = resolveEntity(workflow, index, requested, p.boolean('scale_compute', false));
  if (entity.kind === 'node' && isImplemented(entity.node.operations[SET_REPLICAS_OPERATION])) {
    return { graph: setReplicasGraph(workflow, index, entity.node.name, delta, include.length + exclude.length > 0) };
  }
  const units = scaleUnits(index, entity);
  if (entity.kind === 'node' && entity.node.containedIn !== undefined && units.length === 0) {
    throw new WorkflowParameterError(workflow, `${name} is contained in ${entity.node.containedIn}, which has no instances to scale it in`, 'scalable_entity_name');
  }
  checkBounds(workflow, name, delta, units, bounds(entity, index));
  if (delta >= 0 && (include.length > 0 || exclude.length > 0)) {
    throw new WorkflowParameterError(workflow, 'include_instances and exclude_instances only apply to a scale-in (negative delta)', include.length > 0 ? 'include_instances' : 'exclude_instances');
  }

  const b = new GraphBuilder(workflow);
  if (delta === 0) {
    b.add({ id: 'scale:noop', kind: 'event', name: `${name}: delta is 0`, message: `delta is 0: ${name} keeps its instances` }, []);
    return { graph: b.build() };
  }

  let modification: ModelModification;
  try {
    modification =
      delta > 0
        ? planScaleOut(index, entity, delta, instanceIdSuffix)
        : planScaleIn(index, entity, chooseRemovals(workflow, index, entity, units, -delta, include, exclude));
  } catch (error) {
    if (error instanceof ModelModificationError) throw new WorkflowParameterError(workflow, error.message, error.parameter);
    throw error;
  }

  if (delta > 0) {
    const projected = applyModification(model, modification);
    const pindex = indexModel(projected);
    const added = new Set(modification.added.map((a) => a.id));
    addInstallPhase(b, pindex, {
      phase: 'scale-out',
      instances: projected.instances.filter((i) => added.has(i.id)),
      intact: intactOf(pindex, modification.addedRelationships.map((r) => ({ sourceId: r.sourceId, targetId: r.relationship.targetId }))),
    });
    return {
      graph: b.build(),
      modification,
      ...(rollbackIfFailed ? { rollback: rollbackGraph(workflow, projected, modification, true) } : {}),
    };
  }

  const removed = new Set(modification.removed);
  addUninstallPhase(b, index, {
    phase: 'scale-in',
    instances: model.instances.filter((i) => removed.has(i.id)),
    intact: intactOf(index, modification.removedRelationships),
    ignoreFailure,
  });
  return { graph: b.build(), modification };
}
