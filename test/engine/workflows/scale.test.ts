import { describe, expect, it } from 'vitest';
import { applyModification, buildScaleRollback, buildWorkflow, validateGraph, WorkflowParameterError } from '../../../engine/workflows';
import type { DeploymentModel } from '../../../engine/model/deployment-model';
import { buildModel, withState } from './helpers/model';
import { findTask, reachability, simulate, timeline } from './helpers/simulate';

const OPS = ['create', 'start', 'stop', 'delete'];

/** Deterministic id suffixes: new1, new2, ... */
function ids(): () => string {
  let n = 0;
  return () => `new${++n}`;
}

/** A balancer that connects to every web instance and wires it on establish/unlink. */
function balanced(): DeploymentModel {
  return withState(
    buildModel([
      { name: 'web', ops: OPS, instances: 2, min: 1, max: 10 },
      { name: 'lb', ops: OPS, rels: [{ target: 'web', source: ['establish', 'unlink'] }] },
    ]),
    'started',
  );
}

const scale = (model: DeploymentModel, params: Record<string, unknown>) =>
  buildWorkflow('scale', model, params as never, { instanceIdSuffix: ids() });

describe('scale out', () => {
  it('installs the new instances and then establishes existing related instances toward them', () => {
    const build = scale(balanced(), { scalable_entity_name: 'web', delta: 2 });
    validateGraph(build.graph);
    expect(build.modification?.added.map((i) => i.id)).toEqual(['web_new1', 'web_new2']);
    expect(build.modification?.addedRelationships.map((r) => `${r.sourceId}->${r.relationship.targetId}#${r.relationship.index}`)).toEqual([
      'lb_1->web_new1#0',
      'lb_1->web_new2#0',
    ]);
    const run = simulate(build.graph);
    expect(run.ops).toEqual(['web_new1.create', 'web_new2.create', 'web_new1.start', 'web_new2.start', 'lb_1->web_new1.establish.source', 'lb_1->web_new2.establish.source']);
    // The existing balancer is not reinstalled and does not re-establish the old backends.
    expect(timeline(run, 'lb_1').some((l) => l.includes(':'))).toBe(false);
  });

  it('runs the target side of a new source toward an existing target in the new chain', () => {
    const model = withState(
      buildModel([{ name: 'lb', ops: OPS }, { name: 'web', ops: OPS, rels: [{ target: 'lb', target_ops: ['establish'] }] }]),
      'started',
    );
    const build = scale(model, { target: 'web', delta: '+1' });
    expect(build.modification?.added[0]?.relationships).toEqual([{ index: 0, type: 'cloudify.relationships.connected_to', kind: 'connected_to', targetNode: 'lb', targetId: 'lb_1' }]);
    expect(build.modification?.addedRelationships).toEqual([]);
    expect(simulate(build.graph).ops).toEqual(['web_new1.create', 'web_new1.start', 'web_new1->lb_1.establish.target']);
  });

  it('scales the Compute host with its contained instances when scale_compute is set', () => {
    const model = withState(
      buildModel([
        { name: 'vm', compute: true, ops: OPS, max: 3 },
        { name: 'app', containedIn: 'vm', ops: OPS, instances: 2 },
      ]),
      'started',
    );
    const build = scale(model, { scalable_entity_name: 'app', delta: 1, scale_compute: true });
    const added = build.modification!.added;
    expect(added.map((i) => `${i.id}@${i.containerId ?? '-'}/${i.hostId}`)).toEqual(['vm_new1@-/vm_new1', 'app_new2@vm_new1/vm_new1', 'app_new3@vm_new1/vm_new1']);
    expect(added[1]!.relationships.map((r) => `${r.kind}:${r.targetId}`)).toEqual(['contained_in:vm_new1']);
    const reaches = reachability(build.graph);
    expect(reaches(findTask(build.graph, 'vm_new1:started').id, findTask(build.graph, 'app_new2:creating').id)).toBe(true);
    // Without scale_compute, the app scales inside each existing VM.
    const perVm = scale(model, { scalable_entity_name: 'app', delta: 1 });
    expect(perVm.modification!.added.map((i) => `${i.node}@${i.containerId}`)).toEqual(['app@vm_1']);
  });

  it('connects new instances only to targets in the same containing instance', () => {
    const model = withState(
      buildModel([
        { name: 'vm', compute: true, instances: 2 },
        { name: 'cache', containedIn: 'vm' },
        { name: 'app', containedIn: 'vm', rels: [{ target: 'cache', source: ['establish'] }] },
      ]),
      'started',
    );
    const build = scale(model, { scalable_entity_name: 'vm', delta: 1 });
    const app = build.modification!.added.find((i) => i.node === 'app')!;
    const cache = build.modification!.added.find((i) => i.node === 'cache')!;
    expect(app.relationships.map((r) => r.targetId)).toEqual(['vm_new1', cache.id]);
    expect(build.modification!.addedRelationships).toEqual([]);
  });

  it('scales a scaling group: each new group instance brings its members and their children', () => {
    const model = withState(
      buildModel(
        [
          { name: 'db', ops: OPS },
          { name: 'vm', compute: true, ops: OPS },
          { name: 'app', containedIn: 'vm', ops: OPS, rels: [{ target: 'db', source: ['establish'], target_ops: ['establish'] }] },
        ],
        [{ name: 'tier', members: ['vm'], instances: 2, max: 3 }],
      ),
      'started',
    );
    const build = scale(model, { scalable_entity_name: 'tier', delta: 1 });
    const added = build.modification!.added;
    expect(added.map((i) => i.id)).toEqual(['vm_new2', 'app_new3']);
    expect(added.every((i) => i.scalingGroups.length === 1 && i.scalingGroups[0]!.id === 'tier_new1')).toBe(true);
    expect(added[1]!.relationships.map((r) => r.targetId)).toEqual(['vm_new2', 'db_1']);
    expect(simulate(build.graph).ops.filter((o) => o.includes('establish')).sort()).toEqual(['app_new3->db_1.establish.source', 'app_new3->db_1.establish.target']);
    expect(() => scale(model, { scalable_entity_name: 'tier', delta: 2 })).toThrow('scale of tier by +2 would give 4 instances; max_instances is 3');
    expect(() => scale(model, { scalable_entity_name: 'vm', delta: 1 })).toThrow(/member of scaling group tier; scale tier instead/);
  });

  it('carries a rollback graph that unlinks and uninstalls the added instances, ignoring failures', () => {
    const build = scale(balanced(), { scalable_entity_name: 'web', delta: 1 });
    const rollback = build.rollback!;
    validateGraph(rollback);
    const run = simulate(rollback, { fail: () => true });
    expect(run.ops).toEqual(['lb_1->web_new1.unlink.source', 'web_new1.stop', 'web_new1.delete']);
    expect(rollback.tasks.filter((t) => t.kind === 'operation').every((t) => t.ignoreFailure)).toBe(true);
    const ids = new Set(build.graph.tasks.map((t) => t.id));
    expect(rollback.tasks.some((t) => ids.has(t.id))).toBe(false);
    expect(scale(balanced(), { scalable_entity_name: 'web', delta: 1, rollback_if_failed: false }).rollback).toBeUndefined();
  });

  it('builds a rollback from the states at failure time: untouched instances are skipped', () => {
    const model = balanced();
    const build = scale(model, { scalable_entity_name: 'web', delta: 2 });
    const after = applyModification(model, build.modification!);
    after.instances.find((i) => i.id === 'web_new1')!.state = 'started';
    const { graph } = buildScaleRollback(after, build.modification!);
    const run = simulate(graph);
    expect(run.ops).toEqual(['lb_1->web_new1.unlink.source', 'web_new1.stop', 'web_new1.delete']);
    expect(findTask(graph, 'web_new1.stop').ignoreFailure).toBe(true);
    expect(graph.tasks.find((t) => t.instanceId === 'web_new2' && t.kind === 'event')?.message).toMatch(/never installed/);
  });
});

