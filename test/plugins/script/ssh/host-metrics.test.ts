/**
 * The ssh-proc collector against the real loopback sshd: the sshd runs on this machine, so
 * the numbers it reads over SSH can be checked against this machine's own /proc.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptPlugin } from '../../../../plugins/script';
import { createSshHostMetricsCollector, parseSshOverride } from '../../../../plugins/script/ssh';
import type { CollectedSample, MetricTarget } from '../../../../plugins/sdk';
import { CollectorRegistry } from '../../../../engine/metrics/collector';
import { freePort, sshdPeer } from './sshd-peer';

const peer = sshdPeer();

function target(instanceId: string, ip: string, extra: Partial<MetricTarget> = {}): MetricTarget {
  return {
    deploymentId: 'd1',
    nodeId: 'vm',
    instanceId,
    typeHierarchy: ['cloudify.nodes.openstack.Server', 'cloudify.nodes.Compute', 'cloudify.nodes.Root'],
    properties: { agent_config: { user: peer?.user ?? 'x', key: peer?.keyPath ?? '' } },
    runtimeProperties: { ip },
    hostId: instanceId,
    ...extra,
  };
}

const value = (samples: CollectedSample[], instanceId: string, metric: string) =>
  samples.find((s) => s.instanceId === instanceId && s.metric === metric)?.value;

describe.skipIf(!peer)('SSH host metrics collector (real sshd)', () => {
  const p = peer!;
  let home: string;
  let closedPort: number;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'trellis-ssh-metrics-'));
    closedPort = await freePort();
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('reads load, CPU, memory, disk and network from /proc of each Compute over SSH', async () => {
    const collector = createSshHostMetricsCollector({
      home,
      override: parseSshOverride(`10.0.0.5=${p.host}:${p.port},10.0.0.6=127.0.0.1:${closedPort}`),
    });
    const samples = await collector.collect(
      [
        target('vm_up0001', '10.0.0.5'),
        target('vm_dn0001', '10.0.0.6'),
        // Not a Compute: ignored.
        target('app_00001', '10.0.0.5', { typeHierarchy: ['cloudify.nodes.WebServer', 'cloudify.nodes.Root'] }),
        // A VM nobody logs into (no SSH user or key): ignored, not reported down.
        target('nossh_001', '10.0.0.5', { properties: { agent_config: { install_method: 'none' } } }),
        // The local Host runs nothing over SSH: ignored.
        target('here_0001', '127.0.0.1', { typeHierarchy: ['trellis.nodes.local.Host', 'cloudify.nodes.Compute'] }),
      ],
      AbortSignal.timeout(20_000),
    );
    expect(value(samples, 'vm_up0001', 'up')).toBe(1);
    expect(value(samples, 'vm_dn0001', 'up')).toBe(0);
    expect(samples.filter((s) => s.instanceId === 'vm_dn0001')).toHaveLength(1);
    expect(samples.some((s) => ['app_00001', 'here_0001', 'nossh_001'].includes(s.instanceId))).toBe(false);

    // Same machine: compare with what this process reads from /proc itself.
    const memTotal = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) * 1024;
    expect(value(samples, 'vm_up0001', 'memory_total_bytes')).toBe(memTotal);
    const cpus = readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+\s/.test(l)).length;
    expect(value(samples, 'vm_up0001', 'cpu_count')).toBe(cpus);
    const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    expect(Math.abs(value(samples, 'vm_up0001', 'load1')! - load1)).toBeLessThan(2);

    const util = value(samples, 'vm_up0001', 'cpu_utilization')!;
    expect(util).toBeGreaterThanOrEqual(0);
    expect(util).toBeLessThanOrEqual(100);
    const used = value(samples, 'vm_up0001', 'memory_used_percent')!;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(100);
    expect(value(samples, 'vm_up0001', 'disk_root_total_bytes')).toBeGreaterThan(0);
    expect(value(samples, 'vm_up0001', 'disk_root_used_percent')).toBeGreaterThan(0);
    const busy = samples.find((s) => s.instanceId === 'vm_up0001' && s.metric === 'cpu_busy_seconds_total');
    expect(busy?.counter).toBe(true);
    expect(busy!.value).toBeGreaterThan(0);
    const rx = samples.find((s) => s.instanceId === 'vm_up0001' && s.metric === 'network_receive_bytes_total');
    expect(rx?.counter).toBe(true);
    expect(value(samples, 'vm_up0001', 'ssh_collect_duration_seconds')).toBeGreaterThan(0.4);
  });

  it('is contributed by the script plugin, so the engine registry picks it up', () => {
    const registry = CollectorRegistry.fromPlugins([createScriptPlugin({ ssh: { home } })]);
    expect(registry.list().map((c) => c.name)).toContain('ssh-proc');
  });
});
