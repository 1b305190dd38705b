/**
 * Metric series -> chart rows for recharts (one row per time, one column per instance),
 * the policy thresholds that apply to a metric, and the scale/heal marks for the time axis.
 */
import type { HostEvent, MetricSeries, Plan } from '../../engine/host/contract';

/** Rows `{ time, [instanceId]: value }`, sorted by time; the instance ids in first-seen order. */
export function chartRows(series: readonly MetricSeries[]): {
  rows: Record<string, number>[];
  keys: string[];
} {
  const byTime = new Map<number, Record<string, number>>();
  const keys: string[] = [];
  for (const s of series) {
    if (!keys.includes(s.instanceId)) keys.push(s.instanceId);
    for (const p of s.points) {
      let row = byTime.get(p.time);
      if (!row) byTime.set(p.time, (row = { time: p.time }));
      row[s.instanceId] = p.value;
    }
  }
  return { rows: [...byTime.values()].sort((a, b) => (a['time'] ?? 0) - (b['time'] ?? 0)), keys };
}

/** A threshold line to draw. */
export interface Threshold {
  policy: string;
  kind: 'up' | 'down';
  value: number;
  aggregation: string;
}

/** Thresholds of the plan's metric-scale policies on `metric` (optionally targeting `node`). */
export function thresholdsFor(
  plan: Pick<Plan, 'policies' | 'scalingGroups'> | undefined,
  metric: string,
  node?: string,
): Threshold[] {
  const out: Threshold[] = [];
  for (const p of plan?.policies ?? []) {
    if (p.properties['metric'] !== metric) continue;
    if (
      node &&
      !p.targets.some((t) => t === node || plan?.scalingGroups[t]?.members.includes(node))
    )
      continue;
    const aggregation =
      typeof p.properties['aggregation'] === 'string' ? p.properties['aggregation'] : 'avg';
    const up = p.properties['scale_up_threshold'];
    const down = p.properties['scale_down_threshold'];
    if (typeof up === 'number') out.push({ policy: p.name, kind: 'up', value: up, aggregation });
    if (typeof down === 'number')
      out.push({ policy: p.name, kind: 'down', value: down, aggregation });
  }
  return out;
}

/** A mark on the time axis: a policy decision that acted, or a scale/heal execution starting. */
export interface TimeMark {
  time: number;
  label: string;
  kind: 'scale' | 'heal';
}

/** Scale and heal marks for a deployment within [from, to]. */
export function timeMarks(
  events: Iterable<HostEvent>,
  deploymentId: string,
  from: number,
  to: number,
): TimeMark[] {
  const marks: TimeMark[] = [];
  for (const e of events) {
    if (e.deploymentId !== deploymentId) continue;
    const t = Date.parse(e.time);
    if (t < from || t > to) continue;
    if (
      e.type === 'policy' &&
      (e.decision === 'scale_out' || e.decision === 'scale_in' || e.decision === 'heal')
    )
      marks.push({
        time: t,
        label: `${e.policy}: ${e.decision.replace('_', ' ')}`,
        kind: e.decision === 'heal' ? 'heal' : 'scale',
      });
    else if (
      e.type === 'execution' &&
      e.status === 'started' &&
      (e.workflow === 'scale' || e.workflow === 'heal')
    )
      marks.push({ time: t, label: e.workflow, kind: e.workflow === 'heal' ? 'heal' : 'scale' });
  }
  // A policy's decision and the execution it starts land together: keep the decision,
  // which says why, so the two labels do not print over each other.
  const decisions = marks.filter((m) => m.label.includes(':'));
  return marks.filter(
    (m) =>
      m.label.includes(':') ||
      !decisions.some((d) => d.kind === m.kind && Math.abs(d.time - m.time) < 5000),
  );
}
