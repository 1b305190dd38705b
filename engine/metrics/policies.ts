/**
 * Policy evaluation: pure functions of a policy, the observations and the time (an
 * injected clock, so tests run on a synthetic one). The scheduler gathers the inputs,
 * calls these, and acts on the decisions.
 *
 * - `trellis.policies.metric_scale`: per target instance, the mean of its samples in the
 *   window; those means combined across instances by `aggregation` (so `sum` of a request
 *   rate is the total rate, `avg` the rate per instance). Above `scale_up_threshold` →
 *   scale out by `step`, below `scale_down_threshold` → scale in by `step`, clamped to the
 *   tighter of the policy's and the target's min/max; nothing while cooling down after
 *   this policy's last scale, and nothing while another execution runs (skip, see
 *   docs/adr/0003-policies-skip-while-busy.md).
 * - `trellis.policies.host_failure_heal`: an instance is alive in an interval when the
 *   metric has a sample in it (or, by readiness, when its latest `up` sample in it is 1).
 *   After `missed_intervals` dead intervals in a row → heal that instance (one per
 *   decision: a deployment runs one execution at a time).
 */
import type { PlanPolicy, Value } from '../dsl/plan-model';

export const METRIC_SCALE = 'trellis.policies.metric_scale';
export const HOST_FAILURE_HEAL = 'trellis.policies.host_failure_heal';

export type Decision = 'scale_out' | 'scale_in' | 'heal' | 'hold' | 'skip';

/** What a policy decided, and why (the `reason` goes into the `policy` event). */
export interface PolicyDecision {
  decision: Decision;
  reason: string;
  /** For scale decisions: signed instance delta. */
  delta?: number;
  /** For heal: the instance to heal. */
  instanceId?: string;
  /** The aggregated metric value the decision was made on, if any. */
  value?: number;
}

export interface ScalePolicySpec {
  name: string;
  /** Node or scaling group (a policy with several targets scales each separately). */
  targets: string[];
  metric: string;
  aggregation: 'avg' | 'max' | 'min' | 'sum';
  windowMs: number;
  scaleUp: number;
  scaleDown: number;
  step: number;
  cooldownMs: number;
  minInstances: number;
  /** -1: the target's own bound. */
  maxInstances: number;
  intervalMs: number;
}

export interface HealPolicySpec {
  name: string;
  targets: string[];
  /** Empty: use readiness (`up`). */
  metric: string;
  readiness: boolean;
  missedIntervals: number;
  intervalMs: number;
}

