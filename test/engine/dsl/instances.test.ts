import { describe, expect, it } from 'vitest';
import { createInstancesFor, expandInstances, removeInstancesFor } from '../../../engine/dsl/instances';
import type { Plan, PlanNodeInstance } from '../../../engine/dsl/plan-model';
import { HEAD, compileText, counter } from './dsl-test-kit';

function planOf(text: string): Plan {
  const r = compileText(`${HEAD}${text}`);
  expect(r.problems).toEqual([]);
  return r.plan!;
}

function count(instances: readonly PlanNodeInstance[], node: string): number {
  return instances.filter((i) => i.node === node).length;
}

const rel = (type: string, target: string, extra = ''): string =>
  `      - { type: cloudify.relationships.${type}, target: ${target}${extra} }\n`;
const node = (name: string, type: string, instances?: number, rels = ''): string =>
  `  ${name}:\n    type: cloudify.nodes.${type}\n` +
  (instances === undefined ? '' : `    capabilities:\n      scalable:\n        properties: { default_instances: ${instances} }\n`) +
  (rels ? `    relationships:\n${rels}` : '');

describe('instance expansion', () => {
  it('multiplies instances through contained_in', () => {
    const plan = planOf(`node_templates:
${node('vm', 'Compute', 3)}${node('app', 'Root', 2, rel('contained_in', 'vm'))}${node('mod', 'Root', 2, rel('contained_in', 'app'))}`);
    expect(count(plan.instances, 'vm')).toBe(3);
    expect(count(plan.instances, 'app')).toBe(6);
    expect(count(plan.instances, 'mod')).toBe(12);
    const byId = new Map(plan.instances.map((i) => [i.id, i]));
    for (const m of plan.instances.filter((i) => i.node === 'mod')) {
      const app = byId.get(m.containerId!)!;
      expect(app.node).toBe('app');
      expect(m.hostId).toBe(app.containerId);
      expect(m.relationships).toEqual([{ index: 0, type: 'cloudify.relationships.contained_in', kind: 'contained_in', targetNode: 'app', targetId: app.id }]);
    }
  });

  it('gives every instance a unique <node>_<6 chars> id, deterministic with a suffix generator', () => {
    const plan = planOf(`node_templates:\n${node('vm', 'Compute', 40)}`);
    const ids = plan.instances.map((i) => i.id);
    expect(new Set(ids).size).toBe(40);
    for (const id of ids) expect(id).toMatch(/^vm_[a-z0-9]{6}$/);
    expect(ids[0]).toBe('vm_000001');
    // Random ids by default, still well-formed and unique.
    const random = expandInstances(plan);
    expect(new Set(random.map((i) => i.id)).size).toBe(40);
    for (const i of random) expect(i.id).toMatch(/^vm_[a-z0-9]{6}$/);
    // A generator that repeats itself cannot produce duplicates.
    const stuck = expandInstances(plan, { instanceIdSuffix: () => 'aaaaaa' });
    expect(new Set(stuck.map((i) => i.id)).size).toBe(40);
  });

  it('multiplies scaling group members by the group count, per container and through nested groups', () => {
    const plan = planOf(`node_templates:
${node('vm', 'Compute', 2)}${node('ip', 'Root', 1, rel('connected_to', 'vm'))}${node('app', 'Root', 1, rel('contained_in', 'vm'))}${node('side', 'Root', 2, rel('contained_in', 'vm'))}${node('lb', 'Root')}
groups:
  pair: { members: [vm, ip] }
  outer: { members: [pair, lb] }
  sides: { members: [side] }
policies:
  p1: { type: cloudify.policies.scaling, targets: [pair], properties: { default_instances: 2 } }
  p2: { type: cloudify.policies.scaling, targets: [outer], properties: { default_instances: 3 } }
  p3: { type: cloudify.policies.scaling, targets: [sides], properties: { default_instances: 2 } }
`);
    // outer x3 -> pair x2 -> vm x2: 12 vms; ip once per pair instance: 6; lb once per outer: 3.
    expect(count(plan.instances, 'vm')).toBe(12);
    expect(count(plan.instances, 'ip')).toBe(6);
    expect(count(plan.instances, 'lb')).toBe(3);
    expect(count(plan.instances, 'app')).toBe(12);
    // sides hangs under each vm: 2 group instances x 2 sides per vm.
    expect(count(plan.instances, 'side')).toBe(48);
    const ip = plan.instances.find((i) => i.node === 'ip')!;
    expect(ip.scalingGroups.map((g) => g.name)).toEqual(['outer', 'pair']);
    // ip connects only to the vms of its own pair instance.
    const pairId = ip.scalingGroups[1]!.id;
    const targets = ip.relationships.map((r) => plan.instances.find((i) => i.id === r.targetId)!);
    expect(targets).toHaveLength(2);
    for (const t of targets) expect(t.scalingGroups.map((g) => g.id)).toContain(pairId);
    expect(plan.scalingGroups.pair!.properties).toEqual({ defaultInstances: 2, minInstances: 0, maxInstances: -1 });
  });

  it('connects all_to_all to every target instance and all_to_one to a single one', () => {
    const plan = planOf(`node_templates:
${node('db', 'Root', 3)}${node('a', 'Root', 2, rel('connected_to', 'db'))}${node('b', 'Root', 2, rel('connected_to', 'db', ', properties: { connection_type: all_to_one }'))}`);
    for (const a of plan.instances.filter((i) => i.node === 'a')) expect(a.relationships).toHaveLength(3);
    const bTargets = plan.instances.filter((i) => i.node === 'b').map((b) => b.relationships.map((r) => r.targetId));
    expect(bTargets[0]).toHaveLength(1);
    expect(bTargets[1]).toEqual(bTargets[0]);
    expect(plan.nodes.find((n) => n.name === 'b')!.relationships[0]!.connectionType).toBe('all_to_one');
  });

  it('connects nodes on the same host to their local instances only', () => {
    const plan = planOf(`node_templates:
${node('vm', 'Compute', 2)}${node('cache', 'Root', 1, rel('contained_in', 'vm'))}${node('app', 'Root', 1, rel('contained_in', 'vm') + rel('connected_to', 'cache'))}`);
    for (const app of plan.instances.filter((i) => i.node === 'app')) {
      const cacheRel = app.relationships.find((r) => r.targetNode === 'cache')!;
      const cache = plan.instances.find((i) => i.id === cacheRel.targetId)!;
      expect(cache.containerId).toBe(app.containerId);
      expect(app.relationships).toHaveLength(2);
    }
  });
});

