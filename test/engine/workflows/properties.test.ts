/**
 * Property tests over random DAG-shaped blueprints: the graphs are acyclic, every chain
 * waits exactly for the chains it depends on (and nothing else), in both directions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeploymentModel } from '../../../engine/model/deployment-model';
import { buildWorkflow, validateGraph } from '../../../engine/workflows';
import type { TaskGraph } from '../../../engine/workflows/task-graph';
import type { NodeSpec } from './helpers/model';
import { buildModel, withState } from './helpers/model';

const LIFECYCLE = ['precreate', 'create', 'configure', 'start', 'poststart', 'prestop', 'stop', 'delete', 'postdelete'];
const REL_OPS = ['preconfigure', 'postconfigure', 'establish', 'unlink'];

/** Random blueprints: node i may relate only to nodes before it, so the node graph is a DAG. */
const blueprints = fc
  .integer({ min: 1, max: 7 })
  .chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          instances: fc.integer({ min: 1, max: 3 }),
          ops: fc.subarray(LIFECYCLE),
          container: i > 0 ? fc.option(fc.integer({ min: 0, max: i - 1 }), { nil: undefined }) : fc.constant(undefined),
          rels: fc.uniqueArray(
            fc.record({
              target: fc.integer({ min: 0, max: Math.max(0, i - 1) }),
              kind: fc.constantFrom('connected_to' as const, 'depends_on' as const),
              connection: fc.constantFrom('all_to_all' as const, 'all_to_one' as const),
              source: fc.subarray(REL_OPS),
              target_ops: fc.subarray(REL_OPS),
            }),
            { maxLength: i > 0 ? 3 : 0, selector: (r) => r.target },
          ),
        }),
      ),
    ),
  )
  .map((specs) =>
    buildModel(
      specs.map(
        (s, i): NodeSpec => ({
          name: `n${i}`,
          instances: s.instances,
          ops: s.ops,
          compute: s.container === undefined,
          ...(s.container !== undefined ? { containedIn: `n${s.container}` } : {}),
          rels: s.rels.map((r) => ({ ...r, target: `n${r.target}` })),
        }),
      ),
    ),
  );

/** Reachability between chain boundaries, from a reverse-topological sweep over bitsets. */
function chainReach(graph: TaskGraph, phase: string, ids: string[]): (from: string, to: string) => boolean {
  const byId = new Map(graph.tasks.map((t) => [t.id, t]));
  const begins = new Map(ids.map((id, i) => [`${phase}:${id}:begin`, i]));
  // ancestors[task] = set of instance indexes whose begin precedes it.
  const memo = new Map<string, Set<number>>();
  const ancestors = (taskId: string): Set<number> => {
    const cached = memo.get(taskId);
    if (cached) return cached;
    const out = new Set<number>();
    const own = begins.get(taskId);
    if (own !== undefined) out.add(own);
    for (const dep of byId.get(taskId)!.dependsOn) for (const a of ancestors(dep)) out.add(a);
    memo.set(taskId, out);
    return out;
  };
  // "from's chain end precedes to's chain begin": from's begin is an ancestor of to's begin,
  // and (chains being sequences) that is only possible through from's end.
  return (from, to) => ancestors(`${phase}:${to}:begin`).has(ids.indexOf(from));
}

/** Instance-level transitive dependencies (source depends on target). */
function dependsOn(model: DeploymentModel): (source: string, target: string) => boolean {
  const direct = new Map(model.instances.map((i) => [i.id, i.relationships.map((r) => r.targetId)]));
  const memo = new Map<string, Set<string>>();
  const all = (id: string): Set<string> => {
    const cached = memo.get(id);
    if (cached) return cached;
    const out = new Set<string>();
    for (const t of direct.get(id) ?? []) {
      out.add(t);
      for (const x of all(t)) out.add(x);
    }
    memo.set(id, out);
    return out;
  };
  return (s, t) => all(s).has(t);
}

