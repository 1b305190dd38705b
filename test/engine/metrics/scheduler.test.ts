import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { compile, createImportResolver } from '../../../engine/dsl';
import { coreTypesFile } from '../../../engine/dsl/core';
import type { Plan, Value } from '../../../engine/dsl/plan-model';
import type { DeploymentStatus, HostEvent } from '../../../engine/host/contract';
import { openStore, type NewEvent, type Store } from '../../../engine/store';
import {
  CollectorRegistry,
  createPrometheusCollector,
  MetricsScheduler,
  SeriesStore,
  type MetricCollector,
  type MetricsHostPort,
  type SchedulerInstance,
} from '../../../engine/metrics';
import { definePlugin } from '../../../plugins/sdk';

const BLUEPRINT = `
tosca_definitions_version: cloudify_dsl_1_5
imports:
  - cloudify/types/types.yaml
node_types:
  test.Service:
    derived_from: cloudify.nodes.Root
    properties:
      metrics_path: { type: string, default: '' }
node_templates:
  service:
    type: test.Service
    properties:
      metrics_path: /metrics
    capabilities:
      scalable:
        properties: { default_instances: 2, min_instances: 1, max_instances: 4 }
policies:
  autoscale:
    type: trellis.policies.metric_scale
    targets: [service]
    properties:
      metric: 'http_requests_total:rate'
      aggregation: avg
      window_seconds: 10
      scale_up_threshold: 5
      scale_down_threshold: 1
      cooldown_seconds: 30
      interval_seconds: 5
  liveness:
    type: trellis.policies.host_failure_heal
    targets: [service]
    properties:
      missed_intervals: 2
      interval_seconds: 5
`;

/** A real prom-client exporter per instance, with a request counter the test drives. */
interface Exporter {
  server: Server;
  url: string;
  requests: Counter;
}
function startExporter(): Promise<Exporter> {
  const registry = new Registry();
  const requests = new Counter({ name: 'http_requests_total', help: 'requests', registers: [registry] });
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests })));
}
const closeServer = (s: Server) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()));

/** The host side as the scheduler sees it: deployments, instances, executions, events. */
class TestHost implements MetricsHostPort {
  status: DeploymentStatus = 'installed';
  paused = false;
  busy: string | undefined;
  started: { workflow: string; parameters: Record<string, Value>; triggeredBy: string; at: number }[] = [];
  ended: number | undefined;
  events: NewEvent[] = [];
  constructor(
    readonly plan: Plan,
    readonly list: SchedulerInstance[],
    private readonly clock: { now(): number },
  ) {}
  deployments() {
    return [{ id: 'dep', status: this.status, policiesPaused: this.paused, plan: this.plan }];
  }
  instances() {
    return this.list;
  }
  busyWith() {
    return this.busy;
  }
  startWorkflow(_d: string, workflow: string, parameters: Record<string, Value>, triggeredBy: string) {
    if (this.busy) return Promise.resolve({ ok: false as const, message: `busy with ${this.busy}` });
    this.started.push({ workflow, parameters, triggeredBy, at: this.clock.now() });
    return Promise.resolve({ ok: true as const, executionId: `e${this.started.length}` });
  }
  lastScale() {
    const last = this.started.filter((s) => s.workflow === 'scale').at(-1);
    return last ? { createdAt: last.at, ...(this.ended !== undefined ? { endedAt: this.ended } : {}) } : undefined;
  }
  emit(e: NewEvent) {
    this.events.push(e);
  }
  policyEvents(policy?: string) {
    return this.events.filter((e): e is Extract<HostEvent, { type: 'policy' }> => e.type === 'policy' && (!policy || e.policy === policy));
  }
}

