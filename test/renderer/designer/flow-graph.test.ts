import { describe, expect, it } from 'vitest';
import { boxInset, buildFlowGraph, hostsOf, nodeSize, type FlowInput } from '../../../renderer/designer/flow-graph';
import { projectWhole } from '../../../renderer/designer/projection';
import type { BlueprintModel } from '../../../renderer/designer/model';

const text = `node_templates:
  vm:
    type: cloudify.nodes.Compute
  app:
    type: cloudify.nodes.WebServer
    relationships:
      - { type: cloudify.relationships.contained_in, target: vm }
      - { type: cloudify.relationships.connected_to, target: db }
      - { type: my.uses, target: db }
  db_vm:
    type: cloudify.nodes.Compute
  db:
    type: cloudify.nodes.DBMS
    relationships:
      - { type: my.hosted_on, target: db_vm }
`;

function model(source: string): BlueprintModel {
  const r = projectWhole(source);
  if (!r.ok) throw new Error('expected a model');
  return r.model;
}

/** The catalog says my.hosted_on derives from contained_in and my.uses from depends_on. */
const kindOf: FlowInput['kindOf'] = (t) =>
  t.endsWith('contained_in') || t === 'my.hosted_on' ? 'contained_in' : t.endsWith('connected_to') ? 'connected_to' : 'depends_on';

const input = (m: BlueprintModel, positions: FlowInput['positions'] = {}): FlowInput => ({
  model: m,
  kindOf,
  iconOf: () => 'component',
  positions,
  problems: new Map([['db', { severity: 'error', count: 2 }]]),
  selected: new Set(['app']),
});

describe('the canvas graph of a blueprint', () => {
  it('draws containment, including derived relationship types, as nesting with parents first', () => {
    const g = buildFlowGraph(input(model(text)));
    expect(g.nodes.map((n) => [n.id, n.parentId])).toEqual([
      ['vm', undefined],
      ['app', 'vm'],
      ['db_vm', undefined],
      ['db', 'db_vm'],
    ]);
    expect(g.nodes.find((n) => n.id === 'vm')!.data.isHost).toBe(true);
    expect(g.nodes.find((n) => n.id === 'app')!.selected).toBe(true);
    expect(g.nodes.find((n) => n.id === 'db')!.data.problems).toEqual({ severity: 'error', count: 2 });
  });

  it('draws connected_to and depends_on kinds as differently styled, labelled edges', () => {
    const g = buildFlowGraph(input(model(text)));
    expect(g.edges.map((e) => [e.source, e.target, e.label, e.className])).toEqual([
      ['app', 'db', 'connected_to', 'rel rel-connected_to'],
      ['app', 'db', 'uses', 'rel rel-depends_on'],
    ]);
  });

  it('grows a host box to fit its children at their saved positions', () => {
    const g = buildFlowGraph(input(model(text), { app: { x: 300, y: 200 } }));
    const vm = g.nodes.find((n) => n.id === 'vm')!;
    expect(vm.width).toBe(300 + nodeSize.width + boxInset.pad);
    expect(vm.height).toBe(200 + nodeSize.height + boxInset.pad);
    expect(g.nodes.find((n) => n.id === 'app')!.position).toEqual({ x: 300, y: 200 });
    // Every node is pre-sized with handles, so React Flow need not measure it.
    for (const n of g.nodes) expect(n.width && n.height && n.handles?.length).toBeTruthy();
  });

  it('cuts a containment cycle instead of hanging', () => {
    const cyclic = `node_templates:
  a: { type: t, relationships: [{ type: cloudify.relationships.contained_in, target: b }] }
  b: { type: t, relationships: [{ type: cloudify.relationships.contained_in, target: a }] }
`;
    // The cycle is cut: at most one of the two is nested in the other.
    const hosts = hostsOf(model(cyclic), kindOf);
    expect(hosts.size).toBe(1);
    expect(buildFlowGraph(input(model(cyclic))).nodes).toHaveLength(2);
  });

  it('ignores relationships to templates that do not exist (the problems list reports them)', () => {
    const g = buildFlowGraph(input(model('node_templates:\n  a:\n    type: t\n    relationships: [{ type: cloudify.relationships.connected_to, target: ghost }]\n')));
    expect(g.edges).toEqual([]);
  });
});
