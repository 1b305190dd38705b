/**
 * The host-failure heal policy end to end on a copy of the offline example with a heal
 * policy added: kill a service process, the policy sees its readiness (`up`) fail for two
 * intervals and heals that instance; the service answers again.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplesDir, openHost } from '../../../engine/host/open-host';
import type { EngineHost } from '../../../engine/host/engine-host';
import type { ExecutionSummary, HostEvent, HostResult } from '../../../engine/host/contract';
import { findExecutable } from '../../../plugins/local/process-manager';

const redisInstalled = findExecutable('redis-server') !== undefined;
const runIt = redisInstalled || process.env.CI === 'true';
if (!runIt) console.warn('\n*** SKIPPING the offline heal-policy test: redis-server is not installed (apt-get install redis-server) ***\n');

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

describe.skipIf(!runIt)('the heal policy on the offline example', () => {
  let dir: string;
  let host: EngineHost;
  const events: HostEvent[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-heal-policy-'));
    cpSync(join(examplesDir, 'local-microservices'), join(dir, 'example'), { recursive: true });
    const file = join(dir, 'example', 'blueprint.yaml');
    const text = readFileSync(file, 'utf8');
    if (!text.includes('\npolicies:\n')) throw new Error('the example has no policies section to extend');
    writeFileSync(
      file,
      text.replace('\npolicies:\n', '\npolicies:\n  service_heal:\n    type: trellis.policies.host_failure_heal\n    targets: [service]\n    properties: { missed_intervals: 2, interval_seconds: 1 }\n'),
    );
    host = openHost({ home: join(dir, 'home'), metrics: { intervalMs: 1000 } });
    host.subscribe({ deploymentId: 'healme', types: ['policy'] }, (batch) => void events.push(...batch));
  });
  afterAll(async () => {
    if (host) {
      await host.call('deployments.setPoliciesPaused', { deploymentId: 'healme', paused: true });
      const u = await host.call('executions.start', { deploymentId: 'healme', workflow: 'uninstall' });
      if (u.ok && 'id' in u.value) await host.waitForExecution(u.value.id);
      await host.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('heals a service instance whose process was killed', { timeout: 120_000 }, async () => {
    ok(await host.call('deployments.create', { blueprintFile: join(dir, 'example', 'blueprint.yaml'), deploymentId: 'healme' }));
    const install = ok(await host.call('executions.start', { deploymentId: 'healme', workflow: 'install' })) as ExecutionSummary;
    expect((await host.waitForExecution(install.id)).status).toBe('terminated');
    // Alive first: the policy holds while every instance answers.
    await until('a hold with all instances alive', 20_000, () => events.find((e) => e.type === 'policy' && e.policy === 'service_heal' && /all 2 instances alive/.test(e.reason)));

    const victim = ok(await host.call('instances.list', { deploymentId: 'healme', nodeId: 'service' }))[0]!;
    const pid = victim.runtimeProperties.pid;
    expect(typeof pid).toBe('number');
    process.kill(pid as number, 'SIGKILL');

    const heal = await until('a policy heal to finish', 60_000, async () => {
      const e = ok(await host.call('executions.list', { deploymentId: 'healme' })).find((x) => x.workflow === 'heal' && x.triggeredBy === 'policy:service_heal');
      return e && (e.status === 'terminated' || e.status === 'failed') ? e : undefined;
    });
    expect(heal.status).toBe('terminated');
    expect(heal.parameters).toEqual({ node_instance_id: victim.id });
    const decision = events.find((e) => e.type === 'policy' && e.decision === 'heal');
    expect(decision).toMatchObject({ instanceId: victim.id, reason: `${victim.id} had no successful readiness check for 2 intervals` });

    // The healed instance answers again.
    const healed = ok(await host.call('instances.list', { deploymentId: 'healme', nodeId: 'service' })).find((i) => i.id === victim.id)!;
    expect(healed.state).toBe('started');
    const url = healed.runtimeProperties.url;
    expect(typeof url).toBe('string');
    const response = await fetch(`${url as string}/healthz`);
    expect(response.status).toBe(200);
  });
});
