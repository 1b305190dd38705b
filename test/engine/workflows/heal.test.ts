import { describe, expect, it } from 'vitest';
import { buildWorkflow, validateGraph, WorkflowParameterError } from '../../../engine/workflows';
import { buildModel, withState } from './helpers/model';
import { findTask, reachability, simulate } from './helpers/simulate';

const OPS = ['create', 'start', 'stop', 'delete'];

/** A VM with an app on it, a floating IP attached by relationship, a balancer in front. */
function deployment() {
  return withState(
    buildModel([
      { name: 'ip', ops: OPS },
      { name: 'db', ops: OPS },
      {
        name: 'vm',
        compute: true,
        instances: 2,
        ops: [...OPS, 'cloudify.interfaces.validation.check_status'],
        rels: [{ target: 'ip', source: ['establish', 'unlink'], connection: 'all_to_one' }],
      },
      { name: 'app', containedIn: 'vm', ops: OPS, rels: [{ target: 'db', source: ['establish', 'unlink'] }] },
      { name: 'lb', ops: OPS, rels: [{ target: 'app', source: ['establish', 'unlink'] }] },
    ]),
    'started',
  );
}

describe('heal', () => {
  it('reinstalls the failing instance’s host subtree, unlinking and re-establishing outside relations', () => {
    const { graph } = buildWorkflow('heal', deployment(), { node_instance_id: 'app_1' });
    validateGraph(graph);
    const run = simulate(graph);
    expect(run.ops).toEqual([
      'vm_1.check_status',
      'lb_1->app_1.unlink.source',
      'app_1.stop',
      'app_1->db_1.unlink.source',
      'app_1.delete',
      'vm_1.stop',
      'vm_1->ip_1.unlink.source',
      'vm_1.delete',
      'vm_1.create',
      'vm_1.start',
      'vm_1->ip_1.establish.source',
      'app_1.create',
      'app_1.start',
      'app_1->db_1.establish.source',
      'lb_1->app_1.establish.source',
    ]);
    // The other VM and its app are untouched, and the balancer keeps its other backend.
    expect(run.ops.some((o) => o.includes('vm_2') || o.includes('app_2'))).toBe(false);
  });

  it('treats a failing check_status and the uninstall of a broken instance as expected', () => {
    const { graph } = buildWorkflow('heal', deployment(), { node_instance_id: 'vm_2' });
    const run = simulate(graph, { fail: (t) => t.operation?.endsWith('check_status') === true || t.operation?.endsWith('.stop') === true });
    expect(run.ops).toContain('vm_2.create');
    expect(run.ops).toContain('app_2.start');
    const strict = buildWorkflow('heal', deployment(), { node_instance_id: 'vm_2', ignore_failure: false }).graph;
    expect(findTask(strict, 'vm_2.stop').ignoreFailure).toBeUndefined();
    expect(findTask(graph, 'vm_2.stop').ignoreFailure).toBe(true);
    expect(findTask(graph, 'vm_2.create').ignoreFailure).toBeUndefined();
  });

  it('skips check_status when asked', () => {
    const { graph } = buildWorkflow('heal', deployment(), { node_instance_id: 'vm_1', check_status: false });
    expect(graph.tasks.some((t) => t.operation?.endsWith('check_status'))).toBe(false);
  });

  it('runs heal operations instead of reinstalling when every subtree instance has one', () => {
    const model = withState(
      buildModel([
        { name: 'vm', compute: true, ops: [...OPS, 'heal'] },
        { name: 'app', containedIn: 'vm', ops: [...OPS, 'heal'] },
      ]),
      'started',
    );
    const { graph } = buildWorkflow('heal', model, { node_instance_id: 'app_1' });
    expect(simulate(graph).ops).toEqual(['vm_1.heal', 'app_1.heal']);
    expect(reachability(graph)(findTask(graph, 'vm_1.heal').id, findTask(graph, 'app_1.heal').id)).toBe(true);
  });

  it('refuses an unknown instance before doing anything', () => {
    expect(() => buildWorkflow('heal', deployment(), { node_instance_id: 'web_zzz' })).toThrow(WorkflowParameterError);
    expect(() => buildWorkflow('heal', deployment(), { node_instance_id: 'web_zzz' })).toThrow(/no node instance web_zzz in deployment dep/);
    expect(() => buildWorkflow('heal', deployment(), {})).toThrow(/needs node_instance_id/);
  });
});
