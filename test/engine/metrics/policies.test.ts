import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateHeal, evaluateScale, healPolicySpec, scalePolicySpec, type ScaleInput } from '../../../engine/metrics/policies';

const spec = scalePolicySpec({
  name: 'autoscale',
  type: 'trellis.policies.metric_scale',
  targets: ['service'],
  properties: {
    metric: 'rps',
    aggregation: 'avg',
    window_seconds: 30,
    scale_up_threshold: 10,
    scale_down_threshold: 2,
    step: 2,
    cooldown_seconds: 60,
    min_instances: 1,
    max_instances: 6,
    interval_seconds: 5,
  },
});

const NOW = 1_000_000;
/** Two instances reporting `a` and `b` requests/s every 5 s over the last 30 s. */
const steady = (a: number, b: number, now = NOW) =>
  [5, 10, 15, 20, 25].flatMap((ago) => [
    { instanceId: 'a', time: now - ago * 1000, value: a },
    { instanceId: 'b', time: now - ago * 1000, value: b },
  ]);
const input = (over: Partial<ScaleInput>): ScaleInput => ({ now: NOW, samples: steady(20, 10), current: 2, targetMin: 1, targetMax: 10, ...over });

describe('metric scale policy', () => {
  it('reads its properties from the plan, with the core type defaults', () => {
    expect(spec).toMatchObject({ windowMs: 30_000, cooldownMs: 60_000, intervalMs: 5_000, step: 2, maxInstances: 6, scaleUp: 10, scaleDown: 2 });
    const d = scalePolicySpec({ name: 'p', type: 'trellis.policies.metric_scale', targets: ['g'], properties: { metric: 'm', scale_up_threshold: 1, scale_down_threshold: 0 } });
    expect(d).toMatchObject({ aggregation: 'avg', windowMs: 60_000, cooldownMs: 120_000, intervalMs: 15_000, step: 1, minInstances: 1, maxInstances: -1 });
  });

  it('scales out by step when the aggregate is above the up threshold, and says why', () => {
    const d = evaluateScale(spec, input({}));
    expect(d).toMatchObject({ decision: 'scale_out', delta: 2, value: 15 });
    expect(d.reason).toBe('avg(rps) over 30s = 15 > 10: 2 -> 4 instances');
  });

  it('scales in below the down threshold, holds between thresholds', () => {
    expect(evaluateScale(spec, input({ samples: steady(1, 0), current: 4 }))).toMatchObject({ decision: 'scale_in', delta: -2 });
    expect(evaluateScale(spec, input({ samples: steady(5, 5) }))).toMatchObject({ decision: 'hold', value: 5 });
  });

  it('combines instances by the chosen aggregation', () => {
    const samples = steady(20, 2);
    expect(evaluateScale({ ...spec, aggregation: 'max' }, input({ samples })).value).toBe(20);
    expect(evaluateScale({ ...spec, aggregation: 'min' }, input({ samples })).value).toBe(2);
    expect(evaluateScale({ ...spec, aggregation: 'sum' }, input({ samples })).value).toBe(22);
    // min of 2 is within [2, 10]: hold, although the busiest instance is at 20.
    expect(evaluateScale({ ...spec, aggregation: 'min' }, input({ samples })).decision).toBe('hold');
  });

  it('ignores samples outside the window; no samples at all is a hold, not a scale-in', () => {
    const old = steady(100, 100, NOW - 60_000);
    expect(evaluateScale(spec, input({ samples: [...old, ...steady(5, 5)] })).value).toBe(5);
    const d = evaluateScale(spec, input({ samples: old }));
    expect(d).toMatchObject({ decision: 'hold' });
    expect(d.reason).toMatch(/no samples of rps in the last 30s/);
  });

  it('never scales beyond the tighter of its own and the target bounds', () => {
    expect(evaluateScale(spec, input({ current: 5 }))).toMatchObject({ decision: 'scale_out', delta: 1 }); // policy max 6
    expect(evaluateScale(spec, input({ current: 6 }))).toMatchObject({ decision: 'hold' });
    expect(evaluateScale(spec, input({ current: 6 })).reason).toMatch(/already at max 6/);
    expect(evaluateScale(spec, input({ current: 3, targetMax: 4 }))).toMatchObject({ decision: 'scale_out', delta: 1 });
    expect(evaluateScale(spec, input({ samples: steady(0, 0), current: 3, targetMin: 2 }))).toMatchObject({ decision: 'scale_in', delta: -1 });
    expect(evaluateScale(spec, input({ samples: steady(0, 0), current: 1 })).reason).toMatch(/already at min 1/);
    // Unbounded on both sides: step applies as is.
    expect(evaluateScale({ ...spec, maxInstances: -1 }, input({ current: 50, targetMax: -1 }))).toMatchObject({ delta: 2 });
  });

  it('waits out the cooldown after its last scale', () => {
    expect(evaluateScale(spec, input({ lastScaleAt: NOW - 20_000 }))).toMatchObject({ decision: 'hold' });
    expect(evaluateScale(spec, input({ lastScaleAt: NOW - 20_000 })).reason).toMatch(/cooling down \(40s left\)/);
    expect(evaluateScale(spec, input({ lastScaleAt: NOW - 60_000 }))).toMatchObject({ decision: 'scale_out' });
  });

  it('skips while another execution runs on the deployment', () => {
    const d = evaluateScale(spec, input({ busyWith: 'install install_1234' }));
    expect(d).toMatchObject({ decision: 'skip' });
    expect(d.reason).toMatch(/install install_1234 is running/);
  });

  it('keeps every decision within bounds whatever the metric and instance counts (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.integer({ min: 1, max: 4 }), (current, rate, targetMin) => {
        const d = evaluateScale(spec, input({ current, samples: steady(rate, rate), targetMin }));
        const after = current + (d.delta ?? 0);
        if (d.decision === 'scale_out') expect(after).toBeLessThanOrEqual(6);
        if (d.decision === 'scale_in') expect(after).toBeGreaterThanOrEqual(Math.max(1, targetMin));
        if (d.decision === 'hold') expect(d.delta).toBeUndefined();
      }),
    );
  });
});

