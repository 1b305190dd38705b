/**
 * Model modifications: which instances a scale adds or removes, with their contained
 * children and relationship instances, and how a modification is applied to a model.
 * Pure functions; a ModelModificationError is a request that cannot be satisfied (the
 * workflow layer turns it into a WorkflowParameterError).
 *
 * Which instances are created and how they are wired is the compiler's instance expansion
 * (engine/dsl/instances.ts: contained children, scaling groups, relationship instances
 * scoped to the nearest shared container or group); this module adapts it to live models.
 */
import type { InstanceAddition } from '../dsl/instances';
import { createInstancesFor, InstanceTree } from '../dsl/instances';
import type { PlanNode, PlanRelationshipInstance } from '../dsl/plan-model';
import type { DeploymentModel, ModelInstance, ModelModification } from './deployment-model';
import { InstanceState } from './deployment-model';
import type { ModelIndex } from './model-index';
import { containedSubtree } from './model-index';

export class ModelModificationError extends Error {
  override readonly name = 'ModelModificationError';
  constructor(
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

/** What a scale acts on: a node, or a scaling group. */
export type ScaleEntity = { kind: 'node'; node: PlanNode } | { kind: 'group'; group: string };

/** Group instance ids in model order. */
export function groupInstanceIds(index: ModelIndex, group: string): string[] {
  const ids = new Set<string>();
  for (const instance of index.model.instances) for (const g of instance.scalingGroups) if (g.name === group) ids.add(g.id);
  return [...ids];
}

/**
 * Units of scaling: for a top-level node one unit with all its instances; for a contained
 * node one unit per container instance; for a group one unit (all its group instances).
 * Each unit's members are the instances a scale-in may pick from.
 */
export interface ScaleUnit {
  /** The container instance for a contained node (or a group inside a node). */
  container?: ModelInstance;
  /** Id of the parent instance (container or enclosing group instance) the unit is in. */
  parentId?: string;
  /** Existing instances (node) or group instance ids (group), model order. */
  members: string[];
}

export function scaleUnits(index: ModelIndex, entity: ScaleEntity): ScaleUnit[] {
  if (entity.kind === 'group') {
    // A group nested in another group, or whose members live inside a node outside it,
    // scales per instance of that parent (as the instance expansion creates it).
    const parent = new InstanceTree(index.model.plan).parent({ kind: 'group', name: entity.group });
    if (parent === undefined) return [{ members: groupInstanceIds(index, entity.group) }];
    if (parent.kind === 'group') {
      const byParent = new Map<string, Set<string>>();
      for (const instance of index.model.instances) {
        const outer = instance.scalingGroups.find((g) => g.name === parent.name);
        const inner = instance.scalingGroups.find((g) => g.name === entity.group);
        if (!outer) continue;
        const set = byParent.get(outer.id) ?? new Set<string>();
        if (inner) set.add(inner.id);
        byParent.set(outer.id, set);
      }
      return [...byParent].map(([parentId, members]) => ({ parentId, members: [...members] }));
    }
    return (index.instancesByNode.get(parent.name) ?? []).map((container) => {
      const members = new Set<string>();
      for (const inside of containedSubtree(index, container)) {
        for (const g of inside.scalingGroups) if (g.name === entity.group) members.add(g.id);
      }
      return { container, parentId: container.id, members: [...members] };
    });
  }
  const instances = index.instancesByNode.get(entity.node.name) ?? [];
  if (entity.node.containedIn === undefined) return [{ members: instances.map((i) => i.id) }];
  return (index.instancesByNode.get(entity.node.containedIn) ?? []).map((container) => ({
    container,
    parentId: container.id,
    members: (index.children.get(container.id) ?? []).filter((c) => c.node === entity.node.name).map((c) => c.id),
  }));
}

/**
 * Adds `delta` instances (or group instances) per unit of the entity, with everything
 * contained in them, wired by the compiler's expansion rules (engine/dsl/instances.ts).
 */
export function planScaleOut(index: ModelIndex, entity: ScaleEntity, delta: number, instanceIdSuffix?: () => string): ModelModification {
  const name = entity.kind === 'node' ? entity.node.name : entity.group;
  let addition: InstanceAddition;
  try {
    addition = createInstancesFor(index.model.plan, index.model.instances, name, delta, instanceIdSuffix ? { instanceIdSuffix } : {});
  } catch (error) {
    throw new ModelModificationError(error instanceof Error ? error.message : String(error));
  }
  const added = addition.added.map(
    (instance): ModelInstance => ({ ...instance, state: InstanceState.uninitialized, runtimeProperties: {}, version: 0 }),
  );
  return { added, removed: [], addedRelationships: addition.addedRelationships, removedRelationships: [] };
}

/**
 * Removes the chosen instances (or group instances) of the entity with everything contained
 * in them, and the relationship instances surviving instances have toward them. Choosing is
 * the caller's (it knows the hints); `removeInstancesFor` in engine/dsl/instances.ts chooses
 * group instances across all parents at once, which does not match a per-parent delta.
 */
export function planScaleIn(index: ModelIndex, entity: ScaleEntity, chosen: readonly string[]): ModelModification {
  const picked = new Set(chosen);
  const roots =
    entity.kind === 'node'
      ? chosen.map((id) => index.instances.get(id)).filter((i): i is ModelInstance => i !== undefined)
      : index.model.instances.filter((i) => i.scalingGroups.some((g) => g.name === entity.group && picked.has(g.id)));
  const removedSet = new Set<string>();
  for (const root of roots) for (const instance of containedSubtree(index, root)) removedSet.add(instance.id);
  const removedRelationships: ModelModification['removedRelationships'] = [];
  for (const id of removedSet) {
    for (const { source } of index.incoming.get(id) ?? []) {
      if (!removedSet.has(source.id)) removedRelationships.push({ sourceId: source.id, targetId: id });
    }
  }
  const removed = index.model.instances.filter((i) => removedSet.has(i.id)).map((i) => i.id);
  return { added: [], removed, addedRelationships: [], removedRelationships };
}

/**
 * The model as it is after the modification (added instances and relationships in, removed
 * ones out). Does not touch the input. Idempotent: added instances already in the model
 * (the runtime persists them before the graph runs) keep the model's copy, and added
 * relationship instances already present are not added twice.
 */
export function applyModification(model: DeploymentModel, modification: ModelModification): DeploymentModel {
  const removed = new Set(modification.removed);
  const dropped = new Set(modification.removedRelationships.map((r) => `${r.sourceId}|${r.targetId}`));
  const extra = new Map<string, PlanRelationshipInstance[]>();
  for (const { sourceId, relationship } of modification.addedRelationships) {
    const list = extra.get(sourceId);
    if (list) list.push(relationship);
    else extra.set(sourceId, [relationship]);
  }
  const present = new Set(model.instances.map((i) => i.id));
  const instances: ModelInstance[] = [];
  for (const instance of [...model.instances, ...modification.added.filter((a) => !present.has(a.id))]) {
    if (removed.has(instance.id)) continue;
    const kept = instance.relationships.filter((r) => !dropped.has(`${instance.id}|${r.targetId}`));
    const have = new Set(kept.map((r) => `${r.index}|${r.targetId}`));
    const more = (extra.get(instance.id) ?? []).filter((r) => !have.has(`${r.index}|${r.targetId}`));
    if (more.length === 0 && kept.length === instance.relationships.length) {
      instances.push(instance);
      continue;
    }
    const relationships = [...kept, ...more].sort((a, b) => a.index - b.index);
    instances.push({ ...instance, relationships });
  }
  return { ...model, instances };
}
