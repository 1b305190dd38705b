import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Value } from '../../engine/dsl/plan-model';
import type { OperationContext } from '../../plugins/sdk';
import { CancelledFailure, NonRecoverableError, RecoverableError } from '../../plugins/sdk';
import { createRecordingPlugin, readRecordingJournal } from './recording-plugin';

function context(instanceId: string, operation: string, inputs: Record<string, Value> = {}, signal = new AbortController().signal, retryNumber = 0): OperationContext {
  const node = { name: instanceId.split('_')[0]!, type: 'test.nodes.App', typeHierarchy: ['test.nodes.App'], properties: {} };
  const instance = { id: instanceId, state: 'creating', runtimeProperties: {}, update: () => Promise.resolve() };
  return {
    deploymentId: 'dep',
    blueprintId: 'bp',
    executionId: 'ex',
    workflowId: 'install',
    taskId: `install:${instanceId}:op:${operation}`,
    operation: { name: operation, retryNumber, maxRetries: 3 },
    node,
    instance,
    inputs,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    signal,
    blueprintDir: '/tmp',
    resolveResource: (p) => p,
    secrets: { get: () => Promise.resolve(''), set: () => Promise.resolve(), delete: () => Promise.resolve() },
    getCapability: () => Promise.resolve(null),
  };
}

const CREATE = 'cloudify.interfaces.lifecycle.create';
const call = (rec: ReturnType<typeof createRecordingPlugin>, ctx: OperationContext): Promise<unknown> => rec.plugin.operations.record!(ctx);

describe('recording test plugin', () => {
  it('records calls in order with start and end times', async () => {
    const rec = createRecordingPlugin();
    await call(rec, context('a_1', CREATE));
    await call(rec, context('b_1', CREATE, { sleep_ms: 20 }));
    expect(rec.labels()).toEqual(['a_1.create', 'b_1.create']);
    const b = rec.calls[1]!;
    expect(b.endedAt! - b.startedAt).toBeGreaterThanOrEqual(15);
  });

  it('fails the planned number of times with the planned failure kind, then succeeds', async () => {
    const rec = createRecordingPlugin({ rules: [{ instanceId: 'a_1', operation: 'create', failTimes: 2, retryAfter: 3 }] });
    await expect(call(rec, context('a_1', CREATE))).rejects.toBeInstanceOf(RecoverableError);
    const second = call(rec, context('a_1', CREATE));
    await expect(second).rejects.toMatchObject({ retryAfter: 3 });
    await expect(call(rec, context('a_1', CREATE))).resolves.toEqual({ label: 'a_1.create' });
    await expect(call(rec, context('b_1', CREATE, { fail_times: 1, fail_with: 'nonrecoverable' }))).rejects.toBeInstanceOf(NonRecoverableError);
    expect(rec.calls.map((c) => c.outcome)).toEqual(['failed', 'failed', 'ok', 'failed']);
  });

  it('hangs until the abort signal fires', async () => {
    const rec = createRecordingPlugin();
    const abort = new AbortController();
    const pending = call(rec, context('a_1', CREATE, { hang: true }, abort.signal));
    await new Promise((r) => setTimeout(r, 20));
    expect(rec.calls[0]!.outcome).toBe('running');
    abort.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledFailure);
    expect(rec.calls[0]!.outcome).toBe('cancelled');
  });

  it('writes runtime properties and a journal that survives the process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recording-'));
    const journalFile = join(dir, 'calls.jsonl');
    const rec = createRecordingPlugin({ journalFile });
    const ctx = context('a_1', CREATE, { set_runtime: { port: 8080 } });
    await call(rec, ctx);
    expect(ctx.instance.runtimeProperties).toEqual({ port: 8080 });
    expect(readRecordingJournal(readFileSync(journalFile, 'utf8')).map((e) => `${e.event} ${e.label}`)).toEqual(['start a_1.create', 'end a_1.create']);
  });
});