describe('workflow graphs of random blueprints', () => {
  it('install: acyclic, and a chain waits for exactly the chains it depends on', () => {
    fc.assert(
      fc.property(blueprints, (model) => {
        const { graph } = buildWorkflow('install', model);
        validateGraph(graph);
        const ids = model.instances.map((i) => i.id);
        const reach = chainReach(graph, 'install', ids);
        const dep = dependsOn(model);
        for (const a of ids) for (const b of ids) if (a !== b) expect(reach(a, b), `${a} before ${b}`).toBe(dep(b, a));
      }),
      { numRuns: 120 },
    );
  });

  it('uninstall: acyclic, and a target is torn down after exactly its dependents', () => {
    fc.assert(
      fc.property(blueprints, (base) => {
        const model = withState(base, 'started');
        const { graph } = buildWorkflow('uninstall', model);
        validateGraph(graph);
        const ids = model.instances.map((i) => i.id);
        const reach = chainReach(graph, 'uninstall', ids);
        const dep = dependsOn(model);
        for (const a of ids) for (const b of ids) if (a !== b) expect(reach(a, b), `${a} before ${b}`).toBe(dep(a, b));
      }),
      { numRuns: 120 },
    );
  });

  it('scale-out of any node keeps the graph acyclic and installs new targets before new sources', () => {
    fc.assert(
      fc.property(blueprints, fc.nat(), fc.integer({ min: 1, max: 2 }), (base, pick, delta) => {
        const model = withState(base, 'started');
        const node = model.plan.nodes[pick % model.plan.nodes.length]!;
        let n = 0;
        const build = buildWorkflow('scale', model, { scalable_entity_name: node.name, delta }, { instanceIdSuffix: () => `x${++n}` });
        validateGraph(build.graph);
        validateGraph(build.rollback!);
        const added = build.modification!.added;
        const ids = [...added.map((a) => a.id), ...new Set(build.modification!.addedRelationships.map((r) => r.sourceId))];
        const reach = chainReach(build.graph, 'scale-out', ids);
        const addedIds = new Set(added.map((a) => a.id));
        for (const a of added) for (const r of a.relationships) if (addedIds.has(r.targetId)) expect(reach(r.targetId, a.id)).toBe(true);
        for (const r of build.modification!.addedRelationships) expect(reach(r.relationship.targetId, r.sourceId)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });
});

describe('heal and execute_operation graphs of random blueprints', () => {
  it('heal of any instance reinstalls exactly its host subtree, acyclic', () => {
    fc.assert(
      fc.property(blueprints, fc.nat(), (base, pick) => {
        const model = withState(base, 'started');
        const failing = model.instances[pick % model.instances.length]!;
        const { graph } = buildWorkflow('heal', model, { node_instance_id: failing.id });
        validateGraph(graph);
        const root = model.instances.find((i) => i.id === (failing.hostId ?? failing.id))!;
        const subtree = new Set([root.id]);
        for (const i of model.instances) if (i.containerId !== undefined && subtree.has(i.containerId)) subtree.add(i.id);
        const reinstalled = new Set(graph.tasks.filter((t) => t.kind === 'state' && t.state === 'creating').map((t) => t.instanceId));
        expect(reinstalled).toEqual(subtree);
      }),
      { numRuns: 80 },
    );
  });

  it('execute_operation in dependency order is acyclic for any node filter', () => {
    fc.assert(
      fc.property(blueprints, fc.nat(), (base, pick) => {
        const node = base.plan.nodes[pick % base.plan.nodes.length]!;
        const op = Object.keys(node.operations)[0];
        if (op === undefined) return;
        validateGraph(buildWorkflow('execute_operation', base, { operation: op, node_ids: [node.name], run_by_dependency_order: true }).graph);
      }),
      { numRuns: 80 },
    );
  });
});

describe('builder cost', () => {
  it('builds install and uninstall for 10,000 instances with a graph linear in their size', () => {
    const model = withState(
      buildModel([
        { name: 'db', ops: ['create', 'start', 'stop', 'delete'] },
        { name: 'host', compute: true, instances: 5000, ops: ['create', 'start', 'stop', 'delete'] },
        { name: 'app', containedIn: 'host', ops: ['create', 'configure', 'start', 'stop', 'delete'], rels: [{ target: 'db', source: ['establish', 'unlink'] }] },
      ]),
      'started',
    );
    const t0 = performance.now();
    const install = buildWorkflow('install', model).graph;
    const t1 = performance.now();
    const uninstall = buildWorkflow('uninstall', model).graph;
    const t2 = performance.now();
    const scale = buildWorkflow('scale', model, { scalable_entity_name: 'host', delta: 100 }).graph;
    const t3 = performance.now();
    const edges = (g: TaskGraph) => g.tasks.reduce((sum, t) => sum + t.dependsOn.length, 0);
    console.log(
      `[workflow builder] ${model.instances.length} instances: install ${install.tasks.length} tasks/${edges(install)} edges in ${(t1 - t0).toFixed(0)} ms, ` +
        `uninstall ${uninstall.tasks.length} tasks in ${(t2 - t1).toFixed(0)} ms, scale +100 hosts ${scale.tasks.length} tasks in ${(t3 - t2).toFixed(0)} ms`,
    );
    expect(install.tasks.length).toBeLessThan(20 * model.instances.length);
    expect(edges(install)).toBeLessThan(2 * install.tasks.length);
  });
});
