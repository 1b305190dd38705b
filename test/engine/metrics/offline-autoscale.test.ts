/**
 * The scale policy end to end on the real offline example: install it (real Redis, real
 * node processes), send load through its balancer, watch the policy scale the service out,
 * stop the load, watch it scale back in. Short window, cooldown and interval come from the
 * blueprint's inputs; the scheduler runs on its real timer every second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplesDir, openHost } from '../../../engine/host/open-host';
import type { EngineHost } from '../../../engine/host/engine-host';
import type { ExecutionSummary, HostEvent, HostResult } from '../../../engine/host/contract';
import { findExecutable } from '../../../plugins/local/process-manager';

const redisInstalled = findExecutable('redis-server') !== undefined;
const runIt = redisInstalled || process.env.CI === 'true';
if (!runIt) console.warn('\n*** SKIPPING the offline autoscale test: redis-server is not installed (apt-get install redis-server) ***\n');

const ok = <T>(r: HostResult<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!runIt)('the offline example scales itself on request rate', () => {
  let home: string;
  let host: EngineHost;
  const events: HostEvent[] = [];

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'trellis-autoscale-'));
    host = openHost({ home, metrics: { intervalMs: 1000 } });
    host.subscribe({ deploymentId: 'auto', types: ['policy'] }, (batch) => void events.push(...batch));
  });
  afterAll(async () => {
    if (host) {
      await host.call('load.generate', { deploymentId: 'auto', rps: 0, seconds: 0 });
      await host.call('deployments.setPoliciesPaused', { deploymentId: 'auto', paused: true });
      const u = await host.call('executions.start', { deploymentId: 'auto', workflow: 'uninstall' });
      if (u.ok && 'id' in u.value) await host.waitForExecution(u.value.id);
      await host.close();
    }
    rmSync(home, { recursive: true, force: true });
  });

  const serviceCount = async (): Promise<number> =>
    ok(await host.call('instances.list', { deploymentId: 'auto', nodeId: 'service' })).filter((i) => i.state === 'started').length;
  const policyExecutions = async (): Promise<ExecutionSummary[]> =>
    ok(await host.call('executions.list', { deploymentId: 'auto' })).filter((e) => e.triggeredBy === 'policy:service_autoscale');

  it('scales out under load and back in when the load stops', { timeout: 180_000 }, async () => {
    ok(
      await host.call('deployments.create', {
        blueprintFile: join(examplesDir, 'local-microservices', 'blueprint.yaml'),
        deploymentId: 'auto',
        // The scrapes themselves are ~1 request/s per instance at a 1 s interval: the down
        // threshold sits above that, the up threshold well below the load.
        inputs: { scale_up_rps: 8, scale_down_rps: 3, scale_window_seconds: 3, scale_cooldown_seconds: 2, scale_interval_seconds: 1, scale_min_instances: 2, scale_max_instances: 3 },
      }),
    );
    const install = ok(await host.call('executions.start', { deploymentId: 'auto', workflow: 'install' })) as ExecutionSummary;
    expect((await host.waitForExecution(install.id)).status).toBe('terminated');
    expect(await serviceCount()).toBe(2);

    // 40 requests/s over 2 instances: ~20 each, above 8.
    const load = ok(await host.call('load.generate', { deploymentId: 'auto', rps: 40, seconds: 60 }));
    expect(load.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const out = await until('a policy scale-out to finish', 60_000, async () => {
      const e = (await policyExecutions()).find((x) => x.workflow === 'scale' && x.parameters.delta === 1);
      return e && e.status === 'terminated' ? e : undefined;
    });
    expect(out.parameters).toEqual({ scalable_entity_name: 'service', delta: 1 });
    expect(await serviceCount()).toBe(3);
    const series = ok(await host.call('metrics.query', { deploymentId: 'auto', metric: 'http_requests_total:rate', nodeId: 'service', from: Date.now() - 60_000, to: Date.now() }));
    expect(Math.max(...series.flatMap((s) => s.points.map((p) => p.value)))).toBeGreaterThan(8);

    // At max 3 the policy holds, however high the load.
    await until('a hold at max', 20_000, () => events.find((e) => e.type === 'policy' && e.decision === 'hold' && /already at max 3/.test(e.reason)));

    ok(await host.call('load.generate', { deploymentId: 'auto', rps: 0, seconds: 0 }));
    const back = await until('a policy scale-in to finish', 60_000, async () => {
      const e = (await policyExecutions()).find((x) => x.workflow === 'scale' && x.parameters.delta === -1);
      return e && e.status === 'terminated' ? e : undefined;
    });
    expect(back.triggeredBy).toBe('policy:service_autoscale');
    expect(await serviceCount()).toBe(2);

    // Every decision was an event with its reason; the scale-out said why.
    await until('the policy events', 5_000, () => (events.some((e) => e.type === 'policy' && e.decision === 'scale_in') ? true : undefined));
    const outEvent = events.find((e) => e.type === 'policy' && e.decision === 'scale_out');
    expect(outEvent && outEvent.type === 'policy' && outEvent.reason).toMatch(/^avg\(http_requests_total:rate\) over 3s = [\d.]+ > 8: 2 -> 3 instances$/);
    // Never two executions at once: each policy execution started after the previous one ended.
    const all = ok(await host.call('executions.list', { deploymentId: 'auto' })).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (let i = 1; i < all.length; i++) expect(all[i]!.startedAt! >= all[i - 1]!.endedAt!).toBe(true);
  });
});
