/**
 * `trellis metrics DEPLOYMENT [METRIC]`: the metrics a deployment has, or one metric's
 * series (one per instance) over a recent window. Samples are collected by a running
 * engine (the app or `trellis serve`); this command only reads the store.
 */
import type { Command } from 'commander';
import type { MetricQuery } from '../../host/contract';
import { addCommonOptions, CliFailure, ExitCode, printJson, table, unwrap, withHost, type CommonOptions } from '../run-support';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `1h`, `7d` or plain milliseconds → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new CliFailure(`"${text}" is not a duration (e.g. 30s, 10m, 1h, 7d)`, ExitCode.badInput);
  return Number(m[1]) * (UNITS[m[2] ?? 'ms'] ?? 1);
}

interface MetricsOptions extends CommonOptions {
  since: string;
  step?: string;
  aggregation?: MetricQuery['aggregation'];
  node?: string;
  instance?: string;
}

const fmt = (v: number | undefined): string => (v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(3));

export function register(program: Command): void {
  addCommonOptions(
    program
      .command('metrics')
      .description("list a deployment's metrics, or show one metric per instance")
      .argument('<deployment>', 'the deployment')
      .argument('[metric]', 'the metric, e.g. http_requests_total:rate')
      .option('--since <duration>', 'how far back (30s, 10m, 1h, 7d)', '10m')
      .option('--step <duration>', 'bucket width; raw samples without it')
      .option('--aggregation <agg>', 'avg | min | max | sum | last | rate (with --step)')
      .option('--node <node>', 'only this node')
      .option('--instance <instance>', 'only this instance'),
  ).action(async (deploymentId: string, metric: string | undefined, opts: MetricsOptions) => {
    await withHost(opts, async (host) => {
      if (!metric) {
        const list = unwrap(await host.call('metrics.list', { deploymentId }));
        if (opts.json) return printJson(list);
        if (!list.length) return console.log(`no metrics for ${deploymentId} yet (they are collected while the app or \`trellis serve\` runs)`);
        console.log(table([['METRIC', 'NODES'], ...list.map((m) => [m.metric, m.nodeIds.join(', ')])]));
        return;
      }
      const to = Date.now();
      const q: MetricQuery = { deploymentId, metric, from: to - parseDuration(opts.since), to };
      if (opts.step) q.stepMs = parseDuration(opts.step);
      if (opts.aggregation) q.aggregation = opts.aggregation;
      if (opts.node) q.nodeId = opts.node;
      if (opts.instance) q.instanceId = opts.instance;
      const series = unwrap(await host.call('metrics.query', q));
      if (opts.json) return printJson(series);
      if (!series.length) return console.log(`no samples of ${metric} in the last ${opts.since}`);
      const rows = series.map((s) => {
        const values = s.points.map((p) => p.value);
        const last = s.points.at(-1);
        return [s.instanceId, s.nodeId, String(values.length), fmt(values.length ? Math.min(...values) : undefined), fmt(values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined), fmt(values.length ? Math.max(...values) : undefined), fmt(last?.value), last ? new Date(last.time).toISOString().slice(11, 19) : '-'];
      });
      console.log(table([['INSTANCE', 'NODE', 'POINTS', 'MIN', 'AVG', 'MAX', 'LAST', 'AT'], ...rows]));
    });
  });
}
