/**
 * Read-only lookups over a DeploymentModel, built once in O(instances + relationships) so
 * that workflow builders stay linear for 10,000-instance deployments.
 */
import type { PlanNode, PlanOperation, PlanRelationship, PlanRelationshipInstance } from '../dsl/plan-model';
import type { DeploymentModel, ModelInstance } from './deployment-model';

/** A relationship instance seen from its target: who points at it, through which relationship. */
export interface IncomingRelationship {
  source: ModelInstance;
  relationship: PlanRelationshipInstance;
}

export interface ModelIndex {
  model: DeploymentModel;
  nodes: ReadonlyMap<string, PlanNode>;
  instances: ReadonlyMap<string, ModelInstance>;
  /** Instances of each node, in model order. */
  instancesByNode: ReadonlyMap<string, ModelInstance[]>;
  /** Instances directly contained in each instance (by container id). */
  children: ReadonlyMap<string, ModelInstance[]>;
  /** Relationship instances pointing at each instance (by target id). */
  incoming: ReadonlyMap<string, IncomingRelationship[]>;
  /** Position of each node in a topological order of all relationships (targets first). */
  nodeRank: ReadonlyMap<string, number>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Topological order of the nodes over every relationship (targets first), stable with
 * respect to declaration order. Computed here rather than trusting `plan.order` so that
 * hand-made plans (tests, tools) work too. A cycle is a compiler bug, hence a throw.
 */
export function nodeOrder(nodes: readonly PlanNode[]): string[] {
  const known = new Set(nodes.map((n) => n.name));
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    const targets = new Set(node.relationships.map((r) => r.target).filter((t) => known.has(t) && t !== node.name));
    pending.set(node.name, targets.size);
    for (const target of targets) push(dependents, target, node.name);
  }
  const order: string[] = [];
  const ready = nodes.filter((n) => pending.get(n.name) === 0).map((n) => n.name);
  // Process in declaration order among the ready ones: a simple queue keeps it stable enough.
  for (let i = 0; i < ready.length; i++) {
    const name = ready[i]!;
    order.push(name);
    for (const dependent of dependents.get(name) ?? []) {
      const left = (pending.get(dependent) ?? 0) - 1;
      pending.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (order.length !== nodes.length) {
    const stuck = nodes.filter((n) => !order.includes(n.name)).map((n) => n.name);
    throw new Error(`relationship cycle between nodes ${stuck.join(', ')}`);
  }
  return order;
}

/** Builds the lookups for a model. */
export function indexModel(model: DeploymentModel): ModelIndex {
  const nodes = new Map(model.plan.nodes.map((n) => [n.name, n] as const));
  const instances = new Map<string, ModelInstance>();
  const instancesByNode = new Map<string, ModelInstance[]>();
  const children = new Map<string, ModelInstance[]>();
  const incoming = new Map<string, IncomingRelationship[]>();
  for (const instance of model.instances) {
    instances.set(instance.id, instance);
    push(instancesByNode, instance.node, instance);
    if (instance.containerId !== undefined) push(children, instance.containerId, instance);
    for (const relationship of instance.relationships) push(incoming, relationship.targetId, { source: instance, relationship });
  }
  const nodeRank = new Map(nodeOrder(model.plan.nodes).map((name, i) => [name, i] as const));
  return { model, nodes, instances, instancesByNode, children, incoming, nodeRank };
}

/** The node of an instance; a missing node is a broken model (programmer error). */
export function nodeOf(index: ModelIndex, instance: ModelInstance): PlanNode {
  const node = index.nodes.get(instance.node);
  if (!node) throw new Error(`instance ${instance.id} refers to unknown node ${instance.node}`);
  return node;
}

/** The node-level relationship a relationship instance comes from. */
export function relationshipOf(
  index: ModelIndex,
  source: ModelInstance,
  relationship: PlanRelationshipInstance,
): PlanRelationship {
  const declared = nodeOf(index, source).relationships[relationship.index];
  if (!declared) throw new Error(`instance ${source.id} has relationship #${relationship.index} its node does not declare`);
  return declared;
}

/** True when the operation exists and has an implementation (kind plugin or script). */
export function isImplemented(operation: PlanOperation | undefined): operation is PlanOperation {
  return operation !== undefined && operation.kind !== 'none';
}

/** The instance and every instance contained in it, recursively (container before contents). */
export function containedSubtree(index: ModelIndex, root: ModelInstance): ModelInstance[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(index.children.get(out[i]!.id) ?? []));
  return out;
}

/** Sorts instances so every relationship target comes before its sources (stable). */
export function byDependencyOrder(index: ModelIndex, instances: readonly ModelInstance[]): ModelInstance[] {
  return [...instances].sort((a, b) => (index.nodeRank.get(a.node) ?? 0) - (index.nodeRank.get(b.node) ?? 0));
}
