/**
 * Hand-built deployment models for workflow tests: a compact node spec becomes a Plan and
 * its instance expansion, with readable ids (`web_1`, `web_2`, ...). The expansion here is
 * deliberately naive (all_to_all connects to every target instance, all_to_one to the
 * first) and independent of the engine's own code.
 */
import type { Plan, PlanNode, PlanNodeInstance, PlanOperations, PlanRelationship } from '../../../../engine/dsl/plan-model';
import type { DeploymentModel, ModelInstance } from '../../../../engine/model/deployment-model';

export interface RelSpec {
  target: string;
  kind?: 'connected_to' | 'depends_on' | 'contained_in';
  /** Implemented source-side relationship operations (short names); `~name` = declared without implementation. */
  source?: string[];
  target_ops?: string[];
  connection?: 'all_to_all' | 'all_to_one';
}

export interface NodeSpec {
  name: string;
  type?: string;
  /** Implemented lifecycle operations (short names, or `iface.op` full names); `~name` = declared, no implementation. */
  ops?: string[];
  /** Instances per container (or in total for top-level nodes). */
  instances?: number;
  min?: number;
  max?: number;
  containedIn?: string;
  compute?: boolean;
  rels?: RelSpec[];
  /** Initial state of every instance (default uninitialized). */
  state?: string;
}

export interface GroupSpec {
  name: string;
  members: string[];
  instances?: number;
  min?: number;
  max?: number;
}

function operations(names: readonly string[], iface: string): PlanOperations {
  const out: PlanOperations = {};
  for (const raw of names) {
    const declaredOnly = raw.startsWith('~');
    const name = declaredOnly ? raw.slice(1) : raw;
    const full = name.includes('.') ? name : `${iface}.${name}`;
    const dot = full.lastIndexOf('.');
    out[full] = {
      interface: full.slice(0, dot),
      name: full.slice(dot + 1),
      kind: declaredOnly ? 'none' : 'plugin',
      implementation: declaredOnly ? '' : `recording.record`,
      ...(declaredOnly ? {} : { plugin: 'recording', operation: 'record' }),
      inputs: {},
      executor: 'central_deployment_agent',
    };
  }
  return out;
}

const LIFECYCLE = 'cloudify.interfaces.lifecycle';
const REL = 'cloudify.interfaces.relationship_lifecycle';

