/**
 * The metrics scheduler: once per interval, for every installed deployment, runs every
 * collector over the started instances, turns counters into rates, stores the samples
 * (one transaction), publishes them as one `metric` event, evaluates the deployment's
 * policies that are due, and starts the scale / heal executions they decide on
 * (triggeredBy `policy:<name>`). Every decision is a `policy` event.
 *
 * Time comes from an injected clock; `tick()` runs one round, so tests drive it on a
 * synthetic clock without timers. `start()` runs `tick()` on a real timer.
 */
import type { DeploymentStatus } from '../host/contract';
import type { Plan, Value } from '../dsl/plan-model';
import type { NewEvent } from '../store';
import type { CollectorContext, CollectorRegistry, CollectorSecrets, MetricTarget } from './collector';
import { CounterRates } from './rates';
import type { SeriesStore } from './series-store';
import {
  evaluateHeal,
  evaluateScale,
  healPolicySpec,
  HOST_FAILURE_HEAL,
  METRIC_SCALE,
  scalePolicySpec,
  type HealPolicySpec,
  type PolicyDecision,
  type ScalePolicySpec,
} from './policies';

/** Milliseconds since the epoch. Tests pass a synthetic one. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** One node instance, as the scheduler needs it. */
export interface SchedulerInstance {
  id: string;
  node: string;
  state: string;
  hostId?: string;
  scalingGroups: readonly { name: string; id: string }[];
  runtimeProperties: Record<string, Value>;
}

/** What the scheduler needs from the engine host (EngineHost implements it). */
export interface MetricsHostPort {
  deployments(): { id: string; status: DeploymentStatus; policiesPaused: boolean; plan: Plan }[];
  instances(deploymentId: string): SchedulerInstance[];
  /** Describes the execution active or queued on the deployment, if any (e.g. `scale scale_1a2b`). */
  busyWith(deploymentId: string): string | undefined;
  /** Starts a workflow on behalf of a policy; refused (not queued) when the deployment is busy. */
  startWorkflow(deploymentId: string, workflow: string, parameters: Record<string, Value>, triggeredBy: string): Promise<{ ok: true; executionId: string } | { ok: false; message: string }>;
  /** The deployment's latest `scale` execution (whoever started it: a user's scale is not
   * undone by a policy right away), times in ms. The cooldown counts from its end; read
   * from the store so it holds across engine restarts and processes. */
  lastScale(deploymentId: string): { createdAt: number; endedAt?: number } | undefined;
  emit(event: NewEvent): void;
  /** Read access to the secret store, handed to collectors (see `CollectorContext`). */
  secrets?: CollectorSecrets;
}

export interface MetricsSchedulerOptions {
  host: MetricsHostPort;
  series: SeriesStore;
  collectors: CollectorRegistry;
  clock?: Clock;
  /** How often collectors run. @default 5000 */
  intervalMs?: number;
  /** How long one collector may take per deployment. @default 4000 */
  collectTimeoutMs?: number;
  /** How often retention is applied. @default 60000 */
  pruneEveryMs?: number;
}

/** Deployments whose instances are (mostly) up: the ones worth scraping and policing. */
const WATCHED: readonly DeploymentStatus[] = ['installed', 'partial'];

interface PolicyState {
  lastEvalAt?: number;
  missed: Map<string, number>;
}

export class MetricsScheduler {
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly collectTimeoutMs: number;
  private readonly pruneEveryMs: number;
  private readonly rates = new CounterRates();
  private readonly policyStates = new Map<string, PolicyState>();
  private readonly collectorErrors = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastPruneAt = 0;
  private stopped = false;
  private readonly abort = new AbortController();
  private starting: Promise<void>[] = [];

  constructor(private readonly options: MetricsSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? 5000;
    this.collectTimeoutMs = options.collectTimeoutMs ?? 4000;
    this.pruneEveryMs = options.pruneEveryMs ?? 60_000;
  }

