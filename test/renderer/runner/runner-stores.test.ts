import { afterEach, describe, expect, it } from 'vitest';
import type {
  DeploymentSummary,
  ExecutionSummary,
  HostEvent,
  NodeInstanceSummary,
} from '../../../engine/host/contract';
import { useRunnerEventsStore } from '../../../renderer/state/runner-events-store';
import { selectNodeStatus, useRunnerLiveStore } from '../../../renderer/state/runner-live-store';
import {
  selectActiveExecution,
  selectDeployment,
  useRunnerStore,
} from '../../../renderer/state/runner-store';

const dep = (id: string): DeploymentSummary => ({
  id,
  blueprintId: 'b',
  blueprintFile: '/b.yaml',
  status: 'created',
  createdAt: '',
  updatedAt: '',
  inputs: {},
  instanceCounts: {},
  policiesPaused: false,
});
const exe = (id: string, createdAt: string, status: ExecutionSummary['status']): ExecutionSummary =>
  ({
    id,
    deploymentId: 'a',
    workflow: 'install',
    parameters: {},
    status,
    createdAt,
    dryRun: false,
    taskCounts: {},
    triggeredBy: 'user',
  }) as ExecutionSummary;

afterEach(() => {
  useRunnerStore.getState().reset();
  useRunnerEventsStore.getState().reset();
  useRunnerLiveStore.getState().reset();
});

describe('runner stores', () => {
  it('keeps deployments sorted, selects the first, and moves the selection when the selected one is deleted', () => {
    const s = useRunnerStore.getState();
    s.setDeployments([dep('b'), dep('a')]);
    expect(useRunnerStore.getState().deployments.map((d) => d.id)).toEqual(['a', 'b']);
    expect(selectDeployment(useRunnerStore.getState())?.id).toBe('a');
    s.upsertDeployment({ ...dep('a'), status: 'installed' });
    expect(selectDeployment(useRunnerStore.getState())?.status).toBe('installed');
    s.removeDeployment('a');
    expect(useRunnerStore.getState().selectedId).toBe('b');
  });

  it('lists executions newest first and finds the active one', () => {
    const s = useRunnerStore.getState();
    s.setExecutions([
      exe('1', '2026-01-01T00:00:01Z', 'terminated'),
      exe('2', '2026-01-01T00:00:02Z', 'started'),
    ]);
    expect(useRunnerStore.getState().executions.map((e) => e.id)).toEqual(['2', '1']);
    expect(selectActiveExecution(useRunnerStore.getState())?.id).toBe('2');
    s.upsertExecution(exe('2', '2026-01-01T00:00:02Z', 'failed'));
    expect(selectActiveExecution(useRunnerStore.getState())).toBeUndefined();
  });

  it('bumps the events version once per batch with new events, and drops empty filter fields', () => {
    const ev = (seq: number): HostEvent => ({
      seq,
      time: '',
      level: 'info',
      type: 'log',
      message: String(seq),
    });
    const s = useRunnerEventsStore.getState();
    s.append([ev(1), ev(2)]);
    s.append([ev(2)]);
    expect(useRunnerEventsStore.getState()).toMatchObject({ version: 1, received: 2, batches: 1 });
    s.setFilter({ nodeId: 'web', text: '' });
    expect(useRunnerEventsStore.getState().filter).toEqual({ nodeId: 'web' });
    s.setFilter({ nodeId: '' });
    expect(useRunnerEventsStore.getState().filter).toEqual({});
  });

  it('gives a node status only for the watched deployment, and the same object while unchanged', () => {
    const inst: NodeInstanceSummary = {
      id: 'web_1',
      deploymentId: 'd',
      nodeId: 'web',
      state: 'started',
      runtimeProperties: {},
      relationships: [],
      version: 1,
    };
    const sel = selectNodeStatus('web');
    expect(sel(useRunnerLiveStore.getState())).toBeNull();
    useRunnerLiveStore.getState().watch('d', [inst]);
    const first = sel(useRunnerLiveStore.getState());
    expect(first).toMatchObject({ total: 1, tone: 'ok' });
    useRunnerLiveStore.getState().apply([
      {
        seq: 1,
        time: '',
        level: 'info',
        type: 'instance',
        deploymentId: 'd',
        instanceId: 'db_1',
        nodeId: 'db',
        state: 'creating',
        message: '',
      },
    ]);
    expect(sel(useRunnerLiveStore.getState())).toBe(first);
    useRunnerLiveStore.getState().apply([
      {
        seq: 2,
        time: '',
        level: 'info',
        type: 'instance',
        deploymentId: 'd',
        instanceId: 'web_1',
        nodeId: 'web',
        state: 'stopping',
        message: '',
      },
    ]);
    expect(sel(useRunnerLiveStore.getState())).toMatchObject({
      tone: 'idle',
      byState: [['stopping', 1]],
    });
  });
});

describe('live batches', () => {
  it('show an execution ending and the deployment status at once, before any refresh from the host', async () => {
    const { receiveBatch, resetRunnerActions } =
      await import('../../../renderer/runner/runner-actions');
    const s = useRunnerStore.getState();
    s.setDeployments([{ ...dep('a'), status: 'installing', activeExecutionId: 'x1' }]);
    s.setExecutions([{ ...exe('x1', '2026-01-01T00:00:01Z', 'started'), deploymentId: 'a' }]);
    const base = { level: 'info' as const, deploymentId: 'a', message: '' };
    receiveBatch([
      {
        ...base,
        seq: 1,
        time: '2026-01-01T00:00:05.000Z',
        type: 'execution',
        executionId: 'x1',
        status: 'terminated',
        workflow: 'install',
      },
      {
        ...base,
        seq: 2,
        time: '2026-01-01T00:00:05.001Z',
        type: 'deployment',
        status: 'installed',
      },
    ]);
    try {
      await expect
        .poll(() => useRunnerStore.getState().executions[0]?.status, { interval: 10, timeout: 250 })
        .toBe('terminated');
      expect(useRunnerStore.getState().executions[0]?.endedAt).toBe('2026-01-01T00:00:05.000Z');
      expect(selectDeployment(useRunnerStore.getState())).toMatchObject({ status: 'installed' });
      expect(selectDeployment(useRunnerStore.getState())?.activeExecutionId).toBeUndefined();
      expect(useRunnerEventsStore.getState().received).toBe(2);
    } finally {
      // No host in this test: drop the refreshes the batch scheduled.
      resetRunnerActions();
    }
  });
});
