/**
 * Every OpenStack node type through its whole lifecycle against the real loopback cloud,
 * as the admin and as a plain member user: install (create, configure, postconfigure,
 * start, establish) then uninstall (stop, unlink, delete), checking the cloud after each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCloudConfig } from '../../../plugins/openstack/port/credentials';
import { OpenStackPort } from '../../../plugins/openstack/port/port';
import { NeutronKind } from '../../../plugins/openstack/port/types';
import { Deployment } from './support/harness';
import { clientConfig, requirePeer } from './support/peer';

const peer = await requirePeer('test/plugins/openstack/lifecycle.test.ts');

const str = (v: unknown): string => {
  if (typeof v !== 'string') throw new Error(`expected a string, got ${JSON.stringify(v)}`);
  return v;
};

describe.skipIf(!peer).each(['admin', 'member'] as const)('OpenStack node types (with a Cinder volume attached) as %s', (who) => {
  const d = new Deployment();
  const tag = `trl-${who}-${Date.now().toString(36)}`;
  let port: OpenStackPort;
  const order = ['ext', 'net', 'router', 'subnet', 'sg', 'rule', 'kp', 'nic', 'fip', 'vm', 'vol'];

  beforeAll(() => {
    const cc = clientConfig(peer!, who);
    port = new OpenStackPort(resolveCloudConfig(cc, {}));
    const common = { client_config: cc };
    const rel = (type: string, target: string) => ({ type, target });
    d.add('ext', 'cloudify.nodes.openstack.Network', { ...common, use_external_resource: true, resource_config: { name: peer!.external_network } });
    d.add('net', 'cloudify.nodes.openstack.Network', { ...common, resource_config: { name: `${tag}-net` } });
    d.add('router', 'cloudify.nodes.openstack.Router', { ...common, resource_config: { name: `${tag}-router` } }, [
      rel('cloudify.relationships.connected_to', 'ext'),
    ]);
    d.add('subnet', 'cloudify.nodes.openstack.Subnet', { ...common, resource_config: { name: `${tag}-subnet`, cidr: '10.20.0.0/24', enable_dhcp: true } }, [
      rel('cloudify.relationships.contained_in', 'net'),
      rel('cloudify.relationships.openstack.subnet_connected_to_router', 'router'),
    ]);
    d.add('sg', 'cloudify.nodes.openstack.SecurityGroup', {
      ...common,
      resource_config: { name: `${tag}-sg`, description: 'lifecycle test' },
      security_group_rules: [
        { direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' },
        { direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0' },
      ],
    });
    d.add('rule', 'cloudify.nodes.openstack.SecurityGroupRule', { ...common, resource_config: { protocol: 'udp', port_range_min: 53, port_range_max: 53 } }, [
      rel('cloudify.relationships.contained_in', 'sg'),
    ]);
    d.add('kp', 'cloudify.nodes.openstack.KeyPair', { ...common, resource_config: { name: `${tag}-kp` } });
    d.add('nic', 'cloudify.nodes.openstack.Port', { ...common, resource_config: { name: `${tag}-port` } }, [
      rel('cloudify.relationships.contained_in', 'net'),
      rel('cloudify.relationships.openstack.port_connected_to_subnet', 'subnet'),
      rel('cloudify.relationships.openstack.port_connected_to_security_group', 'sg'),
    ]);
    d.add('fip', 'cloudify.nodes.openstack.FloatingIP', { ...common }, [rel('cloudify.relationships.connected_to', 'ext')]);
    d.add('vm', 'cloudify.nodes.openstack.Server', { ...common, resource_config: { name: `${tag}-vm`, image_id: peer!.image, flavor_id: peer!.flavor, metadata: { role: 'test' } } }, [
      rel('cloudify.relationships.openstack.server_connected_to_keypair', 'kp'),
      rel('cloudify.relationships.openstack.server_connected_to_port', 'nic'),
      rel('cloudify.relationships.openstack.server_connected_to_security_group', 'sg'),
      rel('cloudify.relationships.openstack.server_connected_to_floating_ip', 'fip'),
    ]);
    d.add('vol', 'cloudify.nodes.openstack.Volume', { ...common, resource_config: { name: `${tag}-vol`, size: 1, description: 'data' } }, [
      rel('cloudify.relationships.openstack.volume_attached_to_server', 'vm'),
    ]);
  });

  afterAll(async () => {
    // Leave nothing behind even when a test failed half-way.
    await d.uninstall(...order).catch((e: unknown) => console.warn('cleanup:', e));
  }, 180_000);

  const id = (name: string) => str(d.get(name).instance.runtimeProperties.id);

  it('installs network, subnet, router with its interface, security group and rules, key pair, port, floating IP, a server on them and a volume attached to it', async () => {
    await d.install(...order);

    const ext = await port.listNeutron(NeutronKind.network, { name: peer!.external_network });
    expect(id('ext')).toBe(ext[0]!.id);
    expect(d.get('ext').instance.runtimeProperties.external_resource).toBe(true);

    const router = await port.getNeutron(NeutronKind.router, id('router'));
    expect((router!.external_gateway_info as { network_id: string }).network_id).toBe(id('ext'));
    const routerPorts = await port.listNeutron(NeutronKind.port, { device_id: id('router') });
    expect(routerPorts.some((p) => (p.fixed_ips as { subnet_id: string }[]).some((f) => f.subnet_id === id('subnet')))).toBe(true);

    const rules = await port.listNeutron(NeutronKind.securityGroupRule, { security_group_id: id('sg') });
    const ingress = rules.filter((r) => r.direction === 'ingress').map((r) => `${String(r.protocol)}/${String(r.port_range_min)}`);
    expect(ingress.sort()).toEqual(['tcp/22', 'tcp/80', 'udp/53']);

    const kp = d.get('kp').instance.runtimeProperties;
    expect(d.secrets.get(str(kp.private_key_secret))).toMatch(/PRIVATE KEY/);
    expect(JSON.stringify([...d.entities.values()].map((e) => e.instance.runtimeProperties))).not.toMatch(/PRIVATE KEY/);
    expect(JSON.stringify(d.logs)).not.toMatch(/PRIVATE KEY/);

    const nic = await port.getNeutron(NeutronKind.port, id('nic'));
    expect(nic!.security_groups).toContain(id('sg'));
    expect(nic!.device_id).toBe(id('vm'));

    const server = await port.getServer(id('vm'));
    expect(server!.status).toBe('ACTIVE');
    expect(server!.key_name).toBe(`${tag}-kp`);
    expect(server!.metadata?.role).toBe('test');
    const vm = d.get('vm').instance.runtimeProperties;
    expect(str(vm.ip)).toMatch(/^10\.20\.0\./);
    // the id was persisted by the create itself, before the operation ended
    expect(d.persisted.get(d.get('vm').instance.id)?.id).toBe(id('vm'));

    const fip = await port.getNeutron(NeutronKind.floatingIp, id('fip'));
    expect(fip!.port_id).toBe(id('nic'));
    expect(vm.public_ip_address).toBe(fip!.floating_ip_address);
    expect(str(fip!.floating_ip_address)).toMatch(/^203\.0\.113\./);
    expect(d.get('vm').instance.runtimeProperties.openstack_cloud).toContain(`project ${peer![who].project_name}`);

    const volume = await port.getVolume(id('vol'));
    expect(volume).toMatchObject({ status: 'in-use', size: 1, name: `${tag}-vol` });
    expect(volume!.attachments.map((a) => a.server_id)).toEqual([id('vm')]);
    expect((await port.listVolumeAttachments(id('vm'))).map((a) => a.volumeId)).toEqual([id('vol')]);
    expect(d.get('vol').instance.runtimeProperties.attached_to).toBe(id('vm'));
  }, 180_000);

  it('uninstalls everything it created and leaves the external network alone', async () => {
    const ids = Object.fromEntries(order.map((n) => [n, id(n)]));
    await d.uninstall(...order);
    expect(await port.getServer(ids.vm!)).toBeUndefined();
    expect(await port.getVolume(ids.vol!)).toBeUndefined();
    expect(await port.getKeypair(ids.kp!)).toBeUndefined();
    expect(d.secrets.size).toBe(0);
    const gone: [NeutronKind, string][] = [
      [NeutronKind.floatingIp, ids.fip!],
      [NeutronKind.port, ids.nic!],
      [NeutronKind.securityGroupRule, ids.rule!],
      [NeutronKind.securityGroup, ids.sg!],
      [NeutronKind.subnet, ids.subnet!],
      [NeutronKind.router, ids.router!],
      [NeutronKind.network, ids.net!],
    ];
    for (const [kind, rid] of gone) expect(await port.getNeutron(kind, rid), `${kind} ${rid}`).toBeUndefined();
    expect(await port.getNeutron(NeutronKind.network, ids.ext!)).toBeDefined();
    for (const e of d.entities.values()) expect(e.instance.runtimeProperties.id).toBeUndefined();
  }, 180_000);
});

describe.skipIf(!peer)('legacy cloudify.openstack.nodes.* types (older blueprints) as member', () => {
  const d = new Deployment();
  const tag = `trl-legacy-${Date.now().toString(36)}`;
  const order = ['net', 'router', 'subnet', 'sg', 'kp', 'fip', 'vm'];
  let port: OpenStackPort;

  beforeAll(() => {
    const m = peer!.member;
    // the legacy openstack_config spelling: tenant_name, region
    const openstack_config = { auth_url: peer!.auth_url, username: m.username, password: m.password, tenant_name: m.project_name, region: peer!.region_name };
    port = new OpenStackPort(resolveCloudConfig(clientConfig(peer!, 'member'), {}));
    const rel = (type: string, target: string) => ({ type, target });
    d.add('net', 'cloudify.openstack.nodes.Network', { openstack_config, resource_id: `${tag}-net` });
    d.add('router', 'cloudify.openstack.nodes.Router', { openstack_config, resource_id: `${tag}-router`, external_network: peer!.external_network });
    d.add('subnet', 'cloudify.openstack.nodes.Subnet', { openstack_config, resource_id: `${tag}-subnet`, subnet: { cidr: '10.21.0.0/24', ip_version: 4 } }, [
      rel('cloudify.relationships.contained_in', 'net'),
      rel('cloudify.openstack.subnet_connected_to_router', 'router'),
    ]);
    d.add('sg', 'cloudify.openstack.nodes.SecurityGroup', { openstack_config, resource_id: `${tag}-sg`, description: 'legacy', rules: [{ port: 22, remote_ip_prefix: '0.0.0.0/0', protocol: 'tcp' }] });
    d.add('kp', 'cloudify.openstack.nodes.KeyPair', { openstack_config, resource_id: `${tag}-kp`, private_key_path: '~/.ssh/legacy.pem' });
    d.add('fip', 'cloudify.openstack.nodes.FloatingIP', { openstack_config, floatingip: { floating_network_name: peer!.external_network } });
    d.add('vm', 'cloudify.openstack.nodes.Server', { openstack_config, resource_id: `${tag}-vm`, image: peer!.image, flavor: peer!.flavor, management_network_name: `${tag}-net`, server: { meta: { legacy: 'yes' } } }, [
      rel('cloudify.openstack.server_connected_to_keypair', 'kp'),
      rel('cloudify.openstack.server_connected_to_security_group', 'sg'),
      rel('cloudify.openstack.server_connected_to_floating_ip', 'fip'),
    ]);
  });

  afterAll(async () => {
    await d.uninstall(...order).catch((e: unknown) => console.warn('cleanup:', e));
  }, 180_000);

  it('installs with the legacy property names and relationship types, then uninstalls cleanly', async () => {
    await d.install(...order);
    const id = (n: string) => str(d.get(n).instance.runtimeProperties.id);
    expect((await port.getNeutron(NeutronKind.network, id('net')))!.name).toBe(`${tag}-net`);
    const routerPorts = await port.listNeutron(NeutronKind.port, { device_id: id('router') });
    expect(routerPorts.some((p) => (p.fixed_ips as { subnet_id: string }[]).some((f) => f.subnet_id === id('subnet')))).toBe(true);
    const rules = await port.listNeutron(NeutronKind.securityGroupRule, { security_group_id: id('sg'), direction: 'ingress' });
    expect(rules.map((r) => `${String(r.protocol)}/${String(r.port_range_min)}-${String(r.port_range_max)}`)).toEqual(['tcp/22-22']);
    expect(d.logs.some((l) => l.level === 'warn' && l.message.includes('private_key_path is not written'))).toBe(true);
    const server = await port.getServer(id('vm'));
    expect(server).toMatchObject({ status: 'ACTIVE', name: `${tag}-vm`, key_name: `${tag}-kp` });
    expect(server!.metadata?.legacy).toBe('yes');
    expect(Object.keys(server!.addresses)).toContain(`${tag}-net`);
    const fip = await port.getNeutron(NeutronKind.floatingIp, id('fip'));
    expect(d.get('vm').instance.runtimeProperties.public_ip_address).toBe(fip!.floating_ip_address);
    expect(d.get('vm').instance.runtimeProperties.external_id).toBe(id('vm')); // the legacy runtime property name

    const ids = order.map((n) => [n, id(n)] as const);
    await d.uninstall(...order);
    expect(await port.getServer(ids[6]![1])).toBeUndefined();
    expect(await port.getKeypair(`${tag}-kp`)).toBeUndefined();
    for (const [n, rid] of ids.filter(([n]) => n !== 'vm' && n !== 'kp')) {
      const kind = { net: NeutronKind.network, router: NeutronKind.router, subnet: NeutronKind.subnet, sg: NeutronKind.securityGroup, fip: NeutronKind.floatingIp }[n]!;
      expect(await port.getNeutron(kind, rid), n).toBeUndefined();
    }
  }, 240_000);
});
