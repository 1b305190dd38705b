/**
 * Metric collectors: how plugins contribute metric sources to the engine without the
 * engine naming them. A plugin lists collectors in `PluginDefinition.collectors`; the
 * engine's metrics scheduler calls every registered collector once per interval with the
 * started node instances of each installed deployment, and each collector picks the
 * targets it knows how to read (e.g. the Prometheus scraper takes instances with a
 * `metrics_url` runtime property, an SSH collector those with an SSH host, a Kubernetes
 * collector workload instances) and ignores the others.
 *
 * The types live in the SDK (not engine/metrics) because plugins may import only the SDK;
 * engine/metrics/collector.ts re-exports them for engine code.
 */
import type { Value } from '../../engine/dsl/plan-model';

/** One started node instance a collector may read metrics from. */
export interface MetricTarget {
  deploymentId: string;
  nodeId: string;
  instanceId: string;
  /** The node's type and its ancestors, most-derived first. */
  typeHierarchy: readonly string[];
  /** The node template's (evaluated where static) properties. */
  properties: Readonly<Record<string, Value>>;
  /** The instance's runtime properties (secrets included: never log them). */
  runtimeProperties: Readonly<Record<string, Value>>;
  /** The instance's host instance id (itself for a Compute), if any. */
  hostId?: string;
}

/**
 * A sample as a collector returns it: the contract's `MetricSample` plus `counter`.
 * Collectors stay stateless: a monotonically increasing counter is returned as its raw
 * value with `counter: true`, and the engine turns successive values into a per-second
 * rate stored under `<metric>:rate` (a reset or the first value yields no rate sample).
 */
export interface CollectedSample {
  deploymentId: string;
  nodeId: string;
  instanceId: string;
  metric: string;
  /** Milliseconds since the epoch; when absent the engine stamps the collection time
   * (its clock), which is what most collectors want. */
  time?: number;
  value: number;
  labels?: Record<string, string>;
  counter?: boolean;
}

/**
 * A source of metrics. `collect` is called once per interval with every started instance
 * of one deployment and must settle promptly when `signal` aborts (the scheduler aborts
 * it after the interval's timeout). It should not throw for one unreachable target:
 * report it by emitting `up = 0` for that target (Prometheus' convention; the host-failure
 * heal policy reads `up`), and `up = 1` for every target it read successfully.
 */
export interface MetricCollector {
  /** Unique among collectors, e.g. `prometheus`, `ssh-proc`, `kubernetes-metrics`. */
  name: string;
  collect(targets: readonly MetricTarget[], signal: AbortSignal, context?: CollectorContext): Promise<CollectedSample[]>;
}

/** Read-only access to named secrets for collectors (values never go to logs or events). */
export interface CollectorSecrets {
  /** The secret's value, or undefined when no secret has that name. */
  get(name: string): Promise<string | undefined>;
}

/**
 * What the engine gives a collector besides its targets. Collectors run outside any
 * operation, so credentials an operation kept for them (in the secret store, referenced
 * by name from a runtime property) are read here. Optional: a host without a secret store
 * (e.g. a unit test) leaves `secrets` out, and collectors then report such targets `up = 0`.
 */
export interface CollectorContext {
  secrets?: CollectorSecrets;
}
