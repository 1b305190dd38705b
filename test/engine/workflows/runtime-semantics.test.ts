/**
 * The workflow graphs run by the real executor (engine/runtime) against the recording test
 * plugin: what the plugin sees, with real timestamps, is what DESIGN.md §3 promises.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentModel } from '../../../engine/model/deployment-model';
import { buildWorkflow } from '../../../engine/workflows';
import { Harness } from '../runtime/fixtures';
import { createRecordingPlugin, type RecordedCall } from '../../support/recording-plugin';
import { buildModel, withState } from './helpers/model';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const OPS = ['create', 'start', 'stop', 'delete'];

function balanced(state = 'uninitialized'): DeploymentModel {
  return withState(
    buildModel([
      { name: 'web', ops: OPS, instances: 2, max: 5 },
      { name: 'lb', ops: OPS, rels: [{ target: 'web', source: ['establish', 'unlink'] }] },
    ]),
    state,
  );
}

const label = (c: RecordedCall): string =>
  c.relationship ? `${c.relationship.sourceId}->${c.relationship.targetId}.${c.operation.split('.').pop()}` : `${c.instanceId}.${c.operation.split('.').pop()}`;
const find = (calls: RecordedCall[], l: string): RecordedCall => {
  const found = calls.find((c) => label(c) === l);
  if (!found) throw new Error(`no call ${l} in ${calls.map(label).join(', ')}`);
  return found;
};
const overlap = (a: RecordedCall, b: RecordedCall): boolean => a.startedAt < b.endedAt! && b.startedAt < a.endedAt!;
const after = (later: RecordedCall, earlier: RecordedCall): boolean => later.startedAt >= earlier.endedAt!;

describe('workflows run by the executor', () => {
  it('install: independent instances overlap, the balancer waits for its backends and wires them in parallel', async () => {
    const model = balanced();
    h = new Harness(model.plan, model.instances);
    const rec = createRecordingPlugin({ rules: [{ operation: 'create', sleepMs: 40 }, { operation: 'establish', sleepMs: 40 }] });
    const outcome = await h.executor(buildWorkflow('install', model).graph, [rec.plugin]).run();
    expect(outcome.status).toBe('succeeded');
    const calls = rec.calls;
    expect(overlap(find(calls, 'web_1.create'), find(calls, 'web_2.create'))).toBe(true);
    for (const web of ['web_1', 'web_2']) expect(after(find(calls, 'lb_1.create'), find(calls, `${web}.start`))).toBe(true);
    expect(after(find(calls, 'lb_1->web_1.establish'), find(calls, 'lb_1.start'))).toBe(true);
    expect(overlap(find(calls, 'lb_1->web_1.establish'), find(calls, 'lb_1->web_2.establish'))).toBe(true);
    expect(h.store.listInstances('d1').map((i) => i.state)).toEqual(['started', 'started', 'started']);
  });

  it('scale out establishes the new backend with the existing balancer; scale in unlinks it first', async () => {
    const model = balanced('started');
    h = new Harness(model.plan, model.instances);
    const rec = createRecordingPlugin();
    const out = buildWorkflow('scale', model, { scalable_entity_name: 'web', delta: 1 }, { instanceIdSuffix: () => 'new001' });
    h.store.insertInstances('d1', out.modification!.added);
    for (const r of out.modification!.addedRelationships) h.store.addRelationship('d1', r.sourceId, r.relationship);
    expect((await h.executor(out.graph, [rec.plugin]).run()).status).toBe('succeeded');
    expect(rec.labels()).toEqual(['web_new001.create', 'web_new001.start', 'lb_1->web_new001.establish.source']);

    rec.reset();
    const scaled: DeploymentModel = { ...model, instances: h.store.listInstances('d1') };
    const inn = buildWorkflow('scale', scaled, { scalable_entity_name: 'web', delta: -1 });
    expect(inn.modification!.removed).toEqual(['web_new001']);
    expect((await h.executor(inn.graph, [rec.plugin]).run()).status).toBe('succeeded');
    expect(rec.labels()).toEqual(['lb_1->web_new001.unlink.source', 'web_new001.stop', 'web_new001.delete']);
  });

  it('a failed scale-out leaves the rollback graph to unlink and remove what was added', async () => {
    const model = balanced('started');
    h = new Harness(model.plan, model.instances);
    const rec = createRecordingPlugin({ rules: [{ instanceId: 'web_bad001', operation: 'start', failTimes: 1, failWith: 'nonrecoverable' }] });
    const out = buildWorkflow('scale', model, { scalable_entity_name: 'web', delta: 1 }, { instanceIdSuffix: () => 'bad001' });
    h.store.insertInstances('d1', out.modification!.added);
    for (const r of out.modification!.addedRelationships) h.store.addRelationship('d1', r.sourceId, r.relationship);
    expect((await h.executor(out.graph, [rec.plugin]).run()).status).toBe('failed');
    expect(rec.labels()).toEqual(['web_bad001.create']);
    rec.reset();
    expect((await h.executor(out.rollback!, [rec.plugin]).run()).status).toBe('succeeded');
    expect(rec.labels()).toEqual(['lb_1->web_bad001.unlink.source', 'web_bad001.stop', 'web_bad001.delete']);
  });
});
