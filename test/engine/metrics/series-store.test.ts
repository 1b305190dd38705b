import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../engine/store';
import { ROLLUP_MS, SeriesStore } from '../../../engine/metrics/series-store';
import type { MetricSample } from '../../../engine/host/contract';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // a minute boundary

const sample = (instanceId: string, time: number, value: number, metric = 'rps', nodeId = 'service'): MetricSample => ({
  deploymentId: 'dep',
  nodeId,
  instanceId,
  metric,
  time,
  value,
});

describe('series store', () => {
  let home: string;
  let store: Store;
  let series: SeriesStore;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'trellis-series-'));
    store = openStore({ home });
    series = new SeriesStore(store.db, { rawRetentionMs: 10 * 60_000, rollupRetentionMs: 60 * 60_000 });
  });
  afterEach(() => {
    store.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('rolls samples up per minute with min, max, sum, count and last, across batches', () => {
    series.ingest([sample('a', T0 + 1_000, 4), sample('a', T0 + 20_000, 10)]);
    series.ingest([sample('a', T0 + 40_000, 1), sample('a', T0 + 61_000, 7)]);
    expect(series.rollups('dep', 'a', 'rps')).toEqual([
      { bucket: T0, min: 1, max: 10, sum: 15, count: 3, last: 1 },
      { bucket: T0 + ROLLUP_MS, min: 7, max: 7, sum: 7, count: 1, last: 7 },
    ]);
  });

  it('keeps the roll-up last value right when samples arrive out of order', () => {
    series.ingest([sample('a', T0 + 30_000, 3)]);
    series.ingest([sample('a', T0 + 10_000, 9)]);
    expect(series.rollups('dep', 'a', 'rps')[0]).toMatchObject({ last: 3, count: 2, max: 9 });
  });

  it('drops non-finite values instead of poisoning the aggregates', () => {
    expect(series.ingest([sample('a', T0, Number.NaN), sample('a', T0 + 1, Number.POSITIVE_INFINITY), sample('a', T0 + 2, 5)])).toBe(1);
    expect(series.rollups('dep', 'a', 'rps')[0]).toMatchObject({ sum: 5, count: 1 });
  });

  it('applies retention: raw samples go after their retention, roll-ups after theirs', () => {
    series.ingest([sample('a', T0, 1), sample('a', T0 + 5 * 60_000, 2)]);
    const now = T0 + 12 * 60_000;
    expect(series.prune(now)).toEqual({ samples: 1, rollups: 0 });
    expect(series.rawSince('dep', 'rps', 0).map((s) => s.value)).toEqual([2]);
    expect(series.rollups('dep', 'a', 'rps')).toHaveLength(2);
    expect(series.prune(T0 + 2 * 60 * 60_000)).toEqual({ samples: 1, rollups: 2 });
    // A series with nothing left disappears from the metric list.
    expect(series.list('dep')).toEqual([]);
  });

  it('drops the live metric events with the raw samples, and keeps every other event', () => {
    const at = (ms: number) => new Date(ms).toISOString();
    store.appendEvent({ type: 'metric', time: at(T0), level: 'debug', deploymentId: 'dep', samples: [sample('a', T0, 1)], message: 'old samples' });
    store.appendEvent({ type: 'log', time: at(T0), level: 'info', deploymentId: 'dep', message: 'old log line' });
    store.appendEvent({ type: 'metric', time: at(T0 + 11 * 60_000), level: 'debug', deploymentId: 'dep', samples: [], message: 'new samples' });
    series.prune(T0 + 12 * 60_000);
    expect(store.queryEvents({}).map((e) => e.message)).toEqual(['old log line', 'new samples']);
  });

  it('drops policy holds with the roll-ups, and keeps the decisions that acted', () => {
    const at = (ms: number) => new Date(ms).toISOString();
    store.appendEvent({ type: 'policy', time: at(T0), level: 'debug', deploymentId: 'dep', policy: 'p', decision: 'hold', reason: 'within', message: 'old hold' });
    store.appendEvent({ type: 'policy', time: at(T0), level: 'info', deploymentId: 'dep', policy: 'p', decision: 'scale_out', reason: 'high', message: 'old scale' });
    store.appendEvent({ type: 'policy', time: at(T0 + 59 * 60_000), level: 'debug', deploymentId: 'dep', policy: 'p', decision: 'hold', reason: 'within', message: 'recent hold' });
    series.prune(T0 + 61 * 60_000); // roll-up retention is an hour here
    expect(store.queryEvents({}).map((e) => e.message)).toEqual(['old scale', 'recent hold']);
  });

  it('answers raw queries per instance, filtered by node, instance and time range', () => {
    series.ingest([sample('a', T0, 1), sample('a', T0 + 5_000, 2), sample('b', T0 + 5_000, 3), sample('db', T0 + 5_000, 9, 'rps', 'datastore')]);
    const now = T0 + 60_000;
    const all = series.query({ deploymentId: 'dep', metric: 'rps', from: T0, to: T0 + 10_000 }, now);
    expect(all.map((s) => [s.instanceId, s.nodeId, s.points.length])).toEqual([
      ['a', 'service', 2],
      ['b', 'service', 1],
      ['db', 'datastore', 1],
    ]);
    expect(series.query({ deploymentId: 'dep', metric: 'rps', nodeId: 'service', from: T0 + 1, to: T0 + 10_000 }, now).map((s) => s.points)).toEqual([
      [{ time: T0 + 5_000, value: 2 }],
      [{ time: T0 + 5_000, value: 3 }],
    ]);
    expect(series.query({ deploymentId: 'dep', metric: 'rps', instanceId: 'b', from: T0, to: T0 + 10_000 }, now)).toHaveLength(1);
  });

  it('aggregates raw samples into steps (avg, min, max, sum, last) and computes rates of a growing value', () => {
    const rows = [0, 2_000, 4_000, 6_000, 8_000, 10_000, 12_000, 14_000].map((dt, i) => sample('a', T0 + dt, (i + 1) * 10));
    series.ingest(rows);
    const q = (aggregation: 'avg' | 'min' | 'max' | 'sum' | 'last' | 'rate') =>
      series.query({ deploymentId: 'dep', metric: 'rps', from: T0, to: T0 + 15_999, stepMs: 8_000, aggregation }, T0 + 60_000)[0]!.points;
    expect(q('avg')).toEqual([
      { time: T0, value: 25 },
      { time: T0 + 8_000, value: 65 },
    ]);
    expect(q('min').map((p) => p.value)).toEqual([10, 50]);
    expect(q('max').map((p) => p.value)).toEqual([40, 80]);
    expect(q('sum').map((p) => p.value)).toEqual([100, 260]);
    expect(q('last').map((p) => p.value)).toEqual([40, 80]);
    // 40 -> 80 over one 8 s step.
    expect(q('rate')).toEqual([{ time: T0 + 8_000, value: 5 }]);
  });

  it('serves ranges older than the raw retention from the roll-ups', () => {
    series.ingest([sample('a', T0 + 1_000, 2), sample('a', T0 + 2_000, 4), sample('a', T0 + 61_000, 10)]);
    const now = T0 + 30 * 60_000; // raw retention is 10 minutes: the range starts before it
    series.prune(now);
    expect(series.query({ deploymentId: 'dep', metric: 'rps', from: T0, to: now }, now)[0]!.points).toEqual([
      { time: T0, value: 3 },
      { time: T0 + 60_000, value: 10 },
    ]);
    expect(series.query({ deploymentId: 'dep', metric: 'rps', from: T0, to: now, stepMs: 2 * 60_000, aggregation: 'max' }, now)[0]!.points).toEqual([{ time: T0, value: 10 }]);
  });

  it('lists the metrics of a deployment with the nodes that report them, and forgets a deleted deployment', () => {
    series.ingest([sample('a', T0, 1), sample('db', T0, 1, 'rps', 'datastore'), sample('a', T0, 1, 'up')]);
    series.ingest([{ ...sample('x', T0, 1), deploymentId: 'other' }]);
    expect(series.list('dep')).toEqual([
      { metric: 'rps', nodeIds: ['datastore', 'service'] },
      { metric: 'up', nodeIds: ['service'] },
    ]);
    series.deleteDeployment('dep');
    expect(series.list('dep')).toEqual([]);
    expect(series.list('other')).toHaveLength(1);
  });

  it('refuses retention settings that would drop roll-ups before raw samples', () => {
    expect(() => new SeriesStore(store.db, { rawRetentionMs: 60_000, rollupRetentionMs: 1_000 })).toThrow(/retention/);
  });
});