describe('scale in', () => {
  it('unlinks surviving related instances, then uninstalls the newest instance', () => {
    const build = scale(balanced(), { scalable_entity_name: 'web', delta: -1 });
    expect(build.modification).toEqual({ added: [], removed: ['web_2'], addedRelationships: [], removedRelationships: [{ sourceId: 'lb_1', targetId: 'web_2' }] });
    const run = simulate(build.graph);
    expect(run.ops).toEqual(['lb_1->web_2.unlink.source', 'web_2.stop', 'web_2.delete']);
    expect(build.rollback).toBeUndefined();
  });

  it('removes the instances include_instances names (through contained ones) and keeps excluded ones', () => {
    const model = withState(
      buildModel([
        { name: 'vm', compute: true, ops: OPS, instances: 3 },
        { name: 'app', containedIn: 'vm', ops: OPS },
      ]),
      'started',
    );
    const inc = scale(model, { scalable_entity_name: 'vm', delta: -1, include_instances: ['app_1'] });
    expect(inc.modification!.removed).toEqual(['vm_1', 'app_1']);
    expect(simulate(inc.graph).ops).toEqual(['app_1.stop', 'app_1.delete', 'vm_1.stop', 'vm_1.delete']);
    const exc = scale(model, { scalable_entity_name: 'vm', delta: -2, exclude_instances: 'vm_3' });
    expect(exc.modification!.removed.sort()).toEqual(['app_1', 'app_2', 'vm_1', 'vm_2']);
    expect(() => scale(model, { scalable_entity_name: 'vm', delta: -3, exclude_instances: ['vm_3'] })).toThrow(/cannot remove 3 instances: only 2 are not excluded/);
    expect(() => scale(model, { scalable_entity_name: 'vm', delta: -1, include_instances: ['nope_9'] })).toThrow(/include_instances: no node instance nope_9/);
    expect(() => scale(model, { scalable_entity_name: 'vm', delta: 1, include_instances: ['vm_1'] })).toThrow(/only apply to a scale-in/);
  });

  it('removes whole group instances', () => {
    const model = withState(
      buildModel([{ name: 'vm', compute: true, ops: OPS }, { name: 'app', containedIn: 'vm', ops: OPS }], [{ name: 'tier', members: ['vm'], instances: 2 }]),
      'started',
    );
    const build = scale(model, { scalable_entity_name: 'tier', delta: -1, include_instances: 'app_1' });
    expect(build.modification!.removed).toEqual(['vm_1', 'app_1']);
  });
});

