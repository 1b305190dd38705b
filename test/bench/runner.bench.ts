/**
 * `npm run bench -- runner [--quick] [--rate=N]`: the runner and monitoring.
 * UI part (test/bench/runner-ui.ts): events per second delivered to the Runner tab in
 * Chromium without dropping, and frame times while they stream. Metrics part
 * (test/bench/metrics-ingest.ts): samples per second ingested into the series store.
 */
import { runUiBench } from './runner-ui';
import { runIngestBench } from './metrics-ingest';

export async function run(args: string[]): Promise<void> {
  // Metrics first: it needs no browser, so its numbers come even where Chromium is missing.
  runIngestBench(args);
  await runUiBench(args);
}
