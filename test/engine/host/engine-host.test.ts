import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { DryRunTask, ExecutionSummary, HostEvent } from '../../../engine/host/contract';
import { APP_BLUEPRINT, CONSUMER_BLUEPRINT, err, HostHarness, ok } from './host-fixtures';

let h: HostHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function deployAndInstall(hh: HostHarness, id = 'dep'): Promise<ExecutionSummary> {
  const file = hh.write('app.yaml', APP_BLUEPRINT);
  ok(await hh.host.call('deployments.create', { blueprintFile: file, deploymentId: id, inputs: { db_name: 'orders' } }));
  const started = ok(await hh.host.call('executions.start', { deploymentId: id, workflow: 'install' })) as ExecutionSummary;
  return hh.host.waitForExecution(started.id);
}

describe('engine host', () => {
  it('installs a deployment, then evaluates its outputs and capabilities from runtime properties', async () => {
    h = new HostHarness();
    const done = await deployAndInstall(h);
    expect(done.status).toBe('terminated');
    const dep = ok(await h.host.call('deployments.get', { deploymentId: 'dep' }));
    expect(dep.status).toBe('installed');
    expect(dep.instanceCounts).toEqual({ started: 3 });
    expect(ok(await h.host.call('deployments.outputs', { deploymentId: 'dep' }))).toEqual({
      outputs: { db_resource: 'orders' },
      capabilities: { endpoint: 'db://orders' },
    });
    // get_attribute in an operation input is evaluated at call time, after db's create ran
    const configure = h.recording.calls.filter((c) => c.node === 'app' && c.operation.endsWith('.configure'));
    expect(configure.map((c) => c.inputs.db)).toEqual(['orders', 'orders']);
    expect(done.taskCounts.failed).toBe(0);
  });

  it('wires deployments together: get_capability reads another deployment at call time', async () => {
    h = new HostHarness();
    await deployAndInstall(h, 'backend');
    const file = h.write('consumer.yaml', CONSUMER_BLUEPRINT);
    ok(await h.host.call('deployments.create', { blueprintFile: file, deploymentId: 'frontend' }));
    const e = ok(await h.host.call('executions.start', { deploymentId: 'frontend', workflow: 'install' })) as ExecutionSummary;
    expect((await h.host.waitForExecution(e.id)).status).toBe('terminated');
    expect(h.recording.calls.find((c) => c.node === 'client')!.inputs.endpoint).toBe('db://orders');
  });

  it('a dry run returns the task graph and records nothing', async () => {
    h = new HostHarness();
    const file = h.write('app.yaml', APP_BLUEPRINT);
    ok(await h.host.call('deployments.create', { blueprintFile: file, deploymentId: 'dep', inputs: { db_name: 'x' } }));
    const r = ok(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'install', dryRun: true }));
    if (!('tasks' in r)) throw new Error('expected a dry run');
    expect(r.tasks.some((t: DryRunTask) => t.operation === 'cloudify.interfaces.lifecycle.create')).toBe(true);
    expect(ok(await h.host.call('executions.list', { deploymentId: 'dep' }))).toEqual([]);
    expect(h.recording.calls).toEqual([]);
  });

  it('queues a second execution of a busy deployment by default and refuses it when asked to', async () => {
    h = new HostHarness();
    const file = h.write('app.yaml', APP_BLUEPRINT);
    ok(await h.host.call('deployments.create', { blueprintFile: file, deploymentId: 'dep', inputs: { db_name: 'x' } }));
    h.recording.behave({ node: 'db', operation: 'create', sleepMs: 300 });
    const first = ok(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'install' })) as ExecutionSummary;
    const refused = err(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'uninstall', whenBusy: 'refuse' }));
    expect(refused.code).toBe('busy');
    expect(refused.message).toMatch(/busy running install/);
    const second = ok(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'uninstall' })) as ExecutionSummary;
    expect(second.status).toBe('queued');
    const [a, b] = await Promise.all([h.host.waitForExecution(first.id), h.host.waitForExecution(second.id)]);
    expect([a.status, b.status]).toEqual(['terminated', 'terminated']);
    expect(Date.parse(b.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.endedAt!));
    expect(ok(await h.host.call('deployments.get', { deploymentId: 'dep' })).status).toBe('uninstalled');
  });

  it('scales out within bounds and refuses to scale beyond them without changing anything', async () => {
    h = new HostHarness();
    await deployAndInstall(h);
    const beyond = err(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'scale', parameters: { scalable_entity_name: 'app', delta: 5 } }));
    expect(beyond.code).toBe('invalid-params');
    expect(beyond.message).toMatch(/max|bound|4/i);
    expect(ok(await h.host.call('executions.list', { deploymentId: 'dep' }))).toHaveLength(1);
    const s = ok(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'scale', parameters: { scalable_entity_name: 'app', delta: 2 } })) as ExecutionSummary;
    expect((await h.host.waitForExecution(s.id)).status).toBe('terminated');
    const apps = ok(await h.host.call('instances.list', { deploymentId: 'dep', nodeId: 'app' }));
    expect(apps.map((a) => a.state)).toEqual(['started', 'started', 'started', 'started']);
    const inn = ok(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'scale', parameters: { scalable_entity_name: 'app', delta: -3 } })) as ExecutionSummary;
    expect((await h.host.waitForExecution(inn.id)).status).toBe('terminated');
    expect(ok(await h.host.call('instances.list', { deploymentId: 'dep', nodeId: 'app' }))).toHaveLength(1);
  });

  it('rolls a failed scale-out back: the added instances are uninstalled and removed', async () => {
    h = new HostHarness();
    await deployAndInstall(h);
    h.recording.behave({ node: 'app', operation: 'start', failTimes: 99, failWith: 'nonrecoverable' });
    const s = ok(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'scale', parameters: { scalable_entity_name: 'app', delta: 1 } })) as ExecutionSummary;
    const done = await h.host.waitForExecution(s.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/rolled back/);
    expect(ok(await h.host.call('instances.list', { deploymentId: 'dep', nodeId: 'app' }))).toHaveLength(2);
    expect(err(await h.host.call('executions.resume', { executionId: s.id })).message).toMatch(/rolled back/);
  });

  it('checks a blueprint for the designer without inputs: a missing input is a warning there, an error when planning', async () => {
    h = new HostHarness();
    const file = h.write('app.yaml', APP_BLUEPRINT);
    const checked = ok(await h.host.call('blueprint.compile', { file, validateOnly: true }));
    const missingWhileEditing = checked.problems.filter((p) => p.code === 'missing-input');
    expect(missingWhileEditing.map((p) => [p.severity, /db_name/.test(p.message)])).toEqual([['warning', true]]);
    expect(checked.plan).toBeUndefined();

    const planned = ok(await h.host.call('blueprint.compile', { file }));
    expect(planned.problems.filter((p) => p.code === 'missing-input').map((p) => p.severity)).toEqual(['error']);
    expect(planned.plan).toBeUndefined();

    const withInputs = ok(await h.host.call('blueprint.compile', { file, inputs: { db_name: 'orders' } }));
    expect(withInputs.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(withInputs.plan?.nodes.length).toBeGreaterThan(0);
  });

  it('rejects bad requests with clear errors and changes nothing', async () => {
    h = new HostHarness();
    const bad = h.write('bad.yaml', 'tosca_definitions_version: cloudify_dsl_1_5\nnode_templates:\n  x:\n    type: no.such.Type\n');
    const invalid = err(await h.host.call('deployments.create', { blueprintFile: bad, deploymentId: 'bad' }));
    expect(invalid.code).toBe('invalid-blueprint');
    expect(invalid.problems?.length).toBeGreaterThan(0);
    const good = h.write('app.yaml', APP_BLUEPRINT);
    const missing = err(await h.host.call('deployments.create', { blueprintFile: good, deploymentId: 'dep' }));
    expect(missing.code).toBe('invalid-blueprint');
    expect(missing.message).toMatch(/db_name/);
    expect(ok(await h.host.call('deployments.list', {}))).toEqual([]);
    expect(err(await h.host.call('deployments.create', { blueprintFile: good, deploymentId: '../evil' })).code).toBe('invalid-params');
    expect(err(await h.host.call('deployments.get', { deploymentId: 'nope' })).code).toBe('not-found');
    expect(err(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'install', bogus: 1 } as never)).code).toBe('invalid-params');

    const done = await deployAndInstall(h);
    const heal = err(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'heal', parameters: { node_instance_id: 'app_nothere' } }));
    expect(heal.code).toBe('invalid-params');
    expect(heal.message).toMatch(/app_nothere/);
    const resume = err(await h.host.call('executions.resume', { executionId: done.id }));
    expect(resume.code).toBe('conflict');
    expect(resume.message).toMatch(/finished/);
    expect(err(await h.host.call('deployments.delete', { deploymentId: 'dep' })).message).toMatch(/uninstall it first/);
    expect(ok(await h.host.call('executions.list', { deploymentId: 'dep' }))).toHaveLength(1);
    // Metrics exist now (engine/metrics): an unknown deployment is not-found, a new one has none.
    expect(err(await h.host.call('metrics.list', { deploymentId: 'nope' })).code).toBe('not-found');
    expect(ok(await h.host.call('metrics.list', { deploymentId: 'dep' }))).toEqual([]);
  });

  it('cancels an execution when another process asks through the database', async () => {
    h = new HostHarness();
    const file = h.write('app.yaml', APP_BLUEPRINT);
    ok(await h.host.call('deployments.create', { blueprintFile: file, deploymentId: 'dep', inputs: { db_name: 'x' } }));
    h.recording.behave({ node: 'db', operation: 'create', hang: true });
    const e = ok(await h.host.call('executions.start', { deploymentId: 'dep', workflow: 'install' })) as ExecutionSummary;
    await new Promise((r) => setTimeout(r, 100));
    h.host.store.updateExecution(e.id, { status: 'cancelling' }); // what `trellis executions cancel` in another process writes
    const done = await h.host.waitForExecution(e.id);
    expect(done.status).toBe('cancelled');
    expect(h.recording.calls[0]!.outcome).toBe('cancelled');
    // a cancelled execution resumes from where it stopped
    h.recording.reset();
    h.recording.behave({ node: 'db', operation: 'create', hang: false });
    ok(await h.host.call('executions.resume', { executionId: e.id }));
    expect((await h.host.waitForExecution(e.id)).status).toBe('terminated');
  });

  it('marks executions of a dead engine interrupted on start, and resumes them on request', async () => {
    h = new HostHarness();
    const file = h.write('app.yaml', APP_BLUEPRINT);
    ok(await h.host.call('deployments.create', { blueprintFile: file, deploymentId: 'dep', inputs: { db_name: 'x' } }));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const store = h.host.store;
    const graph = { workflow: 'install', tasks: [] };
    store.insertExecution({ id: 'ghost', deploymentId: 'dep', workflow: 'install', parameters: {}, status: 'started', triggeredBy: 'cli', dryRun: false, graph, ownerPid: Number(dead) });
    await h.host.close();
    h.host = h.open();
    const ghost = ok(await h.host.call('executions.get', { executionId: 'ghost' }));
    expect(ghost.status).toBe('failed');
    expect(ghost.error).toMatch(/interrupted.*executions resume ghost/);
    ok(await h.host.call('executions.resume', { executionId: 'ghost' }));
    expect((await h.host.waitForExecution('ghost')).status).toBe('terminated');
  });

  it('streams events live in batches, in order, and a slow listener gets coalesced batches without losing any', async () => {
    h = new HostHarness({ events: { flushMs: 5, maxBatch: 20, pollMs: 50 } });
    const fast: HostEvent[][] = [];
    const slow: HostEvent[][] = [];
    h.host.subscribe({}, (b) => fast.push(b));
    h.host.subscribe({ types: ['task', 'instance', 'execution'] }, async (b) => {
      slow.push(b);
      await new Promise((r) => setTimeout(r, 80));
    });
    const done = await deployAndInstall(h);
    await new Promise((r) => setTimeout(r, 100));
    await new Promise<void>((resolve) => {
      const check = (): void => {
        const got = slow.flat().length;
        const want = h!.host.store.queryEvents({ types: ['task', 'instance', 'execution'], limit: 10_000 }).length;
        if (got >= want) resolve();
        else setTimeout(check, 50);
      };
      check();
    });
    const stored = h.host.store.queryEvents({ limit: 10_000 });
    expect(fast.flat().map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(Math.max(...fast.map((b) => b.length))).toBeLessThanOrEqual(20);
    const slowSeqs = slow.flat().map((e) => e.seq);
    expect(slowSeqs).toEqual([...slowSeqs].sort((a, b) => a - b));
    expect(new Set(slowSeqs).size).toBe(slowSeqs.length);
    expect(slow.length).toBeLessThan(slowSeqs.length); // batched, not one by one
    expect(stored.some((e) => e.type === 'execution' && e.executionId === done.id && e.status === 'terminated')).toBe(true);
  });
});