describe('metrics scheduler', () => {
  let home: string;
  let store: Store;
  let series: SeriesStore;
  let exporters: Exporter[];
  let host: TestHost;
  let now: number;
  const clock = { now: () => now };
  let scheduler: MetricsScheduler;

  const plan = (): Plan => {
    const file = join(home, 'bp.yaml');
    writeFileSync(file, BLUEPRINT);
    const r = compile({ file, resolver: createImportResolver({ coreTypesFile, libraries: [] }) });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    return r.plan!;
  };
  /** Advances the synthetic clock by 5 s, adds `rps` × 5 requests to each live exporter, runs a round. */
  const round = async (rps: number[]) => {
    now += 5_000;
    exporters.forEach((e, i) => e.requests.inc((rps[i] ?? 0) * 5));
    await scheduler.tick();
  };

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'trellis-sched-'));
    store = openStore({ home });
    series = new SeriesStore(store.db);
    exporters = [await startExporter(), await startExporter()];
    now = Date.UTC(2026, 0, 1);
    host = new TestHost(
      plan(),
      exporters.map((e, i) => ({ id: `service_${i}`, node: 'service', state: 'started', scalingGroups: [], runtimeProperties: { url: e.url } })),
      clock,
    );
    scheduler = new MetricsScheduler({ host, series, collectors: new CollectorRegistry([createPrometheusCollector()]), clock });
  });
  afterEach(async () => {
    await scheduler?.stop();
    await Promise.all(exporters.map((e) => closeServer(e.server)));
    store.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('scrapes each started instance, stores counter rates and publishes one metric event per round', async () => {
    await round([0, 0]);
    await round([10, 2]);
    const rates = series.rawSince('dep', 'http_requests_total:rate', 0);
    expect(rates.map((s) => [s.instanceId, s.value, s.time])).toEqual([
      ['service_0', 10, now],
      ['service_1', 2, now],
    ]);
    const metricEvents = host.events.filter((e) => e.type === 'metric');
    expect(metricEvents).toHaveLength(2);
    expect(metricEvents[1]).toMatchObject({ deploymentId: 'dep', level: 'debug' });
    expect(series.list('dep').map((m) => m.metric)).toEqual(expect.arrayContaining(['up', 'http_requests_total:rate', 'scrape_duration_seconds']));
  });

  it('leaves deployments that are not installed and instances that are not started alone', async () => {
    host.status = 'uninstalled';
    await round([10, 10]);
    host.status = 'installed';
    host.list[1]!.state = 'stopped';
    await round([10, 10]);
    expect(new Set(series.rawSince('dep', 'up', 0).map((s) => s.instanceId))).toEqual(new Set(['service_0']));
  });

  it('scales out through the host when the request rate is high, as policy:<name>, with the decision as an event', async () => {
    await round([0, 0]);
    await round([8, 6]);
    expect(host.started).toEqual([{ workflow: 'scale', parameters: { scalable_entity_name: 'service', delta: 1 }, triggeredBy: 'policy:autoscale', at: now }]);
    const decision = host.policyEvents('autoscale').at(-1)!;
    expect(decision).toMatchObject({ decision: 'scale_out', level: 'info', deploymentId: 'dep' });
    expect(decision.reason).toBe('avg(http_requests_total:rate) over 10s = 7 > 5: 2 -> 3 instances');
  });

  it('never starts a workflow while another execution runs: it skips and re-evaluates next interval', async () => {
    await round([0, 0]);
    host.busy = 'install install_1';
    await round([20, 20]);
    expect(host.started).toEqual([]);
    expect(host.policyEvents('autoscale').at(-1)).toMatchObject({ decision: 'skip' });
    host.busy = undefined;
    await round([20, 20]);
    expect(host.started.map((s) => s.workflow)).toEqual(['scale']);
  });

  it('reports a refused start as a skip', async () => {
    await round([0, 0]);
    host.busyWith = () => undefined; // the race: free when evaluated, busy when started
    host.busy = 'heal heal_1';
    await round([20, 20]);
    expect(host.policyEvents('autoscale').map((e) => e.decision)).toContain('skip');
    expect(host.policyEvents('autoscale').at(-1)!.reason).toMatch(/scale was not started: busy with heal heal_1/);
  });

  it('waits out the cooldown counted from the end of its last scale, then scales again', async () => {
    await round([0, 0]);
    await round([20, 20]);
    expect(host.started).toHaveLength(1);
    host.ended = now + 5_000; // the scale took 5 s
    for (let i = 0; i < 6; i++) await round([20, 20]); // 30 s later: 25 s after the end
    expect(host.started).toHaveLength(1);
    expect(host.policyEvents('autoscale').at(-1)!.reason).toMatch(/cooling down \(5s left\)/);
    await round([20, 20]);
    expect(host.started).toHaveLength(2);
  });

  it("counts the cooldown from a user's scale too, so a manual scale is not undone at once", async () => {
    host.list.push({ id: 'service_2', node: 'service', state: 'started', scalingGroups: [], runtimeProperties: {} });
    host.started.push({ workflow: 'scale', parameters: { scalable_entity_name: 'service', delta: 1 }, triggeredBy: 'user', at: now });
    host.ended = now;
    await round([0, 0]);
    await round([0, 0]);
    expect(host.started.filter((x) => x.workflow === 'scale')).toHaveLength(1);
    expect(host.policyEvents('autoscale').at(-1)!.reason).toMatch(/< 1, cooling down \(20s left\)/);
  });

  it('scales in when the load is gone, down to the bounds', async () => {
    host.list.push({ id: 'service_2', node: 'service', state: 'started', scalingGroups: [], runtimeProperties: {} });
    await round([0, 0]);
    await round([0, 0]);
    expect(host.started[0]?.parameters).toEqual({ scalable_entity_name: 'service', delta: -1 });
  });

  it('scales a scaling group as a unit: counts group instances and names the group', async () => {
    const file = join(home, 'group.yaml');
    writeFileSync(
      file,
      BLUEPRINT.replace(
        '\npolicies:\n',
        '\ngroups:\n  stack:\n    members: [service]\n' +
          'policies:\n  stack_size:\n    type: cloudify.policies.scaling\n    targets: [stack]\n    properties: { default_instances: 2, min_instances: 1, max_instances: 3 }\n',
      ).replace('targets: [service]\n    properties:\n      metric', 'targets: [stack]\n    properties:\n      metric'),
    );
    const r = compile({ file, resolver: createImportResolver({ coreTypesFile, libraries: [] }) });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    (host as { plan: Plan }).plan = r.plan!;
    host.list.forEach((i, n) => (i.scalingGroups = [{ name: 'stack', id: `stack_${n}` }]));
    await round([0, 0]);
    await round([30, 30]);
    expect(host.started.filter((x) => x.workflow === 'scale')).toEqual([{ workflow: 'scale', parameters: { scalable_entity_name: 'stack', delta: 1 }, triggeredBy: 'policy:autoscale', at: now }]);
    expect(host.policyEvents('autoscale').at(-1)!.reason).toMatch(/2 -> 3 instances/);
  });

  it('evaluates nothing while policies are paused, and says so', async () => {
    host.paused = true;
    await round([0, 0]);
    await round([50, 50]);
    expect(host.started).toEqual([]);
    expect(host.policyEvents('autoscale').at(-1)).toMatchObject({ decision: 'hold', reason: 'policies are paused on this deployment' });
    host.paused = false;
    await round([50, 50]);
    expect(host.started).toHaveLength(1);
  });

  it('evaluates each policy at its own interval, not every round', async () => {
    const slow = { ...host.plan, policies: host.plan.policies.map((p) => (p.name === 'autoscale' ? { ...p, properties: { ...p.properties, interval_seconds: 15 } } : p)) };
    (host as { plan: Plan }).plan = slow;
    for (let i = 0; i < 6; i++) await round([2, 2]);
    expect(host.policyEvents('autoscale')).toHaveLength(2);
    expect(host.policyEvents('liveness')).toHaveLength(6);
  });

  it('heals an instance whose endpoint stopped answering for missed_intervals intervals', async () => {
    await round([1, 1]);
    await closeServer(exporters[1]!.server);
    await round([1, 1]);
    expect(host.started.filter((s) => s.workflow === 'heal')).toEqual([]);
    await round([1, 1]);
    expect(host.started.filter((s) => s.workflow === 'heal')).toEqual([{ workflow: 'heal', parameters: { node_instance_id: 'service_1' }, triggeredBy: 'policy:liveness', at: now }]);
    expect(host.policyEvents('liveness').at(-1)).toMatchObject({ decision: 'heal', instanceId: 'service_1' });
  });

  it('runs collectors that plugins contribute, and reports a failing collector once, not every round', async () => {
    let calls = 0;
    const cpu: MetricCollector = {
      name: 'test-cpu',
      collect: (targets) => {
        calls++;
        if (calls > 1) return Promise.reject(new Error('host unreachable'));
        return Promise.resolve(targets.map((t) => ({ deploymentId: t.deploymentId, nodeId: t.nodeId, instanceId: t.instanceId, metric: 'cpu_percent', value: 42 })));
      },
    };
    const registry = CollectorRegistry.fromPlugins([definePlugin({ name: 'p', description: '', operations: {}, typeLibraries: [], collectors: [cpu] })], [createPrometheusCollector()]);
    expect(registry.list().map((c) => c.name)).toEqual(['prometheus', 'test-cpu']);
    expect(() => registry.add(cpu)).toThrow(/already registered/);
    scheduler = new MetricsScheduler({ host, series, collectors: registry, clock });
    await round([0, 0]);
    await round([0, 0]);
    await round([0, 0]);
    expect(series.rawSince('dep', 'cpu_percent', 0).map((s) => s.value)).toEqual([42, 42]);
    const warnings = host.events.filter((e) => e.type === 'log' && e.level === 'warn');
    expect(warnings.map((w) => w.message)).toEqual(['metric collector test-cpu failed on dep: host unreachable']);
    // The other collector kept working.
    expect(series.rawSince('dep', 'up', 0)).toHaveLength(6);
  });
});
