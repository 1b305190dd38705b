/**
 * Model modifications: which instances a scale adds or removes, with their contained
 * children and relationship instances, and how a modification is applied to a model.
 * Pure functions; a ModelModificationError is a request that cannot be satisfied (the
 * workflow layer turns it into a WorkflowParameterError).
 *
 * Relationship instances of new instances follow Cloudify's rules: contained_in points at
 * the container; all_to_all connects to every instance of the target node and all_to_one to
 * one instance (the one existing sources already use), both restricted to the nearest scope
 * the source and target share (a common containing node, or a common scaling group): an app
 * connected to a database on the same VM connects only to the database on its own VM.
 */
import type { PlanNode, PlanRelationship, PlanRelationshipInstance } from '../dsl/plan-model';
import type { DeploymentModel, ModelInstance, ModelModification } from './deployment-model';
import { InstanceState } from './deployment-model';
import type { ModelIndex } from './model-index';
import { containedSubtree, nodeOf } from './model-index';

export class ModelModificationError extends Error {
  override readonly name = 'ModelModificationError';
  constructor(
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Default id generator: `<name>_<6 random [a-z0-9]>` (crypto randomness, not for secrets). */
export function randomInstanceId(name: string): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  let suffix = '';
  for (const byte of bytes) suffix += SUFFIX_CHARS[byte % SUFFIX_CHARS.length];
  return `${name}_${suffix}`;
}

/** Containment ancestors of a node, nearest first, the node itself at index 0. */
function nodeChain(index: ModelIndex, name: string): string[] {
  const chain: string[] = [];
  let cursor: PlanNode | undefined = index.nodes.get(name);
  while (cursor && !chain.includes(cursor.name)) {
    chain.push(cursor.name);
    cursor = cursor.containedIn !== undefined ? index.nodes.get(cursor.containedIn) : undefined;
  }
  return chain;
}

/** Scaling groups a node belongs to, directly or through a containing node. */
function nodeGroups(index: ModelIndex, name: string): Set<string> {
  const chain = new Set(nodeChain(index, name));
  const groups = new Set<string>();
  for (const group of Object.values(index.model.plan.scalingGroups)) {
    if (group.members.some((m) => chain.has(m))) groups.add(group.name);
  }
  return groups;
}

/** The scope a relationship from `source` to `target` is restricted to, if any. */
type Scope = { kind: 'node'; name: string } | { kind: 'group'; name: string } | undefined;

function sharedScope(index: ModelIndex, source: string, target: string): Scope {
  const targetChain = new Set(nodeChain(index, target));
  const sourceChain = nodeChain(index, source);
  const node = sourceChain.find((n) => targetChain.has(n));
  if (node !== undefined) return { kind: 'node', name: node };
  const targetGroups = nodeGroups(index, target);
  for (const group of nodeGroups(index, source)) if (targetGroups.has(group)) return { kind: 'group', name: group };
  return undefined;
}

/**
 * Builds modifications against one model. Instances created here are visible to later
 * lookups (scope, containers) through `lookup`, so children and relationships of new
 * instances resolve among new and existing ones alike.
 */
class Modifier {
  private readonly added: ModelInstance[] = [];
  private readonly addedById = new Map<string, ModelInstance>();
  private readonly usedIds: Set<string>;
  private readonly byNode = new Map<string, ModelInstance[]>();
  private readonly scopeCache = new Map<string, string | undefined>();
  private readonly sharedScopes = new Map<string, Scope>();

  constructor(
    private readonly index: ModelIndex,
    private readonly newId: (name: string) => string,
    private readonly removed: ReadonlySet<string> = new Set(),
  ) {
    this.usedIds = new Set(index.instances.keys());
    for (const group of Object.values(index.model.plan.scalingGroups)) this.usedIds.add(group.name);
    for (const instance of index.model.instances) for (const g of instance.scalingGroups) this.usedIds.add(g.id);
    for (const [node, list] of index.instancesByNode) this.byNode.set(node, list.filter((i) => !removed.has(i.id)));
  }

  lookup(id: string): ModelInstance | undefined {
    return this.addedById.get(id) ?? this.index.instances.get(id);
  }

