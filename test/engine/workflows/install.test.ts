import { describe, expect, it } from 'vitest';
import { buildWorkflow, describeGraph, validateGraph, WorkflowParameterError } from '../../../engine/workflows';
import { buildModel } from './helpers/model';
import { findTask, reachability, simulate, timeline } from './helpers/simulate';

const ALL_OPS = ['precreate', 'create', 'configure', 'start', 'poststart', 'prestop', 'stop', 'delete', 'postdelete'];
const ALL_REL_OPS = ['preconfigure', 'postconfigure', 'establish', 'unlink'];

describe('install', () => {
  it('runs one instance through the lifecycle in Cloudify order, relationship steps in between', () => {
    const model = buildModel([
      { name: 'db', ops: ALL_OPS },
      { name: 'app', ops: ALL_OPS, rels: [{ target: 'db', source: ALL_REL_OPS, target_ops: ALL_REL_OPS }] },
    ]);
    const { graph } = buildWorkflow('install', model, {});
    validateGraph(graph);
    const run = simulate(graph);
    expect(timeline(run, 'app_1').filter((l) => !l.includes('.target'))).toEqual([
      'app_1:creating',
      'app_1.precreate',
      'app_1.create',
      'app_1:created',
      'app_1->db_1.preconfigure.source',
      'app_1:configuring',
      'app_1.configure',
      'app_1:configured',
      'app_1->db_1.postconfigure.source',
      'app_1:starting',
      'app_1.start',
      'app_1.poststart',
      'app_1:started',
      'app_1->db_1.establish.source',
    ]);
  });

  it('starts a source instance only after the whole chain of its target finished', () => {
    const model = buildModel([
      { name: 'db', ops: ['create', 'start'], rels: [] },
      { name: 'app', ops: ['create', 'start'], rels: [{ target: 'db', kind: 'depends_on', source: ['establish'] }] },
    ]);
    const { graph } = buildWorkflow('install', model);
    const reaches = reachability(graph);
    expect(reaches(findTask(graph, 'db_1:started').id, findTask(graph, 'app_1:creating').id)).toBe(true);
    const run = simulate(graph);
    expect(run.start.get(findTask(graph, 'app_1.create').id)).toBeGreaterThanOrEqual(run.end.get(findTask(graph, 'db_1.start').id)!);
  });

  it('runs relationship operations on both sides, in parallel for the instances of one target node', () => {
    const model = buildModel([
      { name: 'db', instances: 3 },
      { name: 'app', rels: [{ target: 'db', source: ['preconfigure'], target_ops: ['preconfigure'] }] },
    ]);
    const { graph } = buildWorkflow('install', model);
    const reaches = reachability(graph);
    const pre = ['db_1', 'db_2', 'db_3'].flatMap((t) => [`app_1->${t}.preconfigure.source`, `app_1->${t}.preconfigure.target`]);
    const ids = pre.map((l) => findTask(graph, l).id);
    for (const a of ids) for (const b of ids) if (a !== b) expect(reaches(a, b)).toBe(false);
    const run = simulate(graph);
    expect(new Set(ids.map((id) => run.start.get(id))).size).toBe(1);
  });

  it('runs relationship groups one target node after the other, in declaration order', () => {
    const model = buildModel([
      { name: 'net', instances: 2 },
      { name: 'db' },
      {
        name: 'app',
        rels: [
          { target: 'db', source: ['establish'] },
          { target: 'net', source: ['establish'] },
        ],
      },
    ]);
    const { graph } = buildWorkflow('install', model);
    const run = simulate(graph);
    expect(run.ops).toEqual(['app_1->db_1.establish.source', 'app_1->net_1.establish.source', 'app_1->net_2.establish.source']);
    const reaches = reachability(graph);
    expect(reaches(findTask(graph, 'app_1->db_1.establish.source').id, findTask(graph, 'app_1->net_2.establish.source').id)).toBe(true);
    expect(reaches(findTask(graph, 'app_1->net_1.establish.source').id, findTask(graph, 'app_1->net_2.establish.source').id)).toBe(false);
  });

  it('runs instances with no dependency path between them in parallel', () => {
    const model = buildModel([
      { name: 'vm', compute: true, ops: ['create', 'start'], instances: 2 },
      { name: 'app', containedIn: 'vm', ops: ['create', 'start'] },
      { name: 'other', ops: ['create'] },
    ]);
    const { graph } = buildWorkflow('install', model);
    const reaches = reachability(graph);
    const vm1 = findTask(graph, 'vm_1.create').id;
    const vm2 = findTask(graph, 'vm_2.create').id;
    const other = findTask(graph, 'other_1.create').id;
    for (const [a, b] of [[vm1, vm2], [vm1, other], [vm2, other]] as const) {
      expect(reaches(a, b)).toBe(false);
      expect(reaches(b, a)).toBe(false);
    }
    // The app on vm_1 waits only for vm_1.
    expect(reaches(findTask(graph, 'vm_1.start').id, findTask(graph, 'app_1.create').id)).toBe(true);
    expect(reaches(findTask(graph, 'vm_2.start').id, findTask(graph, 'app_1.create').id)).toBe(false);
    const run = simulate(graph);
    expect(run.makespan).toBe(4); // vm create, start, app create, start: both hosts at once
  });

  it('skips operations a type does not implement with one event per gap, and still sets states', () => {
    const model = buildModel([{ name: 'thing', ops: ['~create', 'start'] }]);
    const { graph } = buildWorkflow('install', model);
    const events = graph.tasks.filter((t) => t.kind === 'event').map((t) => t.message);
    expect(events).toEqual([
      'skipped precreate, create: not implemented by test.nodes.App',
      'skipped configure: not implemented by test.nodes.App',
      'skipped poststart: not implemented by test.nodes.App',
    ]);
    expect(simulate(graph).ops).toEqual(['thing_1.start']);
    expect(graph.tasks.filter((t) => t.kind === 'state').map((t) => t.state)).toEqual([
      'creating',
      'created',
      'configuring',
      'configured',
      'starting',
      'started',
    ]);
  });

  it('gives the same task ids when the graph is built again', () => {
    const model = buildModel([{ name: 'db', ops: ['create'] }, { name: 'app', ops: ['create'], rels: [{ target: 'db', source: ['establish'] }] }]);
    const a = buildWorkflow('install', model).graph.tasks.map((t) => t.id);
    const b = buildWorkflow('install', structuredClone(model)).graph.tasks.map((t) => t.id);
    expect(a).toEqual(b);
    expect(a).toContain('install:app_1:op:cloudify.interfaces.lifecycle.create');
  });

  it('lists tasks in an order where dependencies come first', () => {
    const model = buildModel([
      { name: 'app', ops: ['create'], rels: [{ target: 'db', source: ['establish'] }] },
      { name: 'db', ops: ['create'] },
    ]);
    const { graph } = buildWorkflow('install', model);
    const seen = new Set<string>();
    for (const task of graph.tasks) {
      for (const dep of task.dependsOn) expect(seen.has(dep), `${task.id} after ${dep}`).toBe(true);
      seen.add(task.id);
    }
  });

  it('refuses parameters it does not know', () => {
    const model = buildModel([{ name: 'a' }]);
    expect(() => buildWorkflow('install', model, { delta: 2 })).toThrow(WorkflowParameterError);
    expect(() => buildWorkflow('install', model, { delta: 2 })).toThrow(/unknown parameter 'delta' for workflow install/);
    expect(() => buildWorkflow('deploy_everything', model)).toThrow(/unknown workflow deploy_everything/);
  });

  it('uses the built-in builder for a blueprint workflow mapped to a standard one', () => {
    const model = buildModel([{ name: 'a', ops: ['create'] }]);
    model.plan.workflows.my_install = { name: 'my_install', mapping: 'default_workflows.cloudify.plugins.workflows.install', parameters: {} };
    const { graph } = buildWorkflow('my_install', model);
    expect(graph.workflow).toBe('my_install');
    expect(simulate(graph).ops).toEqual(['a_1.create']);
  });

  it('describes the graph for a dry run with parallel steps sharing a number', () => {
    const model = buildModel([{ name: 'a', ops: ['create'], instances: 2 }]);
    const text = describeGraph(buildWorkflow('install', model).graph);
    expect(text).toMatch(/^install: 2 operations, 12 state changes, 6 events over 2 node instances/);
    const createLines = text.split('\n').filter((l) => l.includes('lifecycle.create'));
    expect(createLines).toHaveLength(2);
    expect(createLines[0]!.trim().split(/\s+/)[0]).toBe(createLines[1]!.trim().split(/\s+/)[0]);
  });
});
