import { describe, expect, it } from 'vitest';
import type { TaskSummary } from '../../../engine/host/contract';
import {
  durationMs,
  formatDuration,
  progressOf,
  timelineBars,
} from '../../../renderer/runner/timeline';
import { layoutPlan } from '../../../renderer/runner/live-layout';
import { chartRows, thresholdsFor, timeMarks } from '../../../renderer/runner/metric-chart-data';

const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(t0 + ms).toISOString();
const task = (
  id: string,
  start?: number,
  end?: number,
  kind: TaskSummary['kind'] = 'operation',
): TaskSummary => ({
  id,
  executionId: 'x',
  kind,
  name: id,
  instanceId: `${id}_i`,
  operation: 'cloudify.interfaces.lifecycle.create',
  dependsOn: [],
  status: end === undefined ? 'running' : 'succeeded',
  attempts: 1,
  ...(start !== undefined ? { startedAt: iso(start) } : {}),
  ...(end !== undefined ? { endedAt: iso(end) } : {}),
});

describe('execution history and timeline', () => {
  it('formats durations for people', () => {
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(durationMs(iso(0), iso(1500))).toBe(1500);
    expect(durationMs(iso(0), undefined, t0 + 700)).toBe(700);
    expect(durationMs(undefined, undefined)).toBeUndefined();
  });

  it('places operation bars by start and end within the execution span, running ones up to now', () => {
    const { bars, spanMs } = timelineBars(
      { startedAt: iso(0) },
      [
        task('b', 500, 1000),
        task('a', 0, 500),
        task('s', 0, 10, 'state'),
        task('n'),
        task('c', 800),
      ],
      t0 + 2000,
    );
    expect(spanMs).toBe(2000);
    expect(bars.map((b) => b.task.id)).toEqual(['a', 'b', 'c']);
    expect(bars[0]).toMatchObject({ left: 0, width: 0.25, label: 'a_i create' });
    expect(bars[1]).toMatchObject({ left: 0.25, width: 0.25 });
    expect(bars[2]).toMatchObject({ left: 0.4, width: 0.6 });
  });

  it('computes progress from task counts', () => {
    expect(progressOf({})).toBe(0);
    expect(progressOf({ pending: 2, running: 1, succeeded: 5, failed: 1, skipped: 1 })).toBe(0.7);
  });
});

describe('the live graph layout', () => {
  it('puts each node right of the nodes it relates to, edges from target to source', () => {
    const rel = (target: string, kind: 'contained_in' | 'connected_to') =>
      ({ target, kind }) as never;
    const { nodes, edges } = layoutPlan({
      nodes: [
        {
          name: 'service',
          type: 't.Process',
          relationships: [rel('balancer', 'connected_to'), rel('datastore', 'connected_to')],
        },
        { name: 'balancer', type: 't.Process', relationships: [] },
        { name: 'datastore', type: 't.Process', relationships: [] },
        { name: 'metrics', type: 't.Process', relationships: [rel('datastore', 'connected_to')] },
      ] as never,
    });
    const x = Object.fromEntries(nodes.map((n) => [n.name, n.x]));
    expect(x['balancer']).toBe(0);
    expect(x['datastore']).toBe(0);
    expect(x['service']!).toBeGreaterThan(0);
    expect(x['metrics']).toBe(x['service']);
    expect(new Set(nodes.map((n) => `${n.x},${n.y}`)).size).toBe(4);
    expect(edges.map((e) => `${e.source}->${e.target}`)).toEqual([
      'balancer->service',
      'datastore->service',
      'datastore->metrics',
    ]);
  });
});

describe('metric chart data', () => {
  it('merges instance series into rows by time, one column per instance', () => {
    const { rows, keys } = chartRows([
      {
        instanceId: 'a',
        nodeId: 'n',
        metric: 'm',
        points: [
          { time: 2, value: 20 },
          { time: 1, value: 10 },
        ],
      },
      { instanceId: 'b', nodeId: 'n', metric: 'm', points: [{ time: 2, value: 5 }] },
    ]);
    expect(keys).toEqual(['a', 'b']);
    expect(rows).toEqual([
      { time: 1, a: 10 },
      { time: 2, a: 20, b: 5 },
    ]);
  });

  it('draws the thresholds of the scale policies on the metric and target', () => {
    const plan = {
      scalingGroups: { web_group: { name: 'web_group', members: ['web'], properties: {} } },
      policies: [
        {
          name: 'rps',
          type: 'trellis.policies.metric_scale',
          targets: ['web_group'],
          properties: {
            metric: 'requests',
            aggregation: 'sum',
            scale_up_threshold: 50,
            scale_down_threshold: 5,
          },
        },
        {
          name: 'cpu',
          type: 'trellis.policies.metric_scale',
          targets: ['db'],
          properties: { metric: 'cpu', scale_up_threshold: 80 },
        },
      ],
    } as never;
    expect(thresholdsFor(plan, 'requests')).toEqual([
      { policy: 'rps', kind: 'up', value: 50, aggregation: 'sum' },
      { policy: 'rps', kind: 'down', value: 5, aggregation: 'sum' },
    ]);
    expect(thresholdsFor(plan, 'requests', 'web')).toHaveLength(2);
    expect(thresholdsFor(plan, 'requests', 'db')).toHaveLength(0);
    expect(thresholdsFor(plan, 'cpu')).toEqual([
      { policy: 'cpu', kind: 'up', value: 80, aggregation: 'avg' },
    ]);
  });

  it('marks policy scale/heal decisions and scale/heal executions within the window', () => {
    const e = (seq: number, ms: number, extra: object) =>
      ({ seq, time: iso(ms), level: 'info', message: '', deploymentId: 'd', ...extra }) as never;
    const marks = timeMarks(
      [
        e(1, 100, { type: 'policy', policy: 'rps', decision: 'scale_out', reason: 'high' }),
        e(2, 150, { type: 'policy', policy: 'rps', decision: 'hold', reason: 'ok' }),
        e(3, 200, { type: 'execution', status: 'started', workflow: 'heal' }),
        e(4, 9999, { type: 'execution', status: 'started', workflow: 'scale' }),
        e(5, 300, { type: 'execution', status: 'started', workflow: 'install' }),
        // The scale execution the decision at 100 started: folded into the decision's mark.
        e(6, 400, { type: 'execution', status: 'started', workflow: 'scale' }),
      ],
      'd',
      t0,
      t0 + 1000,
    );
    expect(marks).toEqual([
      { time: t0 + 100, label: 'rps: scale out', kind: 'scale' },
      { time: t0 + 200, label: 'heal', kind: 'heal' },
    ]);
  });
});
