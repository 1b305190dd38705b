import { describe, expect, it } from 'vitest';
import type { HostEvent, NodeInstanceSummary } from '../../../engine/host/contract';
import {
  applyLiveEvents,
  liveFromSummaries,
  summarizeNode,
} from '../../../renderer/runner/live-status';

let seq = 0;
const base = {
  time: '2026-01-01T00:00:00.000Z',
  level: 'info' as const,
  deploymentId: 'd1',
  executionId: 'x1',
  message: 'm',
};
const state = (instanceId: string, nodeId: string, s: string): HostEvent => ({
  ...base,
  seq: ++seq,
  type: 'instance',
  instanceId,
  nodeId,
  state: s,
});
const task = (
  instanceId: string,
  nodeId: string,
  taskId: string,
  status: 'running' | 'succeeded' | 'failed',
  message = 'm',
): HostEvent => ({
  ...base,
  seq: ++seq,
  type: 'task',
  instanceId,
  nodeId,
  taskId,
  status,
  operation: 'cloudify.interfaces.lifecycle.start',
  attempt: 1,
  message,
});
const summary = (id: string, nodeId: string, s: string): NodeInstanceSummary => ({
  id,
  deploymentId: 'd1',
  nodeId,
  state: s,
  runtimeProperties: {},
  relationships: [],
  version: 1,
});

describe('live node status from events', () => {
  it('counts instances by state in lifecycle order and turns green when all started', () => {
    let live = liveFromSummaries([
      summary('web_1', 'web', 'uninitialized'),
      summary('web_2', 'web', 'uninitialized'),
      summary('db_1', 'db', 'uninitialized'),
    ]);
    live = applyLiveEvents(
      live,
      [state('web_1', 'web', 'creating'), state('web_2', 'web', 'started')],
      'd1',
    );
    expect(summarizeNode(live, 'web')).toMatchObject({
      total: 2,
      byState: [
        ['creating', 1],
        ['started', 1],
      ],
      tone: 'idle',
    });
    live = applyLiveEvents(live, [state('web_1', 'web', 'started')], 'd1');
    expect(summarizeNode(live, 'web')).toMatchObject({
      total: 2,
      byState: [['started', 2]],
      tone: 'ok',
    });
    expect(summarizeNode(live, 'db').tone).toBe('idle');
  });

  it('shows a spinner while an operation runs and red with the error when it fails', () => {
    const live0 = liveFromSummaries([summary('web_1', 'web', 'configured')]);
    const running = applyLiveEvents(live0, [task('web_1', 'web', 't1', 'running')], 'd1');
    expect(summarizeNode(running, 'web')).toMatchObject({ running: 1, tone: 'busy' });
    const failed = applyLiveEvents(
      running,
      [task('web_1', 'web', 't1', 'failed', 'port 8080 in use')],
      'd1',
    );
    expect(summarizeNode(failed, 'web')).toMatchObject({
      running: 0,
      failed: 1,
      tone: 'error',
      error: 'port 8080 in use',
    });
    // Healing it: the instance reaching a state again clears the error.
    const healed = applyLiveEvents(failed, [state('web_1', 'web', 'started')], 'd1');
    expect(summarizeNode(healed, 'web')).toMatchObject({ failed: 0, tone: 'ok' });
  });

  it('ignores other deployments and returns the same object when nothing changed', () => {
    const live = liveFromSummaries([summary('web_1', 'web', 'started')]);
    const other = { ...state('web_1', 'web', 'deleted'), deploymentId: 'd2' } as HostEvent;
    expect(applyLiveEvents(live, [other], 'd1')).toBe(live);
  });

  it('adds instances a scale-out creates and drops deleted ones from the counts', () => {
    const live0 = liveFromSummaries([summary('web_1', 'web', 'started')]);
    const out = applyLiveEvents(
      live0,
      [state('web_9', 'web', 'creating'), state('web_9', 'web', 'started')],
      'd1',
    );
    expect(summarizeNode(out, 'web').total).toBe(2);
    const inn = applyLiveEvents(out, [state('web_1', 'web', 'deleted')], 'd1');
    expect(summarizeNode(inn, 'web')).toMatchObject({ total: 1, byState: [['started', 1]] });
  });

  it('stops every spinner when the execution ends (cancelled or failed)', () => {
    const live0 = applyLiveEvents(
      liveFromSummaries([summary('web_1', 'web', 'creating')]),
      [task('web_1', 'web', 't1', 'running')],
      'd1',
    );
    const end: HostEvent = {
      ...base,
      seq: ++seq,
      type: 'execution',
      status: 'cancelled',
      workflow: 'install',
    };
    expect(summarizeNode(applyLiveEvents(live0, [end], 'd1'), 'web').running).toBe(0);
  });
});

describe('short error messages on the graph', () => {
  it('drops the executor prefix and the error class, keeping the cause', async () => {
    const { shortError } = await import('../../../renderer/runner/live-status');
    expect(
      shortError(
        'broken_k3gs5c: cloudify.interfaces.lifecycle.create: failed: RecoverableError: script x exited with code 1: disk full',
      ),
    ).toBe('script x exited with code 1: disk full');
    expect(
      shortError(
        'svc_1 -> lb_2: cloudify.interfaces.relationship_lifecycle.establish (source): failed: NonRecoverableError: refused',
      ),
    ).toBe('refused');
    expect(shortError('something else went wrong')).toBe('something else went wrong');
  });
});
