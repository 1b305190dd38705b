import { describe, expect, it } from 'vitest';
import { buildWorkflow, validateGraph } from '../../../engine/workflows';
import { buildModel, withState } from './helpers/model';
import { findTask, reachability, simulate, timeline } from './helpers/simulate';

const ALL_OPS = ['precreate', 'create', 'configure', 'start', 'poststart', 'prestop', 'stop', 'delete', 'postdelete'];

describe('uninstall', () => {
  it('stops, unlinks and deletes each instance in Cloudify order', () => {
    const model = withState(
      buildModel([{ name: 'db', ops: ALL_OPS }, { name: 'app', ops: ALL_OPS, rels: [{ target: 'db', source: ['unlink'], target_ops: ['unlink'] }] }]),
      'started',
    );
    const { graph } = buildWorkflow('uninstall', model);
    validateGraph(graph);
    const run = simulate(graph);
    expect(timeline(run, 'app_1')).toEqual([
      'app_1:stopping',
      'app_1.prestop',
      'app_1.stop',
      'app_1:stopped',
      'app_1->db_1.unlink.source',
      'app_1->db_1.unlink.target',
      'app_1:deleting',
      'app_1.delete',
      'app_1.postdelete',
      'app_1:deleted',
    ]);
    expect(graph.tasks.some((t) => t.ignoreFailure)).toBe(false);
  });

  it('tears a target down only after everything depending on it is gone', () => {
    const model = withState(
      buildModel([
        { name: 'vm', compute: true, ops: ALL_OPS },
        { name: 'db', containedIn: 'vm', ops: ALL_OPS },
        { name: 'app', ops: ALL_OPS, instances: 2, rels: [{ target: 'db', kind: 'depends_on' }] },
      ]),
      'started',
    );
    const { graph } = buildWorkflow('uninstall', model);
    const run = simulate(graph);
    const dbStop = run.start.get(findTask(graph, 'db_1:stopping').id)!;
    for (const app of ['app_1', 'app_2']) expect(run.end.get(findTask(graph, `${app}:deleted`).id)).toBeLessThanOrEqual(dbStop);
    expect(run.end.get(findTask(graph, 'db_1.postdelete').id)).toBeLessThanOrEqual(run.start.get(findTask(graph, 'vm_1.prestop').id)!);
    const reaches = reachability(graph);
    expect(reaches(findTask(graph, 'app_1.stop').id, findTask(graph, 'app_2.stop').id)).toBe(false);
  });

  it('runs unlink groups in reverse declaration order', () => {
    const model = withState(
      buildModel([
        { name: 'db' },
        { name: 'net' },
        { name: 'app', rels: [{ target: 'db', source: ['unlink'] }, { target: 'net', source: ['unlink'] }] },
      ]),
      'started',
    );
    expect(simulate(buildWorkflow('uninstall', model).graph).ops).toEqual(['app_1->net_1.unlink.source', 'app_1->db_1.unlink.source']);
  });

  it('skips the operations of instances that were never installed or are already deleted', () => {
    const base = buildModel([{ name: 'a', ops: ALL_OPS, instances: 3 }]);
    base.instances[0]!.state = 'started';
    base.instances[1]!.state = 'uninitialized';
    base.instances[2]!.state = 'deleted';
    const { graph } = buildWorkflow('uninstall', base);
    expect(simulate(graph).ops).toEqual(['a_1.prestop', 'a_1.stop', 'a_1.delete', 'a_1.postdelete']);
    expect(graph.tasks.filter((t) => t.kind === 'event').map((t) => `${t.instanceId}: ${t.message}`).sort()).toEqual([
      'a_2: never installed; nothing to uninstall',
      'a_3: already deleted; nothing to uninstall',
    ]);
    expect(graph.tasks.find((t) => t.instanceId === 'a_2' && t.kind === 'state')?.state).toBe('deleted');
  });

  it('makes stop best effort for an instance whose install stopped before starting', () => {
    const model = buildModel([{ name: 'a', ops: ALL_OPS, state: 'configured' }]);
    const { graph } = buildWorkflow('uninstall', model);
    expect(findTask(graph, 'a_1.stop').ignoreFailure).toBe(true);
    expect(findTask(graph, 'a_1.delete').ignoreFailure).toBeUndefined();
    const run = simulate(graph, { fail: (t) => t.operation === 'cloudify.interfaces.lifecycle.stop' });
    expect(run.ops).toContain('a_1.delete');
  });

  it('ignores every failure when ignore_failure is set', () => {
    const model = withState(buildModel([{ name: 'a', ops: ALL_OPS }]), 'started');
    const { graph } = buildWorkflow('uninstall', model, { ignore_failure: 'true' });
    const run = simulate(graph, { fail: () => true });
    expect(run.ops).toEqual(['a_1.prestop', 'a_1.stop', 'a_1.delete', 'a_1.postdelete']);
    expect(() => buildWorkflow('uninstall', model, { ignore_failure: 'maybe' })).toThrow(/must be true or false/);
  });

  it('stops at a failed operation: nothing after it in the chain or depending on it runs', () => {
    const model = withState(buildModel([{ name: 'db', ops: ALL_OPS }, { name: 'app', ops: ALL_OPS, rels: [{ target: 'db' }] }]), 'started');
    const run = simulate(buildWorkflow('uninstall', model).graph, { fail: (t) => t.instanceId === 'app_1' && t.operation?.endsWith('.delete') === true });
    expect(run.ops).toEqual(['app_1.prestop', 'app_1.stop', 'app_1.delete']);
  });
});