  /** Runs `tick()` every interval (a round that overruns delays the next; none overlap). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .catch(() => undefined)
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a round in progress (its collectors are aborted). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running;
  }

  /** One round over every watched deployment. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    const { host } = this.options;
    for (const d of host.deployments()) {
      if (this.stopped) return;
      if (!WATCHED.includes(d.status)) continue;
      const instances = host.instances(d.id);
      await this.collect(d.id, d.plan, instances, now);
      this.evaluatePolicies(d, instances, now);
    }
    const starting = this.starting;
    this.starting = [];
    await Promise.all(starting);
    if (now - this.lastPruneAt >= this.pruneEveryMs) {
      this.options.series.prune(now);
      this.lastPruneAt = now;
    }
  }

  /** Forgets a deployment's rate baselines and policy state (it was deleted). */
  forget(deploymentId: string): void {
    this.rates.forget(deploymentId);
    for (const key of this.policyStates.keys()) if (key.startsWith(`${deploymentId}\u0000`)) this.policyStates.delete(key);
  }

  // -------------------------------------------------------------------------------------

  private async collect(deploymentId: string, plan: Plan, instances: readonly SchedulerInstance[], now: number): Promise<void> {
    const nodes = new Map(plan.nodes.map((n) => [n.name, n]));
    const targets: MetricTarget[] = [];
    for (const i of instances) {
      const node = nodes.get(i.node);
      if (i.state !== 'started' || !node) continue;
      const t: MetricTarget = { deploymentId, nodeId: i.node, instanceId: i.id, typeHierarchy: node.typeHierarchy, properties: node.properties, runtimeProperties: i.runtimeProperties };
      if (i.hostId !== undefined) t.hostId = i.hostId;
      targets.push(t);
    }
    if (!targets.length) return;
    const context: CollectorContext = this.options.host.secrets ? { secrets: this.options.host.secrets } : {};
    const results = await Promise.all(
      this.options.collectors.list().map(async (c) => {
        const key = `${deploymentId}\u0000${c.name}`;
        try {
          const samples = await c.collect(targets, AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.collectTimeoutMs)]), context);
          this.collectorErrors.delete(key);
          return samples;
        } catch (error) {
          const message = `metric collector ${c.name} failed on ${deploymentId}: ${error instanceof Error ? error.message : String(error)}`;
          // Reported once per distinct failure, not every interval.
          if (this.collectorErrors.get(key) !== message) {
            this.collectorErrors.set(key, message);
            this.options.host.emit({ type: 'log', time: new Date(now).toISOString(), level: 'warn', deploymentId, message });
          }
          return [];
        }
      }),
    );
    if (this.stopped) return;
    const samples = this.rates.convert(results.flat().filter((s) => s.deploymentId === deploymentId), now);
    if (!samples.length) return;
    this.options.series.ingest(samples);
    this.options.host.emit({
      type: 'metric',
      time: new Date(now).toISOString(),
      level: 'debug',
      deploymentId,
      samples,
      message: `${samples.length} metric samples from ${targets.length} instances`,
    });
  }

  private evaluatePolicies(d: { id: string; policiesPaused: boolean; plan: Plan }, instances: readonly SchedulerInstance[], now: number): void {
    for (const p of d.plan.policies) {
      if (p.type !== METRIC_SCALE && p.type !== HOST_FAILURE_HEAL) continue;
      const key = `${d.id}\u0000${p.name}`;
      let state = this.policyStates.get(key);
      if (!state) this.policyStates.set(key, (state = { missed: new Map() }));
      const spec = p.type === METRIC_SCALE ? scalePolicySpec(p) : healPolicySpec(p);
      if (state.lastEvalAt !== undefined && now - state.lastEvalAt < spec.intervalMs) continue;
      state.lastEvalAt = now;
      if (d.policiesPaused) {
        this.decide(d.id, p.name, now, { decision: 'hold', reason: 'policies are paused on this deployment' });
        continue;
      }
      if (p.type === METRIC_SCALE) this.evaluateScalePolicy(d.id, d.plan, scalePolicySpec(p), instances, now);
      else this.evaluateHealPolicy(d.id, d.plan, healPolicySpec(p), state, instances, now);
    }
  }

  private evaluateScalePolicy(deploymentId: string, plan: Plan, spec: ScalePolicySpec, instances: readonly SchedulerInstance[], now: number): void {
    const { host, series } = this.options;
    for (const target of spec.targets) {
      const group = plan.scalingGroups[target];
      const memberNodes = group ? new Set(group.members) : new Set([target]);
      const members = instances.filter((i) => memberNodes.has(i.node) && i.state !== 'deleted');
      const current = group ? new Set(members.flatMap((i) => i.scalingGroups.filter((g) => g.name === target).map((g) => g.id))).size : members.length;
      const bounds = group ? group.properties : plan.nodes.find((n) => n.name === target)?.capabilities.scalable;
      if (!bounds) continue;
      const busyWith = host.busyWith(deploymentId);
      const last = host.lastScale(deploymentId);
      const lastScaleAt = last ? (last.endedAt ?? now) : undefined;
      const samples = series.rawSince(deploymentId, spec.metric, now - spec.windowMs, members.map((i) => i.id));
      const decision = evaluateScale(spec, {
        now,
        samples,
        current,
        targetMin: bounds.minInstances,
        targetMax: bounds.maxInstances,
        ...(lastScaleAt !== undefined ? { lastScaleAt } : {}),
        ...(busyWith !== undefined ? { busyWith } : {}),
      });
      const label = spec.targets.length > 1 ? `${target}: ` : '';
      if ((decision.decision === 'scale_out' || decision.decision === 'scale_in') && decision.delta) {
        this.act(deploymentId, spec.name, now, decision, 'scale', { scalable_entity_name: target, delta: decision.delta }, label);
      } else this.decide(deploymentId, spec.name, now, decision, label);
    }
  }

  private evaluateHealPolicy(deploymentId: string, plan: Plan, spec: HealPolicySpec, state: PolicyState, instances: readonly SchedulerInstance[], now: number): void {
    const nodes = new Set(spec.targets.flatMap((t) => plan.scalingGroups[t]?.members ?? plan.groups[t]?.members ?? [t]));
    const watched = instances.filter((i) => nodes.has(i.node) && i.state === 'started').map((i) => i.id);
    const metric = spec.metric || 'up';
    const busyWith = this.options.host.busyWith(deploymentId);
    const result = evaluateHeal(spec, {
      now,
      instanceIds: watched,
      samples: this.options.series.rawSince(deploymentId, metric, now - spec.intervalMs, watched),
      missed: state.missed,
      ...(busyWith !== undefined ? { busyWith } : {}),
    });
    state.missed = result.missed;
    const d = result.decision;
    if (d.decision === 'heal' && d.instanceId) this.act(deploymentId, spec.name, now, d, 'heal', { node_instance_id: d.instanceId });
    else this.decide(deploymentId, spec.name, now, d);
  }

  private act(deploymentId: string, policy: string, now: number, decision: PolicyDecision, workflow: string, parameters: Record<string, Value>, label = ''): void {
    this.decide(deploymentId, policy, now, decision, label);
    // Tracked so a tick awaits it: the next evaluation must see the execution it started.
    this.starting.push(
      this.options.host.startWorkflow(deploymentId, workflow, parameters, `policy:${policy}`).then(
        (r) => {
          if (!r.ok) this.decide(deploymentId, policy, this.clock.now(), { decision: 'skip', reason: `${label}${workflow} was not started: ${r.message}` });
        },
        () => undefined,
      ),
    );
  }

  private decide(deploymentId: string, policy: string, now: number, d: PolicyDecision, label = ''): void {
    const level = d.decision === 'hold' ? 'debug' : d.decision === 'skip' ? 'warn' : 'info';
    const event: NewEvent = {
      type: 'policy',
      time: new Date(now).toISOString(),
      level,
      deploymentId,
      policy,
      decision: d.decision,
      reason: `${label}${d.reason}`,
      message: `policy ${policy}: ${d.decision} (${label}${d.reason})`,
    };
    if (d.instanceId) event.instanceId = d.instanceId;
    this.options.host.emit(event);
  }
}

