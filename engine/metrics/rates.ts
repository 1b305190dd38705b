/**
 * Counter → rate conversion. Collectors return counters as raw values (`counter: true`)
 * and stay stateless; this keeps the previous value per series and emits the per-second
 * increase as `<metric>:rate`. A counter that went down was reset (process restarted):
 * that interval yields no rate, and the new value becomes the baseline.
 */
import type { MetricSample } from '../host/contract';
import type { CollectedSample } from './collector';

/** Suffix of the series a counter's rate is stored under. */
export const RATE_SUFFIX = ':rate';

export class CounterRates {
  private readonly previous = new Map<string, { time: number; value: number }>();

  /** Stamps samples without a time with `now`, and replaces counters by their rates. */
  convert(samples: readonly CollectedSample[], now: number): MetricSample[] {
    const out: MetricSample[] = [];
    for (const s of samples) {
      const time = s.time ?? now;
      const sample: MetricSample = { deploymentId: s.deploymentId, nodeId: s.nodeId, instanceId: s.instanceId, metric: s.metric, time, value: s.value };
      if (s.labels) sample.labels = s.labels;
      if (!s.counter) {
        out.push(sample);
        continue;
      }
      const key = `${s.deploymentId}\u0000${s.instanceId}\u0000${s.metric}`;
      const prev = this.previous.get(key);
      this.previous.set(key, { time, value: s.value });
      if (!prev || time <= prev.time || s.value < prev.value) continue;
      out.push({ ...sample, metric: s.metric + RATE_SUFFIX, value: (s.value - prev.value) / ((time - prev.time) / 1000) });
    }
    return out;
  }

  /** Forgets the baselines of a deployment (its instances are gone). */
  forget(deploymentId: string): void {
    for (const key of this.previous.keys()) if (key.startsWith(`${deploymentId}\u0000`)) this.previous.delete(key);
  }
}
