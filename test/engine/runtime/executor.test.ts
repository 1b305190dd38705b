import { afterEach, describe, expect, it } from 'vitest';
import { NonRecoverableError, RecoverableError } from '../../../plugins/sdk';
import type { TaskGraph } from '../../../engine/workflows/task-graph';
import { Harness, instance, node, op, opTask, plan, recordingPlugin, sleep, LIFECYCLE } from './fixtures';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const taskStatus = (hh: Harness, exec: string) => Object.fromEntries(hh.store.listTasks(exec).map((t) => [t.id, t.status]));

describe('executor', () => {
  it('starts a task only after all its dependencies finished, and runs independent chains in parallel', async () => {
    const p = plan([node('db', { create: op('create'), start: op('start') }), node('app', { create: op('create'), start: op('start') })]);
    h = new Harness(p, [instance('db_1', 'db'), instance('app_1', 'app'), instance('app_2', 'app')]);
    const { plugin, calls } = recordingPlugin({ create: () => sleep(30), start: () => sleep(30) });
    const graph: TaskGraph = {
      workflow: 'install',
      tasks: [
        opTask('db_1.create', 'db_1', 'db', 'create'),
        opTask('db_1.start', 'db_1', 'db', 'start', ['db_1.create']),
        opTask('app_1.create', 'app_1', 'app', 'create', ['db_1.start']),
        opTask('app_1.start', 'app_1', 'app', 'start', ['app_1.create']),
        opTask('app_2.create', 'app_2', 'app', 'create', ['db_1.start']),
        opTask('app_2.start', 'app_2', 'app', 'start', ['app_2.create']),
      ],
    };
    const outcome = await h.executor(graph, [plugin]).run();
    expect(outcome).toEqual({ status: 'succeeded' });
    const at = (i: string, o: string) => calls.find((c) => c.instance === i && c.op === o)!;
    expect(at('db_1', 'start').start).toBeGreaterThanOrEqual(at('db_1', 'create').end!);
    for (const app of ['app_1', 'app_2']) expect(at(app, 'create').start).toBeGreaterThanOrEqual(at('db_1', 'start').end!);
    // the two app chains overlap in time
    expect(at('app_2', 'create').start).toBeLessThan(at('app_1', 'create').end!);
    expect(Object.values(taskStatus(h, 'e1'))).toEqual(Array(6).fill('succeeded'));
  });

  it('never runs more operations at once than the concurrency bound or the plugin limit', async () => {
    const p = plan([node('n', { create: op('create') })]);
    const insts = Array.from({ length: 30 }, (_, i) => instance(`n_${i}`, 'n'));
    h = new Harness(p, insts);
    let now = 0;
    let peak = 0;
    const make = (limit?: number) =>
      recordingPlugin(
        {
          create: async () => {
            peak = Math.max(peak, ++now);
            await sleep(10);
            now--;
          },
        },
        limit,
      );
    const graph: TaskGraph = { workflow: 'install', tasks: insts.map((i) => opTask(`${i.id}.create`, i.id, 'n', 'create')) };
    expect((await h.executor(graph, [make().plugin], { concurrency: 5 }).run()).status).toBe('succeeded');
    expect(peak).toBe(5);
    peak = 0;
    expect((await h.executor(graph, [make(3).plugin], { concurrency: 16 }).run()).status).toBe('succeeded');
    expect(peak).toBe(3);
  });

  it('retries a recoverable error after its retry-after instead of the retry interval, up to max_retries', async () => {
    const p = plan([node('n', { create: op('create', { maxRetries: 3, retryInterval: 30 }), start: op('start', { maxRetries: 2, retryInterval: 0.02 }) })]);
    h = new Harness(p, [instance('n_1', 'n')]);
    const { plugin, calls } = recordingPlugin({
      create: (_ctx, call) => (call.attempt < 2 ? Promise.reject(new RecoverableError('not yet', { retryAfter: 0.05 })) : Promise.resolve()),
      start: () => Promise.reject(new Error('always broken')),
    });
    const graph: TaskGraph = { workflow: 'install', tasks: [opTask('c', 'n_1', 'n', 'create'), opTask('s', 'n_1', 'n', 'start', ['c'])] };
    const started = performance.now();
    const outcome = await h.executor(graph, [plugin]).run();
    expect(performance.now() - started).toBeLessThan(5000);
    const creates = calls.filter((c) => c.op === 'create');
    expect(creates.map((c) => c.attempt)).toEqual([0, 1, 2]);
    expect(creates[1]!.start - creates[0]!.end!).toBeGreaterThanOrEqual(45);
    // a plain Error is recoverable: 1 attempt + 2 retries, then the execution fails
    expect(calls.filter((c) => c.op === 'start')).toHaveLength(3);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/always broken/);
    const s = h.store.listTasks('e1').find((t) => t.id === 's')!;
    expect(s).toMatchObject({ status: 'failed', attempts: 3 });
    expect(h.store.getInstance('d1', 'n_1')!.lastError).toMatch(/always broken/);
    expect(h.events.filter((e) => e.type === 'task' && e.status === 'retrying')).toHaveLength(4);
  });

  it('does not retry a NonRecoverableError and starts nothing after a failure', async () => {
    const p = plan([node('n', { create: op('create', { maxRetries: 5 }), start: op('start') })]);
    h = new Harness(p, [instance('n_1', 'n')]);
    const { plugin, calls } = recordingPlugin({ create: () => Promise.reject(new NonRecoverableError('bad flavor')), start: () => Promise.resolve() });
    const graph: TaskGraph = { workflow: 'install', tasks: [opTask('c', 'n_1', 'n', 'create'), opTask('s', 'n_1', 'n', 'start', ['c'])] };
    const outcome = await h.executor(graph, [plugin]).run();
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(calls.map((c) => c.op)).toEqual(['create']);
    expect(taskStatus(h, 'e1')).toEqual({ c: 'failed' });
  });

  it('aborts an operation that exceeds its timeout and counts it as a retryable TimeoutFailure', async () => {
    const p = plan([node('n', { create: op('create', { timeout: 0.1, maxRetries: 1, retryInterval: 0 }) })]);
    h = new Harness(p, [instance('n_1', 'n')]);
    const signals: AbortSignal[] = [];
    const { plugin, calls } = recordingPlugin({
      create: (ctx) => {
        signals.push(ctx.signal);
        return new Promise(() => undefined); // ignores its signal on purpose
      },
    });
    const started = performance.now();
    const outcome = await h.executor({ workflow: 'install', tasks: [opTask('c', 'n_1', 'n', 'create')] }, [plugin]).run();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(calls).toHaveLength(2);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(outcome.error).toMatch(/TimeoutFailure: timed out after 0.1s/);
  });

  it('cancel aborts running operations through their signal and starts nothing more', async () => {
    const p = plan([node('n', { create: op('create'), start: op('start') })]);
    h = new Harness(p, [instance('n_1', 'n'), instance('n_2', 'n')]);
    const { plugin, calls } = recordingPlugin({ create: (ctx) => sleep(10_000, ctx.signal), start: () => Promise.resolve() });
    const graph: TaskGraph = {
      workflow: 'install',
      tasks: ['n_1', 'n_2'].flatMap((i) => [opTask(`${i}.c`, i, 'n', 'create'), opTask(`${i}.s`, i, 'n', 'start', [`${i}.c`])]),
    };
    const ex = h.executor(graph, [plugin]);
    const running = ex.run();
    await sleep(50);
    ex.cancel();
    const outcome = await running;
    expect(outcome.status).toBe('cancelled');
    expect(calls.map((c) => c.op)).toEqual(['create', 'create']);
    expect(taskStatus(h, 'e1')).toEqual({ 'n_1.c': 'cancelled', 'n_2.c': 'cancelled' });
  });

  it('force-cancel ends the execution at once even when an operation ignores its signal', async () => {
    const p = plan([node('n', { create: op('create') })]);
    h = new Harness(p, [instance('n_1', 'n')]);
    const { plugin } = recordingPlugin({ create: () => new Promise(() => undefined) });
    const ex = h.executor({ workflow: 'install', tasks: [opTask('c', 'n_1', 'n', 'create')] }, [plugin]);
    const running = ex.run();
    await sleep(30);
    ex.cancel();
    await sleep(30);
    ex.cancel(true);
    expect(await running).toEqual({ status: 'cancelled', error: 'force-cancelled' });
    expect(taskStatus(h, 'e1')).toEqual({ c: 'cancelled' });
  });

  it('resume runs only the tasks that did not succeed, keeping the journal of the first run', async () => {
    const p = plan([node('n', { create: op('create'), configure: op('configure'), start: op('start') })]);
    h = new Harness(p, [instance('n_1', 'n')]);
    let broken = true;
    const { plugin, calls } = recordingPlugin({
      create: () => Promise.resolve(),
      configure: () => (broken ? Promise.reject(new NonRecoverableError('config missing')) : Promise.resolve()),
      start: () => Promise.resolve(),
    });
    const graph: TaskGraph = {
      workflow: 'install',
      tasks: [opTask('c', 'n_1', 'n', 'create'), opTask('f', 'n_1', 'n', 'configure', ['c']), opTask('s', 'n_1', 'n', 'start', ['f'])],
    };
    expect((await h.executor(graph, [plugin], { executionId: 'x' }).run()).status).toBe('failed');
    broken = false;
    expect((await h.executor(graph, [plugin], { executionId: 'x' }).run()).status).toBe('succeeded');
    expect(calls.map((c) => c.op)).toEqual(['create', 'configure', 'configure', 'start']);
    expect(h.store.listTasks('x').find((t) => t.id === 'f')!.attempts).toBe(2);
  });

  it('persists runtime properties on update() at once and merges parallel writers of one instance', async () => {
    const lb = node('lb', {});
    const be = node('be', { create: op('create') }, {
      relationships: [
        {
          type: 'cloudify.relationships.connected_to',
          typeHierarchy: ['cloudify.relationships.connected_to'],
          kind: 'connected_to',
          target: 'lb',
          connectionType: 'all_to_all',
          properties: {},
          sourceOperations: {},
          targetOperations: { 'cloudify.interfaces.relationship_lifecycle.establish': op('establish', { interface: 'cloudify.interfaces.relationship_lifecycle' }) },
        },
      ],
    });
    const p = plan([lb, be]);
    const rel = (t: string) => ({ index: 0, type: 'cloudify.relationships.connected_to', kind: 'connected_to' as const, targetNode: 'lb', targetId: t });
    h = new Harness(p, [instance('lb_1', 'lb'), instance('be_1', 'be', { relationships: [rel('lb_1')] }), instance('be_2', 'be', { relationships: [rel('lb_1')] })]);
    let seenMidway: unknown;
    let seenRelationships: unknown;
    const { plugin } = recordingPlugin({
      create: async (ctx) => {
        seenRelationships = ctx.relationships?.map((r) => [r.type, r.target.node.name, r.target.instance.id]);
        ctx.instance.runtimeProperties.resource_id = `id-${ctx.instance.id}`;
        await ctx.instance.update();
        seenMidway = h!.store.getInstance('d1', ctx.instance.id)!.runtimeProperties.resource_id;
        ctx.instance.runtimeProperties.port = 8080;
      },
      establish: async (ctx) => {
        expect(ctx.relationship!.side).toBe('target');
        expect(ctx.instance.id).toBe('lb_1');
        await sleep(10);
        ctx.instance.runtimeProperties[`backend_${ctx.relationship!.source.instance.id}`] = true;
      },
    });
    const establish = (i: string) =>
      ({ id: `${i}.est`, kind: 'operation', name: `${i} establish`, dependsOn: [], nodeId: 'be', instanceId: i, operation: 'cloudify.interfaces.relationship_lifecycle.establish', relationship: { index: 0, targetId: 'lb_1', side: 'target' } }) as const;
    const graph: TaskGraph = { workflow: 'install', tasks: [opTask('c', 'be_1', 'be', 'create'), { ...establish('be_1'), dependsOn: [] }, { ...establish('be_2'), dependsOn: [] }] };
    expect((await h.executor(graph, [plugin]).run()).status).toBe('succeeded');
    expect(seenMidway).toBe('id-be_1');
    expect(seenRelationships).toEqual([['cloudify.relationships.connected_to', 'lb', 'lb_1']]);
    expect(h.store.getInstance('d1', 'be_1')!.runtimeProperties).toEqual({ resource_id: 'id-be_1', port: 8080 });
    expect(h.store.getInstance('d1', 'lb_1')!.runtimeProperties).toEqual({ backend_be_1: true, backend_be_2: true });
  });

  it('skips operations without implementation with an event, and sends scripts to the script plugin', async () => {
    const p = plan([
      node('n', {
        create: op('create', { kind: 'none', implementation: '' }),
        configure: op('configure', { kind: 'script', implementation: 'scripts/configure.sh', scriptPath: '/virtual/bp/scripts/configure.sh', inputs: { port: 80 } }),
      }),
    ]);
    h = new Harness(p, [instance('n_1', 'n')]);
    const seen: unknown[] = [];
    const script = { name: 'script', description: '', typeLibraries: [], operations: { 'script_runner.tasks.run': (ctx: { inputs: unknown }) => (seen.push(ctx.inputs), Promise.resolve()) } };
    const graph: TaskGraph = { workflow: 'install', tasks: [opTask('c', 'n_1', 'n', 'create'), opTask('f', 'n_1', 'n', 'configure', ['c']), opTask('s', 'n_1', 'n', 'start', ['f'])] };
    expect((await h.executor(graph, [script]).run()).status).toBe('succeeded');
    expect(seen).toEqual([{ port: 80, script_path: '/virtual/bp/scripts/configure.sh' }]);
    expect(taskStatus(h, 'e1')).toEqual({ c: 'skipped', f: 'succeeded', s: 'skipped' });
    expect(h.events.some((e) => e.type === 'task' && e.status === 'skipped' && e.taskId === 'c')).toBe(true);
  });

  it('fails an operation of a plugin that is not installed with a message naming it', async () => {
    const p = plan([node('n', { create: op('create', { plugin: 'openstack', implementation: 'openstack.nova.create', operation: 'nova.create' }) })]);
    h = new Harness(p, [instance('n_1', 'n')]);
    const outcome = await h.executor({ workflow: 'install', tasks: [opTask('c', 'n_1', 'n', 'create')] }, []).run();
    expect(outcome.error).toMatch(/plugin "openstack" .* is not installed/);
  });

  it('sets instance states through state tasks, emits instance events, and lets ignoreFailure tasks through', async () => {
    const p = plan([node('n', { stop: op('stop'), delete: op('delete') })]);
    h = new Harness(p, [instance('n_1', 'n', { state: 'started' })]);
    const { plugin, calls } = recordingPlugin({ stop: () => Promise.reject(new NonRecoverableError('was never started')), delete: () => Promise.resolve() });
    const graph: TaskGraph = {
      workflow: 'uninstall',
      tasks: [
        { id: 'st1', kind: 'state', name: 'stopping', dependsOn: [], instanceId: 'n_1', nodeId: 'n', state: 'stopping' },
        opTask('stop', 'n_1', 'n', 'stop', ['st1'], { ignoreFailure: true }),
        opTask('del', 'n_1', 'n', 'delete', ['stop']),
        { id: 'st2', kind: 'state', name: 'deleted', dependsOn: ['del'], instanceId: 'n_1', nodeId: 'n', state: 'deleted' },
      ],
    };
    expect((await h.executor(graph, [plugin]).run()).status).toBe('succeeded');
    expect(calls.map((c) => c.op)).toEqual(['stop', 'delete']);
    expect(h.store.getInstance('d1', 'n_1')!.state).toBe('deleted');
    expect(h.events.filter((e) => e.type === 'instance').map((e) => (e as { state: string }).state)).toEqual(['stopping', 'deleted']);
  });

  it('redacts secret values the operation read from its log lines', async () => {
    const p = plan([node('n', { create: op('create') })]);
    h = new Harness(p, [instance('n_1', 'n')]);
    const { plugin } = recordingPlugin({
      create: async (ctx) => {
        const pw = await ctx.secrets.get('db_password');
        ctx.logger.info(`connecting with ${pw}`);
      },
    });
    await h.executor({ workflow: 'install', tasks: [opTask('c', 'n_1', 'n', 'create')] }, [plugin]).run();
    const log = h.events.find((e) => e.type === 'log')!;
    expect(log.message).toBe('connecting with ••••••');
    expect(JSON.stringify(h.events)).not.toContain('s3cr3t-value');
  });

  it('reports a dependency cycle instead of hanging', async () => {
    const p = plan([node('n', { create: op('create') })]);
    h = new Harness(p, [instance('n_1', 'n')]);
    const { plugin } = recordingPlugin({ create: () => Promise.resolve() });
    const graph: TaskGraph = { workflow: 'install', tasks: [opTask('a', 'n_1', 'n', 'create', ['b']), opTask('b', 'n_1', 'n', 'create', ['a'])] };
    expect((await h.executor(graph, [plugin]).run()).error).toMatch(/dependency cycle/);
  });

  it(`uses ${LIFECYCLE} inputs merged with the workflow's, evaluated at call time`, async () => {
    const p = plan([node('n', { create: op('create', { inputs: { a: 1, ip: { get_attribute: ['SELF', 'ip'] } } }) })]);
    h = new Harness(p, [instance('n_1', 'n', { runtimeProperties: { ip: '10.1.1.1' } })]);
    const { plugin, calls } = recordingPlugin({ create: () => Promise.resolve() });
    const evaluate = (v: unknown, scope: { selfId: string }) => {
      const inputs = v as Record<string, unknown>;
      const ip = h!.store.getInstance('d1', scope.selfId)!.runtimeProperties.ip;
      return Promise.resolve({ ...inputs, ip } as never);
    };
    await h.executor({ workflow: 'execute_operation', tasks: [opTask('c', 'n_1', 'n', 'create', [], { inputs: { b: 2 } })] }, [plugin], { evaluate }).run();
    expect(calls[0]!.inputs).toEqual({ a: 1, b: 2, ip: '10.1.1.1' });
  });
});