describe('scale bounds and parameters', () => {
  it('refuses to go beyond max_instances before building anything', () => {
    expect(() => scale(balanced(), { scalable_entity_name: 'web', delta: 20 })).toThrow(WorkflowParameterError);
    expect(() => scale(balanced(), { scalable_entity_name: 'web', delta: 20 })).toThrow('scale of web by +20 would give 22 instances; max_instances is 10');
  });

  it('refuses to go below min_instances or zero', () => {
    expect(() => scale(balanced(), { scalable_entity_name: 'web', delta: -2 })).toThrow('scale of web by -2 would give 0 instances; min_instances is 1');
    expect(() => scale(balanced(), { scalable_entity_name: 'lb', delta: -2 })).toThrow('scale of lb by -2 would give -1 instances; there are only 1');
  });

  it('checks bounds per container for a contained node', () => {
    const model = buildModel([{ name: 'vm', compute: true, instances: 2 }, { name: 'app', containedIn: 'vm', max: 2 }]);
    expect(() => scale(model, { scalable_entity_name: 'app', delta: 2 })).toThrow('scale of app by +2 would give 3 instances in vm_1; max_instances is 2');
    expect(scale(model, { scalable_entity_name: 'app', delta: 1 }).modification!.added).toHaveLength(2);
  });

  it('explains unknown targets and bad deltas', () => {
    expect(() => scale(balanced(), { scalable_entity_name: 'nope' })).toThrow('no node or scaling group named nope (known: web, lb)');
    expect(() => scale(balanced(), { scalable_entity_name: 'web', delta: 'lots' })).toThrow(`parameter 'delta' of scale must be an integer, got "lots"`);
    expect(() => scale(balanced(), { delta: 1 })).toThrow(/needs scalable_entity_name/);
  });

  it('does nothing for a delta of 0', () => {
    const build = scale(balanced(), { scalable_entity_name: 'web', delta: 0 });
    expect(build.modification).toBeUndefined();
    expect(simulate(build.graph).ops).toEqual([]);
  });
});