const numberOf = (v: Value | undefined, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const stringOf = (v: Value | undefined, fallback: string): string => (typeof v === 'string' ? v : fallback);

/** Reads a metric_scale policy of the plan (the compiler has checked types and defaults). */
export function scalePolicySpec(p: PlanPolicy): ScalePolicySpec {
  const pr = p.properties;
  const aggregation = stringOf(pr.aggregation, 'avg');
  return {
    name: p.name,
    targets: p.targets,
    metric: stringOf(pr.metric, ''),
    aggregation: aggregation === 'max' || aggregation === 'min' || aggregation === 'sum' ? aggregation : 'avg',
    windowMs: numberOf(pr.window_seconds, 60) * 1000,
    scaleUp: numberOf(pr.scale_up_threshold, Number.POSITIVE_INFINITY),
    scaleDown: numberOf(pr.scale_down_threshold, Number.NEGATIVE_INFINITY),
    step: Math.max(1, Math.floor(numberOf(pr.step, 1))),
    cooldownMs: numberOf(pr.cooldown_seconds, 120) * 1000,
    minInstances: Math.max(0, Math.floor(numberOf(pr.min_instances, 1))),
    maxInstances: Math.floor(numberOf(pr.max_instances, -1)),
    intervalMs: numberOf(pr.interval_seconds, 15) * 1000,
  };
}

/** Reads a host_failure_heal policy of the plan. */
export function healPolicySpec(p: PlanPolicy): HealPolicySpec {
  const pr = p.properties;
  return {
    name: p.name,
    targets: p.targets,
    metric: stringOf(pr.metric, ''),
    readiness: pr.readiness !== false,
    missedIntervals: Math.max(1, Math.floor(numberOf(pr.missed_intervals, 3))),
    intervalMs: numberOf(pr.interval_seconds, 15) * 1000,
  };
}

export interface ScaleInput {
  now: number;
  /** Samples of the policy's metric from the target's instances (any times; the window is applied here). */
  samples: readonly { instanceId: string; time: number; value: number }[];
  /** The target's current instance count. */
  current: number;
  /** The target's own bounds (max -1: unbounded). */
  targetMin: number;
  targetMax: number;
  /** When this policy last started a scale, if ever. */
  lastScaleAt?: number;
  /** Set when another execution is active or queued on the deployment (what it is). */
  busyWith?: string;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** Decides what a metric_scale policy does now. */
export function evaluateScale(spec: ScalePolicySpec, input: ScaleInput): PolicyDecision {
  if (input.busyWith) return { decision: 'skip', reason: `${input.busyWith} is running on the deployment; re-evaluating next interval` };
  const from = input.now - spec.windowMs;
  const perInstance = new Map<string, { sum: number; count: number }>();
  for (const s of input.samples) {
    if (s.time <= from || s.time > input.now || !Number.isFinite(s.value)) continue;
    const acc = perInstance.get(s.instanceId) ?? { sum: 0, count: 0 };
    acc.sum += s.value;
    acc.count++;
    perInstance.set(s.instanceId, acc);
  }
  const windowText = `${fmt(spec.windowMs / 1000)}s`;
  if (!perInstance.size) return { decision: 'hold', reason: `no samples of ${spec.metric} in the last ${windowText}` };
  const means = [...perInstance.values()].map((a) => a.sum / a.count);
  const value =
    spec.aggregation === 'max' ? Math.max(...means)
    : spec.aggregation === 'min' ? Math.min(...means)
    : spec.aggregation === 'sum' ? means.reduce((a, b) => a + b, 0)
    : means.reduce((a, b) => a + b, 0) / means.length;
  const what = `${spec.aggregation}(${spec.metric}) over ${windowText} = ${fmt(value)}`;
  const min = Math.max(spec.minInstances, input.targetMin);
  const max = spec.maxInstances === -1 ? input.targetMax : input.targetMax === -1 ? spec.maxInstances : Math.min(spec.maxInstances, input.targetMax);
  const coolingFor = input.lastScaleAt !== undefined ? input.lastScaleAt + spec.cooldownMs - input.now : 0;
  if (value > spec.scaleUp) {
    if (max !== -1 && input.current >= max) return { decision: 'hold', reason: `${what} > ${fmt(spec.scaleUp)}, but already at max ${max} instances`, value };
    if (coolingFor > 0) return { decision: 'hold', reason: `${what} > ${fmt(spec.scaleUp)}, cooling down (${fmt(coolingFor / 1000)}s left)`, value };
    const target = max === -1 ? input.current + spec.step : Math.min(max, input.current + spec.step);
    return { decision: 'scale_out', reason: `${what} > ${fmt(spec.scaleUp)}: ${input.current} -> ${target} instances`, delta: target - input.current, value };
  }
  if (value < spec.scaleDown) {
    if (input.current <= min) return { decision: 'hold', reason: `${what} < ${fmt(spec.scaleDown)}, but already at min ${min} instances`, value };
    if (coolingFor > 0) return { decision: 'hold', reason: `${what} < ${fmt(spec.scaleDown)}, cooling down (${fmt(coolingFor / 1000)}s left)`, value };
    const target = Math.max(min, input.current - spec.step);
    return { decision: 'scale_in', reason: `${what} < ${fmt(spec.scaleDown)}: ${input.current} -> ${target} instances`, delta: target - input.current, value };
  }
  return { decision: 'hold', reason: `${what} is within [${fmt(spec.scaleDown)}, ${fmt(spec.scaleUp)}]`, value };
}

export interface HealInput {
  now: number;
  /** The started instances of the policy's targets. */
  instanceIds: readonly string[];
  /** Samples since the previous evaluation: of the policy's metric, or of `up` for readiness. */
  samples: readonly { instanceId: string; time: number; value: number }[];
  /** Consecutive dead intervals per instance so far (the previous result's `missed`). */
  missed: ReadonlyMap<string, number>;
  busyWith?: string;
}

export interface HealResult {
  decision: PolicyDecision;
  /** Carry into the next evaluation. */
  missed: Map<string, number>;
}

/** Counts dead intervals per instance and decides whether to heal one. */
export function evaluateHeal(spec: HealPolicySpec, input: HealInput): HealResult {
  const missed = new Map<string, number>();
  if (!spec.metric && !spec.readiness) return { decision: { decision: 'hold', reason: 'no metric and readiness off: nothing to watch' }, missed };
  const from = input.now - spec.intervalMs;
  const latest = new Map<string, { time: number; value: number }>();
  for (const s of input.samples) {
    if (s.time <= from || s.time > input.now) continue;
    const l = latest.get(s.instanceId);
    if (!l || s.time >= l.time) latest.set(s.instanceId, { time: s.time, value: s.value });
  }
  const signal = spec.metric ? `samples of ${spec.metric}` : 'successful readiness check';
  for (const id of input.instanceIds) {
    const l = latest.get(id);
    const alive = spec.metric ? l !== undefined : l !== undefined && l.value === 1;
    missed.set(id, alive ? 0 : (input.missed.get(id) ?? 0) + 1);
  }
  const failing = input.instanceIds.filter((id) => (missed.get(id) ?? 0) >= spec.missedIntervals);
  const first = failing[0];
  if (first === undefined) {
    const worst = Math.max(0, ...missed.values());
    return { decision: { decision: 'hold', reason: worst ? `an instance missed ${worst} of ${spec.missedIntervals} intervals (${signal})` : `all ${input.instanceIds.length} instances alive` }, missed };
  }
  const why = `${first} had no ${signal} for ${missed.get(first)} intervals`;
  if (input.busyWith) return { decision: { decision: 'skip', reason: `${why}, but ${input.busyWith} is running; re-evaluating next interval`, instanceId: first }, missed };
  // The healed instance starts counting afresh once the heal has run.
  missed.set(first, 0);
  return { decision: { decision: 'heal', reason: why, instanceId: first }, missed };
}
