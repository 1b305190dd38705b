/**
 * The collector interface, as engine code sees it. The types are declared in the plugin
 * SDK (plugins/sdk/collector.ts) because plugins may import only the SDK; they are
 * re-exported here, with the registry that gathers the collectors of all plugins.
 *
 * How a plugin adds one: `definePlugin({ ..., collectors: [myCollector] })`, where
 * `myCollector: MetricCollector = { name, collect(targets, signal) }`. See the SDK file for
 * the rules (stateless, `counter: true` for counters, `up` per target, honour the signal).
 */
import type { CollectedSample, CollectorContext, CollectorSecrets, MetricCollector, MetricTarget, PluginDefinition } from '../../plugins/sdk';

export type { CollectedSample, CollectorContext, CollectorSecrets, MetricCollector, MetricTarget };

/** The collectors the engine runs: its own built-ins plus those plugins contribute. */
export class CollectorRegistry {
  private readonly byName = new Map<string, MetricCollector>();

  constructor(collectors: readonly MetricCollector[] = []) {
    for (const c of collectors) this.add(c);
  }

  /** Builds the registry from built-in collectors and every plugin's `collectors`. */
  static fromPlugins(plugins: readonly PluginDefinition[], builtins: readonly MetricCollector[] = []): CollectorRegistry {
    return new CollectorRegistry([...builtins, ...plugins.flatMap((p) => p.collectors ?? [])]);
  }

  /** Adds a collector; a second one with the same name is a programmer error. */
  add(collector: MetricCollector): void {
    if (this.byName.has(collector.name)) throw new Error(`a metric collector named "${collector.name}" is already registered`);
    this.byName.set(collector.name, collector);
  }

  list(): MetricCollector[] {
    return [...this.byName.values()];
  }
}