/** Builds a model; instances get ids `<node>_<n>` in expansion order. */
export function buildModel(nodes: NodeSpec[], groups: GroupSpec[] = []): DeploymentModel {
  const planNodes: PlanNode[] = nodes.map((spec) => {
    const relationships: PlanRelationship[] = [];
    if (spec.containedIn) {
      relationships.push(relationship({ target: spec.containedIn, kind: 'contained_in' }));
    }
    for (const rel of spec.rels ?? []) relationships.push(relationship(rel));
    const isCompute = spec.compute ?? false;
    return {
      name: spec.name,
      type: spec.type ?? (isCompute ? 'cloudify.nodes.Compute' : 'test.nodes.App'),
      typeHierarchy: isCompute ? ['cloudify.nodes.Compute', 'cloudify.nodes.Root'] : [spec.type ?? 'test.nodes.App', 'cloudify.nodes.Root'],
      properties: {},
      operations: operations(spec.ops ?? [], LIFECYCLE),
      relationships,
      ...(spec.containedIn ? { containedIn: spec.containedIn } : {}),
      capabilities: {
        scalable: { defaultInstances: spec.instances ?? 1, minInstances: spec.min ?? 0, maxInstances: spec.max ?? -1 },
      },
      plugins: ['recording'],
    };
  });
  // host: nearest compute ancestor (or self).
  const byName = new Map(planNodes.map((n) => [n.name, n]));
  const specOf = new Map(nodes.map((n) => [n.name, n]));
  for (const node of planNodes) {
    let cursor: PlanNode | undefined = node;
    while (cursor && !specOf.get(cursor.name)?.compute) cursor = cursor.containedIn ? byName.get(cursor.containedIn) : undefined;
    if (cursor) node.host = cursor.name;
  }

  const counters = new Map<string, number>();
  const nextId = (node: string): string => {
    const n = (counters.get(node) ?? 0) + 1;
    counters.set(node, n);
    return `${node}_${n}`;
  };
  const instances: ModelInstance[] = [];
  const byNode = new Map<string, ModelInstance[]>();
  const groupOf = new Map<string, GroupSpec>();
  for (const g of groups) for (const m of g.members) groupOf.set(m, g);
  const groupIds = new Map<string, string[]>();
  for (const g of groups) groupIds.set(g.name, Array.from({ length: g.instances ?? 1 }, (_, i) => `${g.name}_${i + 1}`));

  // Nodes must be listed containers first.
  for (const spec of nodes) {
    const node = byName.get(spec.name)!;
    const make = (container: ModelInstance | undefined, scalingGroups: { name: string; id: string }[]): void => {
      for (let i = 0; i < (spec.instances ?? 1); i++) {
        const id = nextId(spec.name);
        const hostId = spec.compute ? id : container?.hostId;
        const instance: ModelInstance = {
          id,
          node: spec.name,
          ...(container ? { containerId: container.id } : {}),
          ...(hostId ? { hostId } : {}),
          scalingGroups,
          relationships: [],
          state: spec.state ?? 'uninitialized',
          runtimeProperties: {},
          version: 1,
        };
        instances.push(instance);
        byNode.set(spec.name, [...(byNode.get(spec.name) ?? []), instance]);
      }
    };
    const group = groupOf.get(spec.name);
    if (spec.containedIn) {
      for (const container of byNode.get(spec.containedIn) ?? []) make(container, container.scalingGroups);
    } else if (group) {
      for (const gid of groupIds.get(group.name)!) make(undefined, [{ name: group.name, id: gid }]);
    } else {
      make(undefined, []);
    }
    void node;
  }
  for (const instance of instances) {
    const node = byName.get(instance.node)!;
    node.relationships.forEach((rel, index) => {
      const targets =
        rel.kind === 'contained_in'
          ? [instance.containerId!]
          : rel.connectionType === 'all_to_one'
            ? [byNode.get(rel.target)![0]!.id]
            : byNode.get(rel.target)!.map((t) => t.id);
      for (const targetId of targets) {
        instance.relationships.push({ index, type: rel.type, kind: rel.kind, targetNode: rel.target, targetId });
      }
    });
  }
  const plan: Plan = {
    dslVersion: 'cloudify_dsl_1_5',
    mainFile: '/virtual/blueprint.yaml',
    files: ['/virtual/blueprint.yaml'],
    inputs: {},
    plugins: {},
    nodes: planNodes,
    order: [],
    groups: Object.fromEntries(groups.map((g) => [g.name, { name: g.name, members: g.members, policies: {} }])),
    scalingGroups: Object.fromEntries(
      groups.map((g) => [
        g.name,
        { name: g.name, members: g.members, properties: { defaultInstances: g.instances ?? 1, minInstances: g.min ?? 0, maxInstances: g.max ?? -1 } },
      ]),
    ),
    policies: [],
    workflows: {},
    outputs: {},
    capabilities: {},
    instances: instances.map(({ id, node, containerId, hostId, scalingGroups, relationships }): PlanNodeInstance => ({
      id,
      node,
      ...(containerId ? { containerId } : {}),
      ...(hostId ? { hostId } : {}),
      scalingGroups,
      relationships,
    })),
    sources: {},
  };
  return { deploymentId: 'dep', plan, instances };
}

function relationship(spec: RelSpec): PlanRelationship {
  const kind = spec.kind ?? 'connected_to';
  return {
    type: `cloudify.relationships.${kind}`,
    typeHierarchy: [`cloudify.relationships.${kind}`, 'cloudify.relationships.depends_on'],
    kind,
    target: spec.target,
    connectionType: spec.connection ?? 'all_to_all',
    properties: {},
    sourceOperations: operations(spec.source ?? [], REL),
    targetOperations: operations(spec.target_ops ?? [], REL),
  };
}

/** Sets every instance's state (e.g. to `started` before an uninstall). */
export function withState(model: DeploymentModel, state: string): DeploymentModel {
  return { ...model, instances: model.instances.map((i) => ({ ...i, state })) };
}
