/**
 * The EngineHost's metrics side: the series store, the collector registry (the built-in
 * Prometheus scraper plus whatever plugins contribute), the scheduler that collects and
 * runs policies, and the load generator. EngineHost owns one and forwards `metrics.*` and
 * `load.generate` to it; it hands in the few host internals the scheduler needs as a port.
 */
import type { PluginDefinition } from '../../plugins/sdk';
import {
  CollectorRegistry,
  createPrometheusCollector,
  MetricsScheduler,
  SeriesStore,
  startLoad,
  type Clock,
  type LoadRun,
  type MetricsHostPort,
  type SeriesStoreOptions,
} from '../metrics';
import type { Store } from '../store';
import type { LoadParams, LoadResult, MetricQuery, MetricSeries } from './contract';

/** How the host runs metrics. Defaults suit the desktop app. */
export interface HostMetricsOptions extends SeriesStoreOptions {
  /** Run the collection/policy timer. Tests drive `scheduler.tick()` themselves instead. @default true */
  autoStart?: boolean;
  /** Collection interval. @default 5000 */
  intervalMs?: number;
  /** Per-collector timeout per round. @default 4000 */
  collectTimeoutMs?: number;
  /** The clock samples and policies use. @default Date.now */
  clock?: Clock;
}

export class HostMetrics {
  readonly series: SeriesStore;
  readonly collectors: CollectorRegistry;
  readonly scheduler: MetricsScheduler;
  private readonly loads = new Map<string, LoadRun>();
  private readonly clock: Clock;

  constructor(store: Store, plugins: readonly PluginDefinition[], port: MetricsHostPort, options: HostMetricsOptions = {}) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.series = new SeriesStore(store.db, options);
    this.collectors = CollectorRegistry.fromPlugins(plugins, [createPrometheusCollector()]);
    this.scheduler = new MetricsScheduler({
      host: port,
      series: this.series,
      collectors: this.collectors,
      clock: this.clock,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.collectTimeoutMs !== undefined ? { collectTimeoutMs: options.collectTimeoutMs } : {}),
    });
    if (options.autoStart !== false) this.scheduler.start();
  }

  query(q: MetricQuery): MetricSeries[] {
    return this.series.query(q, this.clock.now());
  }

  list(deploymentId: string): { metric: string; nodeIds: string[] }[] {
    return this.series.list(deploymentId);
  }

  /** Starts (or replaces, or with rps 0 stops) the deployment's load toward `url`. */
  async generateLoad(p: LoadParams, url: string): Promise<LoadResult> {
    this.loads.get(p.deploymentId)?.stop();
    this.loads.delete(p.deploymentId);
    const target = url.replace(/\/$/, '') + (p.path ?? '/');
    const run = startLoad(target, p.rps, p.seconds);
    this.loads.set(p.deploymentId, run);
    void run.done.then(() => {
      if (this.loads.get(p.deploymentId) === run) this.loads.delete(p.deploymentId);
    });
    const result: LoadResult = { url: target, rps: p.rps, seconds: p.seconds };
    if (!p.wait) return result;
    const stats = await run.done;
    return { ...result, ...stats };
  }

  forgetDeployment(deploymentId: string): void {
    this.loads.get(deploymentId)?.stop();
    this.series.deleteDeployment(deploymentId);
    this.scheduler.forget(deploymentId);
  }

  async close(): Promise<void> {
    for (const run of this.loads.values()) run.stop();
    await this.scheduler.stop();
  }
}

/** Milliseconds of an ISO time, or undefined. */
export const msOf = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
