/**
 * The built-in Prometheus collector: scrapes the text-format endpoint of every target that
 * declares one and turns the families into samples.
 *
 * Which targets: an instance with a `metrics_url` runtime property (trellis.nodes.local
 * .Process records it from its `metrics_path` property once it knows its port), or else
 * one with a `url` runtime property and a non-empty `metrics_path` property (so any type
 * that records its `url` can opt in by declaring the path). Only http(s) URLs are read.
 *
 * How families become samples (one series per instance and name, labels summed away so
 * the store holds a handful of series per instance, not one per label set):
 * - counter: the sum over label sets, marked `counter` (the engine stores its rate as
 *   `<name>:rate`);
 * - gauge / untyped: the sum over label sets;
 * - histogram / summary: `<name>_count` and `<name>_sum` as counters (so `:rate` gives
 *   requests per second and seconds spent per second);
 * - plus `up` (1 scraped, 0 failed) and `scrape_duration_seconds` per target.
 */
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import type { CollectedSample, MetricCollector, MetricTarget } from './collector';

export interface PrometheusCollectorOptions {
  /** Per-target request timeout. @default 3000 */
  timeoutMs?: number;
  /** Largest body read, in bytes (a runaway endpoint must not exhaust memory). @default 4 MiB */
  maxBytes?: number;
}

/** The endpoint a target declares, or undefined when it declares none. */
export function metricsEndpoint(target: MetricTarget): string | undefined {
  const rp = target.runtimeProperties;
  let url: string | undefined;
  if (typeof rp.metrics_url === 'string' && rp.metrics_url) url = rp.metrics_url;
  else if (typeof rp.url === 'string' && typeof target.properties.metrics_path === 'string' && target.properties.metrics_path)
    url = rp.url.replace(/\/$/, '') + (target.properties.metrics_path.startsWith('/') ? '' : '/') + target.properties.metrics_path;
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}

const num = (s: string | undefined): number => (s === undefined ? Number.NaN : Number(s));

/** Turns parsed families into samples for one target (without time: the engine stamps it). */
export function familiesToSamples(families: readonly PromFamily[], target: MetricTarget): CollectedSample[] {
  const base = { deploymentId: target.deploymentId, nodeId: target.nodeId, instanceId: target.instanceId };
  const out: CollectedSample[] = [];
  const total = (values: number[]): number | undefined => {
    const finite = values.filter(Number.isFinite);
    return finite.length ? finite.reduce((a, b) => a + b, 0) : undefined;
  };
  for (const f of families) {
    if (f.type === 'HISTOGRAM' || f.type === 'SUMMARY') {
      const count = total(f.metrics.map((m) => num(m.count)));
      const sum = total(f.metrics.map((m) => num(m.sum)));
      if (count !== undefined) out.push({ ...base, metric: `${f.name}_count`, value: count, counter: true });
      if (sum !== undefined) out.push({ ...base, metric: `${f.name}_sum`, value: sum, counter: true });
      continue;
    }
    const value = total(f.metrics.map((m) => num(m.value)));
    if (value === undefined) continue;
    out.push(f.type === 'COUNTER' ? { ...base, metric: f.name, value, counter: true } : { ...base, metric: f.name, value });
  }
  return out;
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`metrics body larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Creates the Prometheus text-format collector. */
export function createPrometheusCollector(options: PrometheusCollectorOptions = {}): MetricCollector {
  const timeoutMs = options.timeoutMs ?? 3000;
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const scrape = async (target: MetricTarget, url: string, signal: AbortSignal): Promise<CollectedSample[]> => {
    const base = { deploymentId: target.deploymentId, nodeId: target.nodeId, instanceId: target.instanceId };
    const started = performance.now();
    try {
      const response = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        headers: { accept: 'text/plain;version=0.0.4' },
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      const samples = familiesToSamples(parsePrometheusTextFormat(await readCapped(response, maxBytes)), target);
      samples.push({ ...base, metric: 'up', value: 1 }, { ...base, metric: 'scrape_duration_seconds', value: (performance.now() - started) / 1000 });
      return samples;
    } catch {
      // An unreachable or broken endpoint is data (up = 0), not a collector failure.
      return [{ ...base, metric: 'up', value: 0 }];
    }
  };
  return {
    name: 'prometheus',
    async collect(targets, signal) {
      const jobs: Promise<CollectedSample[]>[] = [];
      for (const t of targets) {
        const url = metricsEndpoint(t);
        if (url) jobs.push(scrape(t, url, signal));
      }
      return (await Promise.all(jobs)).flat();
    },
  };
}
