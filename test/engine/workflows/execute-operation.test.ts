import { describe, expect, it } from 'vitest';
import { buildWorkflow, validateGraph } from '../../../engine/workflows';
import { buildModel, withState } from './helpers/model';
import { findTask, reachability, simulate } from './helpers/simulate';

function model() {
  const m = withState(
    buildModel([
      { name: 'db', type: 'test.nodes.Database', ops: ['create', 'start', 'stop', 'custom.backup'] },
      { name: 'proxy', ops: ['start', 'stop'], rels: [{ target: 'db' }] },
      { name: 'web', ops: ['create', 'start', 'stop', 'custom.backup'], instances: 2, rels: [{ target: 'proxy' }] },
    ]),
    'started',
  );
  m.plan.nodes.find((n) => n.name === 'web')!.operations['custom.backup']!.inputs = { target: '/tmp' };
  return m;
}

describe('execute_operation', () => {
  it('runs the operation on every instance that declares it, in parallel, with the given inputs', () => {
    const { graph } = buildWorkflow('execute_operation', model(), { operation: 'custom.backup', operation_kwargs: { level: 9 } });
    validateGraph(graph);
    const run = simulate(graph);
    expect(run.ops).toEqual(['db_1.backup', 'web_1.backup', 'web_2.backup']);
    expect(new Set(run.ran.filter((t) => t.kind === 'operation').map((t) => run.start.get(t.id))).size).toBe(1);
    expect(findTask(graph, 'web_1.backup').inputs).toEqual({ level: 9 });
    expect(graph.tasks.find((t) => t.instanceId === 'proxy_1' && t.kind === 'event')?.message).toBe('skipped custom.backup: not declared by node proxy');
  });

  it('filters by node, instance and type; the filters combine', () => {
    const ops = (params: Record<string, unknown>) => simulate(buildWorkflow('execute_operation', model(), { operation: 'custom.backup', ...params }).graph).ops;
    expect(ops({ node_ids: ['web'] })).toEqual(['web_1.backup', 'web_2.backup']);
    expect(ops({ node_instance_ids: 'web_2' })).toEqual(['web_2.backup']);
    expect(ops({ type_names: ['test.nodes.Database'] })).toEqual(['db_1.backup']);
    expect(ops({ type_names: ['test.nodes.Database'], node_ids: ['web'] })).toEqual([]);
  });

  it('runs in dependency order through instances that were filtered out', () => {
    const { graph } = buildWorkflow('execute_operation', model(), { operation: 'custom.backup', run_by_dependency_order: true });
    const reaches = reachability(graph);
    expect(reaches(findTask(graph, 'db_1.backup').id, findTask(graph, 'web_1.backup').id)).toBe(true);
    expect(reaches(findTask(graph, 'web_1.backup').id, findTask(graph, 'web_2.backup').id)).toBe(false);
  });

  it('accepts a short operation name when it is unique on the node', () => {
    expect(simulate(buildWorkflow('execute_operation', model(), { operation: 'backup', node_ids: ['db'] }).graph).ops).toEqual(['db_1.backup']);
  });

  it('refuses to override declared inputs unless allowed', () => {
    const params = { operation: 'custom.backup', operation_kwargs: { target: '/elsewhere' } };
    expect(() => buildWorkflow('execute_operation', model(), params)).toThrow(/operation_kwargs target would override inputs custom.backup declares on node web; set allow_kwargs_override/);
    const { graph } = buildWorkflow('execute_operation', model(), { ...params, allow_kwargs_override: true });
    expect(findTask(graph, 'web_1.backup').inputs).toEqual({ target: '/elsewhere' });
  });

  it('explains unknown operations, nodes and instances', () => {
    expect(() => buildWorkflow('execute_operation', model(), { operation: 'custom.nope' })).toThrow(/operation custom.nope is not declared by any selected node/);
    expect(() => buildWorkflow('execute_operation', model(), { operation: 'custom.backup', node_ids: ['nosuch'] })).toThrow('node_ids: no node named nosuch in this deployment');
    expect(() => buildWorkflow('execute_operation', model(), { operation: 'custom.backup', node_instance_ids: ['web_9'] })).toThrow('node_instance_ids: no node instance web_9 in this deployment');
    expect(() => buildWorkflow('execute_operation', model(), {})).toThrow(/needs operation/);
  });
});

describe('start, stop and restart', () => {
  it('stops sources before targets and starts targets before sources', () => {
    const run = simulate(buildWorkflow('restart', model(), {}).graph);
    expect(run.ops.slice(0, 2).sort()).toEqual(['web_1.stop', 'web_2.stop']);
    expect(run.ops.slice(2)).toEqual(['proxy_1.stop', 'db_1.stop', 'db_1.start', 'proxy_1.start', 'web_1.start', 'web_2.start']);
    const stop = simulate(buildWorkflow('stop', model(), { node_ids: ['db'] }).graph);
    expect(stop.ops).toEqual(['db_1.stop']);
    expect(stop.ran.filter((t) => t.kind === 'state').map((t) => t.state)).toEqual(['stopping', 'stopped']);
  });
});
