/**
 * Phase 6 — plan: the evaluated model turned into the Plan (plan-model.ts): plain,
 * JSON-serialisable data with operations bound to implementations, a topological order of
 * the nodes, the initial node-instance expansion (instances.ts) and a source map from
 * document paths to ranges for every element the designer marks.
 *
 * Reports no problems: everything it relies on was checked by the earlier phases.
 */
import type {
  Plan,
  PlanInput,
  PlanNode,
  PlanOperation,
  PlanOperations,
  PlanRelationship,
  SourceMap,
  Value,
} from './plan-model';
import { childPath, locateSpan } from './read';
import type { SourceDoc } from './read';
import type { ImportedBlueprint } from './imports';
import type { Model, NodeModel, OpModel } from './templates';
import { sharedRecords } from './templates';
import { expandInstances } from './instances';
import type { ExpandOptions } from './instances';

/** Builds the plan from a model that has no errors. */
export function buildPlan(bp: ImportedBlueprint, model: Model, options: ExpandOptions): Plan {
  const sources: SourceMap = {};
  const sharedOps = new Map<OpModel, Partial<Record<PlanOperation['executor'], PlanOperation>>>();
  const mark = (doc: SourceDoc, path: string): void => {
    const range = locateSpan(doc, path);
    if (range) sources[path] = { file: doc.file, range };
  };
  // Cloudify: an operation runs where its plugin's executor says (scripts on the host),
  // but a node without a host has nowhere else to run than the central agent.
  const executorOf = (op: OpModel, host: string | undefined): PlanOperation['executor'] => {
    let executor: PlanOperation['executor'] = 'central_deployment_agent';
    if (op.executor === 'host_agent' || op.executor === 'central_deployment_agent') executor = op.executor;
    else if (op.binding.kind === 'plugin') executor = model.plugins.get(op.binding.plugin)?.executor ?? 'central_deployment_agent';
    else if (op.binding.kind === 'script') executor = model.plugins.get('script')?.executor ?? 'host_agent';
    return host === undefined ? 'central_deployment_agent' : executor;
  };
  // Records shared by every template of a type give one plan record per host/no host.
  const sharedPlanRecords = new Map<Record<string, OpModel>, { withHost?: [PlanOperations, string[]]; noHost?: [PlanOperations, string[]] }>();
  const operations = (ops: Record<string, OpModel>, host: string | undefined, usedPlugins?: Set<string>): PlanOperations => {
    if (sharedRecords.has(ops)) {
      const entry = sharedPlanRecords.get(ops) ?? {};
      sharedPlanRecords.set(ops, entry);
      const slot = host === undefined ? 'noHost' : 'withHost';
      let cached = entry[slot];
      if (!cached) {
        const used = new Set<string>();
        cached = [buildOperations(ops, host, used), [...used]];
        entry[slot] = cached;
      }
      for (const p of cached[1]) usedPlugins?.add(p);
      return cached[0];
    }
    return buildOperations(ops, host, usedPlugins);
  };
  const buildOperations = (ops: Record<string, OpModel>, host: string | undefined, usedPlugins?: Set<string>): PlanOperations => {
    const out: PlanOperations = {};
    for (const [k, op] of Object.entries(ops)) {
      const executor = executorOf(op, host);
      if (op.shared) {
        // One plan object per shared operation and executor (the plan is read-only data).
        const cached = sharedOps.get(op)?.[executor];
        if (cached) {
          out[k] = cached;
          if (cached.plugin !== undefined) usedPlugins?.add(cached.plugin);
          else if (cached.kind === 'script') usedPlugins?.add('script');
          continue;
        }
      }
      const p: PlanOperation = {
        interface: op.interface,
        name: op.name,
        kind: op.binding.kind,
        implementation: op.implementation ?? '',
        inputs: op.inputs as Record<string, Value>,
        executor,
      };
      if (op.binding.kind === 'plugin') {
        p.plugin = op.binding.plugin;
        p.operation = op.binding.operation;
        usedPlugins?.add(op.binding.plugin);
      } else if (op.binding.kind === 'script') {
        p.scriptPath = op.binding.scriptPath;
        usedPlugins?.add('script');
      }
      if (typeof op.maxRetries === 'number') p.maxRetries = op.maxRetries;
      if (typeof op.retryInterval === 'number') p.retryInterval = op.retryInterval;
      if (typeof op.timeout === 'number') p.timeout = op.timeout;
      out[k] = p;
      if (op.shared) {
        const byExecutor = sharedOps.get(op) ?? {};
        byExecutor[executor] = p;
        sharedOps.set(op, byExecutor);
      } else if (op.doc.library === 'blueprint') mark(op.doc, op.path);
    }
    return out;
  };

  const nodes: PlanNode[] = model.nodes.map((n) => {
    mark(n.doc, n.path);
    const ppath = childPath(n.path, 'properties');
    for (const k of Object.keys(n.rawProperties)) mark(n.doc, childPath(ppath, k));
    const plugins = new Set<string>();
    const relationships: PlanRelationship[] = n.relationships.map((r) => {
      mark(r.doc, r.path);
      return {
        type: r.typeName,
        typeHierarchy: r.type?.hierarchy ?? [r.typeName],
        kind: r.kind,
        target: r.target,
        connectionType: r.connectionType ?? 'all_to_all',
        properties: (r.properties ?? {}) as Record<string, Value>,
        sourceOperations: operations(r.sourceOps, n.host, plugins),
        targetOperations: operations(r.targetOps, model.nodesByName.get(r.target)?.host),
      };
    });
    const node: PlanNode = {
      name: n.name,
      type: n.typeName,
      typeHierarchy: n.type?.hierarchy ?? [n.typeName],
      properties: (n.properties ?? {}) as Record<string, Value>,
      operations: operations(n.operations, n.host, plugins),
      relationships,
      capabilities: { scalable: n.scalable ?? { defaultInstances: 1, minInstances: 0, maxInstances: -1 } },
      plugins: [],
    };
    if (n.containedIn !== undefined) node.containedIn = n.containedIn;
    if (n.host !== undefined) node.host = n.host;
    node.plugins = [...plugins].sort();
    return node;
  });

  const inputs: Record<string, PlanInput> = {};
  for (const i of model.inputs.values()) {
    mark(i.doc, i.path);
    const input: PlanInput = { ...i.schema, name: i.name };
    if (i.value !== undefined) input.value = i.value as Value;
    inputs[i.name] = input;
  }
  const plugins: Plan['plugins'] = {};
  for (const [name, p] of model.plugins) {
    const { doc: _doc, path: _path, ...decl } = p;
    plugins[name] = decl;
  }
  const groups: Plan['groups'] = {};
  for (const g of model.groups.values()) {
    mark(g.doc, g.path);
    groups[g.name] = {
      name: g.name,
      members: g.members,
      policies: Object.fromEntries(
        Object.entries(g.policies).map(([k, p]) => [k, { type: p.type, properties: p.rawProperties as Record<string, Value> }]),
      ),
    };
  }
  const scalingGroups: Plan['scalingGroups'] = {};
  for (const g of model.scalingGroups.values()) {
    scalingGroups[g.name] = {
      name: g.name,
      members: g.members,
      properties: g.properties ?? { defaultInstances: 1, minInstances: 0, maxInstances: -1 },
    };
  }
  const policies: Plan['policies'] = model.policies.map((p) => {
    mark(p.doc, p.path);
    return { name: p.name, type: p.typeName, targets: p.targets, properties: (p.properties ?? {}) as Record<string, Value> };
  });
  const workflows: Plan['workflows'] = {};
  for (const w of model.workflows.values()) {
    if (w.doc.library === 'blueprint') mark(w.doc, w.path);
    workflows[w.name] = {
      name: w.name,
      mapping: w.mapping,
      parameters: w.parameters,
      ...(w.plugin !== undefined ? { plugin: w.plugin } : {}),
      ...(w.isCascading !== undefined ? { isCascading: w.isCascading } : {}),
    };
  }
  const values = (list: Model['outputs']): Plan['outputs'] => {
    const out: Plan['outputs'] = {};
    for (const v of list) {
      mark(v.doc, v.path);
      out[v.name] = { value: (v.value ?? null) as Value, ...(v.description !== undefined ? { description: v.description } : {}) };
    }
    return out;
  };

  const plan: Plan = {
    dslVersion: model.version,
    mainFile: bp.main.file,
    files: bp.files.map((f) => f.file),
    inputs,
    plugins,
    nodes,
    order: topologicalOrder(model.nodes),
    groups,
    scalingGroups,
    policies,
    workflows,
    outputs: values(model.outputs),
    capabilities: values(model.capabilities),
    instances: [],
    sources,
  };
  if (model.description !== undefined) plan.description = model.description;
  if (model.acyclic) plan.instances = expandInstances(plan, options);
  return plan;
}

/** Node names, targets before sources, declaration order among independent nodes. */
export function topologicalOrder(nodes: readonly NodeModel[]): string[] {
  const names = new Set(nodes.map((n) => n.name));
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) {
    let count = 0;
    for (const r of n.relationships) {
      if (!names.has(r.target) || r.target === n.name) continue;
      count++;
      const list = dependents.get(r.target) ?? [];
      list.push(n.name);
      dependents.set(r.target, list);
    }
    pending.set(n.name, count);
  }
  // A min-heap on declaration index would give the strictly smallest-first order; a FIFO
  // queue seeded in declaration order is linear and already stable enough for humans.
  const order: string[] = nodes.filter((n) => pending.get(n.name) === 0).map((n) => n.name);
  for (let i = 0; i < order.length; i++) {
    for (const d of dependents.get(order[i] as string) ?? []) {
      const left = (pending.get(d) ?? 0) - 1;
      pending.set(d, left);
      if (left === 0) order.push(d);
    }
  }
  return order;
}
