/**
 * `npm run bench -- runner [--quick] [--rate=N]`: the runner and monitoring.
 * UI part (test/bench/runner-ui.ts): events per second delivered to the Runner tab in
 * Chromium without dropping, and frame times while they stream. The metrics part (samples
 * ingested per second into the series store) is added by the metrics work.
 */
import { runUiBench } from './runner-ui';

export async function run(args: string[]): Promise<void> {
  await runUiBench(args);
}
