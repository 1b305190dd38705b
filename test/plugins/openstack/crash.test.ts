/**
 * The engine is SIGKILLed while Nova is building a server of an install; a new engine on
 * the same store resumes the execution: every server instance ends with exactly one
 * server in the cloud, and uninstall removes them all.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionSummary, HostResult } from '../../../engine/host/contract';
import { createEngineHost, type EngineHost } from '../../../engine/host/engine-host';
import { builtinPlugins } from '../../../plugins';
import { resolveCloudConfig } from '../../../plugins/openstack/port/credentials';
import { OpenStackPort } from '../../../plugins/openstack/port/port';
import { clientConfig, requirePeer } from './support/peer';

const peer = await requirePeer('test/plugins/openstack/crash.test.ts');
const blueprintFile = join(import.meta.dirname, '../../../blueprints/openstack-basic/blueprint.yaml');
const child = join(import.meta.dirname, 'support/engine-child.ts');

function ok<T>(r: HostResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe.skipIf(!peer)('engine killed during a server create', () => {
  const home = mkdtempSync(join(tmpdir(), 'trellis-os-crash-'));
  const deploymentId = `trl-kill-${Date.now().toString(36)}`;
  let host: EngineHost | undefined;

  afterAll(async () => {
    if (host) {
      const dep = await host.call('deployments.get', { deploymentId });
      if (dep.ok && dep.value.status !== 'uninstalled') {
        const u = await host.call('executions.start', { deploymentId, workflow: 'uninstall' });
        if (u.ok) await host.waitForExecution((u.value as ExecutionSummary).id);
      }
      await host.close({ cancelRunning: true });
    }
    rmSync(home, { recursive: true, force: true });
  }, 600_000);

  it('resumes without creating a second server for any instance', async () => {
    const env = { ...process.env, OS_CLIENT_CONFIG_FILE: `${peer!.state}/clouds.yaml` };
    process.env.OS_CLIENT_CONFIG_FILE = env.OS_CLIENT_CONFIG_FILE;
    const port = new OpenStackPort(resolveCloudConfig(clientConfig(peer!, 'admin'), {}));
    const ours = async () => (await port.listServers()).filter((s) => s.metadata?.trellis_deployment === deploymentId);
    const inputs = JSON.stringify({ cloud: 'trellis-admin', name_prefix: deploymentId, servers: 2, cidr: '10.70.0.0/24' });
    const engine = spawn(process.execPath, ['--import', 'tsx', child, home, blueprintFile, deploymentId, inputs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    engine.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => engine.on('exit', (_code, signal) => resolve(signal)));

    // Kill it as soon as Nova has any of its servers (the create is waiting for ACTIVE).
    const deadline = Date.now() + 300_000;
    let building: string[] = [];
    while (Date.now() < deadline && engine.exitCode === null) {
      building = (await ours()).map((s) => `${s.metadata?.trellis_instance}:${s.status}`);
      if (building.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(building.length, `engine exited early: ${stderr}`).toBeGreaterThan(0);
    engine.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    host = createEngineHost({ home, plugins: builtinPlugins });
    const [install] = ok(await host.call('executions.list', { deploymentId }));
    expect(install!.status).toBe('failed'); // interrupted
    ok(await host.call('executions.resume', { executionId: install!.id }));
    const done = await host.waitForExecution(install!.id);
    expect(done.status, done.error).toBe('terminated');

    const servers = await ours();
    const perInstance = new Map<string, number>();
    for (const s of servers) perInstance.set(String(s.metadata?.trellis_instance), (perInstance.get(String(s.metadata?.trellis_instance)) ?? 0) + 1);
    const instances = ok(await host.call('instances.list', { deploymentId })).filter((i) => i.nodeId === 'web' || i.nodeId === 'gateway');
    expect(instances.length).toBe(3);
    expect([...perInstance.values()]).toEqual([1, 1, 1]);
    for (const i of instances) expect(perInstance.get(i.id), i.id).toBe(1);
    expect(servers.every((s) => s.status === 'ACTIVE')).toBe(true);

    const u = ok(await host.call('executions.start', { deploymentId, workflow: 'uninstall' })) as ExecutionSummary;
    expect((await host.waitForExecution(u.id)).status).toBe('terminated');
    expect(await ours()).toEqual([]);
  }, 600_000);
});