  uniqueId(name: string): string {
    for (let attempt = 0; attempt < 100; attempt++) {
      const id = this.newId(name);
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
    throw new Error(`could not generate a unique id for ${name}`);
  }

  /** How many instances of `child` each instance of its container has (first existing
   * container decides; the declared default when none exists). */
  perContainer(child: PlanNode): number {
    const containers = child.containedIn !== undefined ? (this.index.instancesByNode.get(child.containedIn) ?? []) : [];
    const existing = containers.find((c) => !this.removed.has(c.id));
    if (!existing) return child.capabilities.scalable.defaultInstances;
    return (this.index.children.get(existing.id) ?? []).filter((c) => c.node === child.name).length;
  }

  /** Creates `count` instances of `node` (inside `container`, in the given group instances)
   * and, recursively, their contained children. Relationships are added later. */
  create(node: PlanNode, count: number, container: ModelInstance | undefined, groups: { name: string; id: string }[]): ModelInstance[] {
    const created: ModelInstance[] = [];
    const childNodes = this.index.model.plan.nodes.filter((n) => n.containedIn === node.name);
    for (let i = 0; i < count; i++) {
      const id = this.uniqueId(node.name);
      const hostId = node.host === node.name ? id : container?.hostId;
      const instance: ModelInstance = {
        id,
        node: node.name,
        ...(container ? { containerId: container.id } : {}),
        ...(hostId !== undefined ? { hostId } : {}),
        scalingGroups: [...groups],
        relationships: [],
        state: InstanceState.uninitialized,
        runtimeProperties: {},
        version: 0,
      };
      this.added.push(instance);
      this.addedById.set(id, instance);
      const sameNode = this.byNode.get(node.name);
      if (sameNode) sameNode.push(instance);
      else this.byNode.set(node.name, [instance]);
      created.push(instance);
      for (const child of childNodes) created.push(...this.create(child, this.perContainer(child), instance, groups));
    }
    return created;
  }

  /** The id of the instance that stands for `scope` around `instance` (its ancestor of that
   * node, or its instance of that scaling group). */
  private scopeId(instance: ModelInstance, scope: NonNullable<Scope>): string | undefined {
    const key = `${instance.id}|${scope.kind}|${scope.name}`;
    if (this.scopeCache.has(key)) return this.scopeCache.get(key);
    let cursor: ModelInstance | undefined = instance;
    let found: string | undefined;
    while (cursor && found === undefined) {
      if (scope.kind === 'node' && cursor.node === scope.name) found = cursor.id;
      if (scope.kind === 'group') found = cursor.scalingGroups.find((g) => g.name === scope.name)?.id;
      cursor = cursor.containerId !== undefined ? this.lookup(cursor.containerId) : undefined;
    }
    this.scopeCache.set(key, found);
    return found;
  }

  private scopeBetween(source: string, target: string): Scope {
    const key = `${source}|${target}`;
    if (!this.sharedScopes.has(key)) this.sharedScopes.set(key, sharedScope(this.index, source, target));
    return this.sharedScopes.get(key);
  }

  /** May `source` connect to `target` (same nearest shared scope)? */
  inScope(source: ModelInstance, target: ModelInstance): boolean {
    const scope = this.scopeBetween(source.node, target.node);
    return !scope || this.scopeId(source, scope) === this.scopeId(target, scope);
  }

  /** Instances of the relationship's target node that `source` may connect to. */
  candidates(source: ModelInstance, declared: PlanRelationship): ModelInstance[] {
    const all = this.byNode.get(declared.target) ?? [];
    const scope = this.scopeBetween(source.node, declared.target);
    if (!scope) return all;
    const mine = this.scopeId(source, scope);
    return all.filter((t) => this.scopeId(t, scope) === mine);
  }

  /** Relationship instances for a new instance. */
  relationshipsOf(source: ModelInstance): PlanRelationshipInstance[] {
    const node = nodeOf(this.index, source);
    const out: PlanRelationshipInstance[] = [];
    node.relationships.forEach((declared, index) => {
      const make = (targetId: string): PlanRelationshipInstance => ({
        index,
        type: declared.type,
        kind: declared.kind,
        targetNode: declared.target,
        targetId,
      });
      if (declared.kind === 'contained_in') {
        if (source.containerId !== undefined) out.push(make(source.containerId));
        return;
      }
      const candidates = this.candidates(source, declared);
      if (declared.connectionType === 'all_to_one') {
        const allowed = new Set(candidates.map((c) => c.id));
        // Reuse the target existing sources of this relationship chose, so all agree.
        const chosen =
          (this.byNode.get(source.node) ?? [])
            .flatMap((s) => s.relationships.filter((r) => r.index === index).map((r) => r.targetId))
            .find((id) => allowed.has(id)) ?? candidates[0]?.id;
        if (chosen !== undefined) out.push(make(chosen));
        return;
      }
      for (const target of candidates) out.push(make(target.id));
    });
    return out;
  }

  /** Finishes a scale-out: relationships of the new instances, then relationships of
   * existing all_to_all sources toward them. */
  finishScaleOut(): ModelModification {
    for (const instance of this.added) instance.relationships = this.relationshipsOf(instance);
    const incomingByTarget = new Map<string, { source: PlanNode; index: number; declared: PlanRelationship }[]>();
    for (const source of this.index.model.plan.nodes) {
      source.relationships.forEach((declared, index) => {
        if (declared.kind === 'contained_in' || declared.connectionType === 'all_to_one') return;
        const list = incomingByTarget.get(declared.target) ?? [];
        list.push({ source, index, declared });
        incomingByTarget.set(declared.target, list);
      });
    }
    const addedRelationships: ModelModification['addedRelationships'] = [];
    const addedIds = new Set(this.added.map((a) => a.id));
    for (const target of this.added) {
      for (const { source, index, declared } of incomingByTarget.get(target.node) ?? []) {
        for (const existing of this.index.instancesByNode.get(source.name) ?? []) {
          if (this.removed.has(existing.id) || addedIds.has(existing.id)) continue;
          if (!this.inScope(existing, target)) continue;
          addedRelationships.push({
            sourceId: existing.id,
            relationship: { index, type: declared.type, kind: declared.kind, targetNode: declared.target, targetId: target.id },
          });
        }
      }
    }
    return { added: this.added, removed: [], addedRelationships, removedRelationships: [] };
  }
}

/** What a scale acts on: a node, or a scaling group. */
export type ScaleEntity = { kind: 'node'; node: PlanNode } | { kind: 'group'; group: string; members: PlanNode[] };

/** Group instance ids in model order. */
export function groupInstanceIds(index: ModelIndex, group: string): string[] {
  const ids = new Set<string>();
  for (const instance of index.model.instances) for (const g of instance.scalingGroups) if (g.name === group) ids.add(g.id);
  return [...ids];
}

/** The group members whose container is not itself in the group (the ones a new group
 * instance replicates; the others come along as their contained children). */
function topMembers(index: ModelIndex, group: string, members: readonly PlanNode[]): PlanNode[] {
  const names = new Set(members.map((m) => m.name));
  return members.filter((m) => !nodeChain(index, m.name).slice(1).some((n) => names.has(n)));
}

/**
 * Units of scaling: for a top-level node one unit with all its instances; for a contained
 * node one unit per container instance; for a group one unit (all its group instances).
 * Each unit's members are the instances a scale-in may pick from.
 */
export interface ScaleUnit {
  /** The container instance for a contained node; undefined otherwise. */
  container?: ModelInstance;
  /** Existing instances (node) or group instance ids (group), model order. */
  members: string[];
}

export function scaleUnits(index: ModelIndex, entity: ScaleEntity): ScaleUnit[] {
  if (entity.kind === 'group') return [{ members: groupInstanceIds(index, entity.group) }];
  const instances = index.instancesByNode.get(entity.node.name) ?? [];
  if (entity.node.containedIn === undefined) return [{ members: instances.map((i) => i.id) }];
  return (index.instancesByNode.get(entity.node.containedIn) ?? []).map((container) => ({
    container,
    members: (index.children.get(container.id) ?? []).filter((c) => c.node === entity.node.name).map((c) => c.id),
  }));
}

/** Adds `delta` instances (or group instances) to every unit of the entity. */
export function planScaleOut(index: ModelIndex, entity: ScaleEntity, delta: number, newId: (name: string) => string = randomInstanceId): ModelModification {
  const modifier = new Modifier(index, newId);
  if (entity.kind === 'node') {
    for (const unit of scaleUnits(index, entity)) modifier.create(entity.node, delta, unit.container, unit.container?.scalingGroups ?? []);
    return modifier.finishScaleOut();
  }
  const existing = groupInstanceIds(index, entity.group);
  const first = existing[0];
  for (const member of topMembers(index, entity.group, entity.members)) {
    if (member.containedIn !== undefined) {
      throw new ModelModificationError(
        `scaling group ${entity.group} has member ${member.name} contained in ${member.containedIn}, which is outside the group; Trellis cannot scale such a group`,
      );
    }
  }
  for (let i = 0; i < delta; i++) {
    const groupId = modifier.uniqueId(entity.group);
    for (const member of topMembers(index, entity.group, entity.members)) {
      const perGroup =
        first === undefined
          ? member.capabilities.scalable.defaultInstances
          : (index.instancesByNode.get(member.name) ?? []).filter((m) => m.scalingGroups.some((g) => g.id === first)).length;
      modifier.create(member, perGroup, undefined, [{ name: entity.group, id: groupId }]);
    }
  }
  return modifier.finishScaleOut();
}

/**
 * Removes the given instances (or group instances) with everything contained in them, and
 * the relationship instances surviving instances have toward them.
 */
export function planScaleIn(index: ModelIndex, entity: ScaleEntity, chosen: readonly string[]): ModelModification {
  const roots: ModelInstance[] =
    entity.kind === 'node'
      ? chosen.map((id) => index.instances.get(id)!)
      : index.model.instances.filter((i) => i.scalingGroups.some((g) => g.name === entity.group && chosen.includes(g.id)));
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