describe('scaling helpers', () => {
  const text = `node_templates:
${node('vm', 'Compute', 2)}${node('app', 'Root', 1, rel('contained_in', 'vm'))}${node('lb', 'Root', 1, rel('connected_to', 'app'))}`;

  it('adds instances of a contained node per container instance, wired to existing ones', () => {
    const plan = planOf(text);
    const { added, addedRelationships } = createInstancesFor(plan, plan.instances, 'app', 1, { instanceIdSuffix: counter() });
    expect(added.map((i) => i.node)).toEqual(['app', 'app']);
    expect(new Set(added.map((i) => i.containerId))).toEqual(new Set(plan.instances.filter((i) => i.node === 'vm').map((i) => i.id)));
    for (const a of added) {
      expect(plan.instances.some((i) => i.id === a.id)).toBe(false);
      expect(a.relationships).toEqual([{ index: 0, type: 'cloudify.relationships.contained_in', kind: 'contained_in', targetNode: 'vm', targetId: a.containerId }]);
    }
    const lb = plan.instances.find((i) => i.node === 'lb')!;
    expect(addedRelationships.map((r) => [r.sourceId, r.relationship.targetId])).toEqual(added.map((a) => [lb.id, a.id]));
  });

  it('adds a host with everything contained in it', () => {
    const plan = planOf(text);
    const { added, addedRelationships } = createInstancesFor(plan, plan.instances, 'vm', 2);
    expect(added.map((i) => i.node).sort()).toEqual(['app', 'app', 'vm', 'vm']);
    for (const app of added.filter((i) => i.node === 'app')) {
      expect(added.find((v) => v.id === app.containerId)?.node).toBe('vm');
      expect(app.hostId).toBe(app.containerId);
    }
    expect(addedRelationships).toHaveLength(2);
  });

  it('adds scaling group instances with their members', () => {
    const plan = planOf(`node_templates:
${node('vm', 'Compute')}${node('ip', 'Root', 1, rel('connected_to', 'vm'))}
groups:
  g: { members: [vm, ip] }
policies:
  p: { type: cloudify.policies.scaling, targets: [g] }
`);
    const { added } = createInstancesFor(plan, plan.instances, 'g', 2);
    expect(added.map((i) => i.node).sort()).toEqual(['ip', 'ip', 'vm', 'vm']);
    const groupIds = new Set(added.map((i) => i.scalingGroups[0]!.id));
    expect(groupIds.size).toBe(2);
    for (const ip of added.filter((i) => i.node === 'ip')) {
      const vm = added.find((i) => i.id === ip.relationships[0]!.targetId)!;
      expect(vm.scalingGroups).toEqual(ip.scalingGroups);
    }
  });

  it('removes instances with what they contain and the relationships toward them', () => {
    const plan = planOf(text);
    const vm = plan.instances.find((i) => i.node === 'vm')!;
    const { removed, removedRelationships } = removeInstancesFor(plan, plan.instances, 'vm', 1, [vm.id]);
    const app = plan.instances.find((i) => i.containerId === vm.id)!;
    expect(removed.sort()).toEqual([app.id, vm.id].sort());
    const lb = plan.instances.find((i) => i.node === 'lb')!;
    expect(removedRelationships).toEqual([{ sourceId: lb.id, targetId: app.id }]);
  });
});

describe('scaling in groups', () => {
  it('removes group instances per parent instance, with their members and contained instances', () => {
    const plan = planOf(`node_templates:
${node('vm', 'Compute', 2)}${node('app', 'Root', 1, rel('contained_in', 'vm'))}${node('side', 'Root', 1, rel('contained_in', 'vm'))}
groups:
  g: { members: [app, side] }
policies:
  p: { type: cloudify.policies.scaling, targets: [g], properties: { default_instances: 3 } }
`);
    expect(count(plan.instances, 'app')).toBe(6);
    const { removed } = removeInstancesFor(plan, plan.instances, 'g', 1);
    // One group instance (an app and a side) under each of the two vms.
    const removedInstances = plan.instances.filter((i) => removed.includes(i.id));
    expect(removedInstances.map((i) => i.node).sort()).toEqual(['app', 'app', 'side', 'side']);
    expect(new Set(removedInstances.map((i) => i.containerId)).size).toBe(2);
    expect(new Set(removedInstances.map((i) => i.scalingGroups[0]!.id)).size).toBe(2);
    // A preferred instance picks its own group instance.
    const side = plan.instances.find((i) => i.node === 'side')!;
    const preferred = removeInstancesFor(plan, plan.instances, 'g', 1, [side.id]);
    expect(preferred.removed).toContain(side.id);
    const partner = plan.instances.find((i) => i.node === 'app' && i.scalingGroups[0]!.id === side.scalingGroups[0]!.id)!;
    expect(preferred.removed).toContain(partner.id);
  });
});
