/**
 * The OpenStack example blueprint through the real engine (EngineHost, store, runtime,
 * workflows) against the loopback cloud: install, scale the web servers 3 -> 5 -> 2, heal
 * the gateway (its floating IP and data volume follow the new server), uninstall, then list every resource
 * kind to prove nothing is left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionSummary, HostResult, NodeInstanceSummary } from '../../../engine/host/contract';
import { createEngineHost, type EngineHost } from '../../../engine/host/engine-host';
import { builtinPlugins } from '../../../plugins';
import { resolveCloudConfig } from '../../../plugins/openstack/port/credentials';
import { OpenStackPort } from '../../../plugins/openstack/port/port';
import { NeutronKind } from '../../../plugins/openstack/port/types';
import { clientConfig, requirePeer } from './support/peer';

const peer = await requirePeer('test/plugins/openstack/blueprint.test.ts');
const blueprintFile = join(import.meta.dirname, '../../../blueprints/openstack-basic/blueprint.yaml');

/** A runtime property that must be a string (an id, an address). */
function sv(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function ok<T>(r: HostResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe.skipIf(!peer)('openstack-basic blueprint through the engine', () => {
  const home = mkdtempSync(join(tmpdir(), 'trellis-os-bp-'));
  const prefix = `trl-bp-${Date.now().toString(36)}`;
  const deploymentId = prefix;
  let host: EngineHost;
  let port: OpenStackPort;
  const seenServers = new Set<string>();
  let volumeId = '';
  const seen: Partial<Record<NeutronKind, Set<string>>> = {};

  const run = async (workflow: string, parameters: Record<string, string | number> = {}): Promise<ExecutionSummary> => {
    const started = ok(await host.call('executions.start', { deploymentId, workflow, parameters })) as ExecutionSummary;
    const done = await host.waitForExecution(started.id);
    if (done.status !== 'terminated') {
      const detail = ok(await host.call('executions.get', { executionId: started.id }));
      throw new Error(`${workflow} ${done.status}: ${done.error ?? ''}\n${detail.tasks.filter((t) => t.error).map((t) => `${t.name}: ${t.error}`).join('\n')}`);
    }
    return done;
  };
  const instances = async (nodeId?: string): Promise<NodeInstanceSummary[]> =>
    ok(await host.call('instances.list', { deploymentId, ...(nodeId ? { nodeId } : {}) }));
  const ours = async () => (await port.listServers()).filter((s) => s.metadata?.trellis_deployment === deploymentId);
  const remember = (kind: NeutronKind, id: unknown) => {
    if (typeof id === 'string') (seen[kind] ??= new Set()).add(id);
  };

  beforeAll(() => {
    process.env.OS_CLIENT_CONFIG_FILE = `${peer!.state}/clouds.yaml`;
    port = new OpenStackPort(resolveCloudConfig(clientConfig(peer!, 'admin'), {}));
    host = createEngineHost({ home, plugins: builtinPlugins });
  });

  afterAll(async () => {
    const dep = await host.call('deployments.get', { deploymentId });
    if (dep.ok && dep.value.status !== 'uninstalled') await run('uninstall').catch((e: unknown) => console.warn('cleanup:', e));
    await host.close({ cancelRunning: true });
    rmSync(home, { recursive: true, force: true });
  }, 600_000);

  it('installs network, subnet, router, security group with rules, 3 web servers and a gateway on a floating IP with a volume', async () => {
    ok(await host.call('deployments.create', { blueprintFile, deploymentId, inputs: { cloud: 'trellis-admin', name_prefix: prefix } }));
    await run('install');
    const web = await instances('web');
    expect(web.map((i) => i.state)).toEqual(['started', 'started', 'started']);
    const servers = await ours();
    expect(servers.length).toBe(4);
    expect(servers.every((s) => s.status === 'ACTIVE')).toBe(true);
    for (const s of servers) seenServers.add(s.id);
    for (const i of web) expect(sv(i.runtimeProperties.ip)).toMatch(/^10\.60\.0\./);

    const byNode = Object.fromEntries((await instances()).map((i) => [i.nodeId, i]));
    remember(NeutronKind.network, byNode.network!.runtimeProperties.id);
    remember(NeutronKind.subnet, byNode.subnet!.runtimeProperties.id);
    remember(NeutronKind.router, byNode.router!.runtimeProperties.id);
    remember(NeutronKind.securityGroup, byNode.security_group!.runtimeProperties.id);
    remember(NeutronKind.securityGroupRule, byNode.ping_rule!.runtimeProperties.id);
    remember(NeutronKind.floatingIp, byNode.gateway_ip!.runtimeProperties.id);
    const routerPorts = await port.listNeutron(NeutronKind.port, { device_id: sv(byNode.router!.runtimeProperties.id) });
    expect(routerPorts.length).toBe(2); // gateway + interface on the subnet
    const rules = await port.listNeutron(NeutronKind.securityGroupRule, { security_group_id: sv(byNode.security_group!.runtimeProperties.id), direction: 'ingress' });
    expect(rules.map((r) => String(r.protocol)).sort()).toEqual(['icmp', 'tcp', 'tcp']);

    const fip = await port.getNeutron(NeutronKind.floatingIp, sv(byNode.gateway_ip!.runtimeProperties.id));
    const gwPorts = await port.listNeutron(NeutronKind.port, { device_id: sv(byNode.gateway!.runtimeProperties.id) });
    expect(fip!.port_id).toBe(gwPorts[0]!.id);
    const volume = await port.getVolume(sv(byNode.gateway_data!.runtimeProperties.id));
    expect(volume!.status).toBe('in-use');
    expect(volume!.attachments.map((a) => a.server_id)).toEqual([sv(byNode.gateway!.runtimeProperties.id)]);
    volumeId = volume!.id;
    const outputs = ok(await host.call('deployments.outputs', { deploymentId }));
    expect(outputs.outputs.gateway_address).toBe(fip!.floating_ip_address);
  }, 600_000);

  it('scales the web servers to 5 and back to 2, creating and deleting real servers', async () => {
    await run('scale', { scalable_entity_name: 'web', delta: 2 });
    expect((await instances('web')).length).toBe(5);
    let servers = await ours();
    expect(servers.length).toBe(6);
    for (const s of servers) seenServers.add(s.id);
    const before = (await instances('web')).map((i) => `${i.id}=${sv(i.runtimeProperties.id)}`);
    const scaleIn = await run('scale', { scalable_entity_name: 'web', delta: -3 });
    const web = await instances('web');
    expect(web.length).toBe(2);
    servers = await ours();
    const detail = ok(await host.call('executions.get', { executionId: scaleIn.id }));
    const why = JSON.stringify({ before, after: web.map((i) => i.id), servers: servers.map((s) => `${s.metadata?.trellis_instance}=${s.id}:${s.status}`), tasks: detail.tasks.filter((t) => t.kind === 'operation').map((t) => `${t.instanceId} ${t.operation} ${t.status}`) }, null, 1);
    expect(servers.length, why).toBe(3);
    const live = new Set(servers.map((s) => s.id));
    for (const i of web) expect(live.has(sv(i.runtimeProperties.id))).toBe(true);
  }, 600_000);

  it('heals the gateway: a new server replaces it and its floating IP and data volume follow', async () => {
    const [gw] = await instances('gateway');
    const oldId = sv(gw!.runtimeProperties.id);
    await run('heal', { node_instance_id: gw!.id });
    const [healed] = await instances('gateway');
    const newId = sv(healed!.runtimeProperties.id);
    expect(newId).not.toBe(oldId);
    seenServers.add(newId);
    expect(await port.getServer(oldId)).toBeUndefined();
    expect((await port.getServer(newId))!.status).toBe('ACTIVE');
    const [ip] = await instances('gateway_ip');
    const fip = await port.getNeutron(NeutronKind.floatingIp, sv(ip!.runtimeProperties.id));
    const newPorts = await port.listNeutron(NeutronKind.port, { device_id: newId });
    expect(fip!.port_id).toBe(newPorts[0]!.id);
    expect(healed!.runtimeProperties.public_ip_address).toBe(fip!.floating_ip_address);
    const volume = await port.getVolume(volumeId);
    expect(volume!.status).toBe('in-use');
    expect(volume!.attachments.map((a) => a.server_id)).toEqual([newId]);
  }, 600_000);

  it('uninstalls leaving nothing behind: servers, volume, ports, floating IPs, router, subnet, network, security group, rules', async () => {
    await run('uninstall');
    expect(await ours()).toEqual([]);
    expect(await port.getVolume(volumeId)).toBeUndefined();
    expect((await port.listVolumes()).filter((v) => (v.name ?? '').startsWith(prefix))).toEqual([]);
    for (const id of seenServers) expect(await port.getServer(id)).toBeUndefined();
    for (const [kind, ids] of Object.entries(seen) as [NeutronKind, Set<string>][]) {
      for (const id of ids) expect(await port.getNeutron(kind, id), `${kind} ${id}`).toBeUndefined();
    }
    const network = [...(seen.networks ?? [])][0]!;
    expect(await port.listNeutron(NeutronKind.port, { network_id: network })).toEqual([]);
    for (const kind of [NeutronKind.network, NeutronKind.router, NeutronKind.securityGroup, NeutronKind.subnet] as const) {
      const named = (await port.listNeutron(kind)).filter((r) => String(r.name ?? '').startsWith(prefix));
      expect(named, kind).toEqual([]);
    }
    expect(await port.listNeutron(NeutronKind.network, { name: peer!.external_network })).toHaveLength(1);
  }, 600_000);
});
