/**
 * Metric ingest bench: samples per second stored by the SeriesStore (raw rows + 1-minute
 * roll-up upserts, one transaction per batch), as the scheduler ingests a collection round.
 * Shape: `instances` instances × `metrics` metrics per round, rounds 5 s apart in sample
 * time. Target ≥ 10,000 samples/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../engine/store';
import { SeriesStore } from '../../engine/metrics/series-store';
import type { MetricSample } from '../../engine/host/contract';

export interface IngestBenchResult {
  samples: number;
  batchSize: number;
  seconds: number;
  samplesPerSecond: number;
  /** How long one 10-minute, 10 s-step query over all instances of a metric takes. */
  queryMs: number;
}

/** Runs the ingest bench and prints its numbers. */
export function runIngestBench(args: readonly string[]): IngestBenchResult {
  const quick = args.includes('--quick');
  const instances = 50;
  const metrics = 40; // about what prom-client's default metrics give per process
  const rounds = quick ? 60 : 300;
  const home = mkdtempSync(join(tmpdir(), 'trellis-ingest-bench-'));
  const store = openStore({ home });
  try {
    const series = new SeriesStore(store.db);
    const t0 = Date.now() - rounds * 5_000;
    const batch = (round: number): MetricSample[] => {
      const out: MetricSample[] = [];
      for (let i = 0; i < instances; i++)
        for (let m = 0; m < metrics; m++)
          out.push({ deploymentId: 'bench', nodeId: `node_${i % 5}`, instanceId: `inst_${i}`, metric: `metric_${m}`, time: t0 + round * 5_000, value: Math.sin(round + i + m) * 100 });
      return out;
    };
    const batches = Array.from({ length: rounds }, (_, r) => batch(r));
    let stored = 0;
    const started = performance.now();
    for (const b of batches) stored += series.ingest(b);
    const seconds = (performance.now() - started) / 1000;
    const q0 = performance.now();
    const result = series.query({ deploymentId: 'bench', metric: 'metric_0', from: Date.now() - 600_000, to: Date.now(), stepMs: 10_000, aggregation: 'avg' }, Date.now());
    const queryMs = performance.now() - q0;
    if (result.length !== instances) throw new Error(`query returned ${result.length} series, expected ${instances}`);
    const r: IngestBenchResult = { samples: stored, batchSize: instances * metrics, seconds, samplesPerSecond: Math.round(stored / seconds), queryMs: Math.round(queryMs * 10) / 10 };
    console.log(
      `metric ingest: ${r.samples} samples in ${rounds} batches of ${r.batchSize} -> ${r.samplesPerSecond.toLocaleString('en-US')} samples/s (${r.seconds.toFixed(2)} s; target >= 10,000/s ${r.samplesPerSecond >= 10_000 ? 'met' : 'NOT met'})`,
    );
    console.log(`metric query: ${instances} series x 10 min at 10 s steps in ${r.queryMs} ms`);
    return r;
  } finally {
    store.close();
    rmSync(home, { recursive: true, force: true });
  }
}