describe('host failure heal policy', () => {
  const heal = healPolicySpec({ name: 'heal', type: 'trellis.policies.host_failure_heal', targets: ['service'], properties: { missed_intervals: 2, interval_seconds: 10 } });
  const up = (instanceId: string, value: number, time = NOW - 1_000) => ({ instanceId, time, value });

  it('heals an instance after missed_intervals failed readiness checks in a row', () => {
    const first = evaluateHeal(heal, { now: NOW, instanceIds: ['a', 'b'], samples: [up('a', 1), up('b', 0)], missed: new Map() });
    expect(first.decision.decision).toBe('hold');
    expect([...first.missed]).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    const second = evaluateHeal(heal, { now: NOW + 10_000, instanceIds: ['a', 'b'], samples: [up('a', 1, NOW + 9_000)], missed: first.missed });
    expect(second.decision).toMatchObject({ decision: 'heal', instanceId: 'b' });
    expect(second.decision.reason).toBe('b had no successful readiness check for 2 intervals');
    expect(second.missed.get('b')).toBe(0);
  });

  it('a live interval resets the count', () => {
    const r = evaluateHeal(heal, { now: NOW, instanceIds: ['a'], samples: [up('a', 1)], missed: new Map([['a', 1]]) });
    expect(r.missed.get('a')).toBe(0);
    expect(r.decision.decision).toBe('hold');
  });

  it('with a metric, any sample of it in the interval proves the instance alive', () => {
    const byMetric = { ...heal, metric: 'cpu' };
    const r = evaluateHeal(byMetric, { now: NOW, instanceIds: ['a', 'b'], samples: [up('a', 0)], missed: new Map([['b', 1]]) });
    expect(r.missed.get('a')).toBe(0);
    expect(r.decision).toMatchObject({ decision: 'heal', instanceId: 'b' });
  });

  it('skips (and keeps counting) while another execution runs', () => {
    const r = evaluateHeal(heal, { now: NOW, instanceIds: ['a'], samples: [], missed: new Map([['a', 5]]), busyWith: 'scale scale_1' });
    expect(r.decision).toMatchObject({ decision: 'skip', instanceId: 'a' });
    expect(r.missed.get('a')).toBe(6);
  });
});
