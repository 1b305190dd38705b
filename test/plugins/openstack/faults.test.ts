/**
 * Failures against the real loopback cloud: wrong password, unknown flavor or image, a
 * quota of 2 instances, no block-storage service, a revoked token, an interrupted create
 * resumed, and Nova unreachable or answering 503 mid-operation. Each ends with a clear
 * error (or a completed operation) and nothing leaked.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NonRecoverableError, OperationFailure, RecoverableError } from '../../../plugins/sdk';
import { resolveCloudConfig } from '../../../plugins/openstack/port/credentials';
import { httpRequest } from '../../../plugins/openstack/port/http';
import { OpenStackPort } from '../../../plugins/openstack/port/port';
import { Session } from '../../../plugins/openstack/port/session';
import { Deployment } from './support/harness';
import { FaultProxy } from './support/fault-proxy';
import { clientConfig, requirePeer } from './support/peer';

const peer = await requirePeer('test/plugins/openstack/faults.test.ts');
const tag = `trl-f-${Date.now().toString(36)}`;
const cleanups: (() => Promise<unknown>)[] = [];

async function failureOf(p: Promise<unknown>): Promise<OperationFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OperationFailure) return e;
    throw e;
  }
  throw new Error('expected the operation to fail');
}

/** Retries recoverable failures the way the engine does (honouring retryAfter, capped for tests). */
async function withEngineRetries(run: () => Promise<unknown>, onRetry: (attempt: number, e: RecoverableError) => Promise<void> = async () => {}): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run();
      return attempt;
    } catch (e) {
      if (!(e instanceof RecoverableError) || attempt >= 30) throw e;
      await onRetry(attempt, e);
      await new Promise((r) => setTimeout(r, Math.min(3, e.retryAfter ?? 1) * 1000));
    }
  }
}

describe.skipIf(!peer)('OpenStack failures', () => {
  const admin = () => clientConfig(peer!, 'admin');
  const adminPort = () => new OpenStackPort(resolveCloudConfig(admin(), {}));

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => console.warn('cleanup:', e));
  }, 180_000);

  it('a wrong password fails clearly, naming the node, operation and Keystone request, without the password', async () => {
    const d = new Deployment();
    d.add('net', 'cloudify.nodes.openstack.Network', { client_config: { ...admin(), password: 'not-the-password' }, resource_config: { name: `${tag}-nope` } });
    const f = await failureOf(d.run('net', 'create'));
    expect(f).toBeInstanceOf(NonRecoverableError);
    expect(f.message).toMatch(/^net \(net_\w+\) cloudify\.interfaces\.lifecycle\.create/);
    expect(f.message).toContain('POST identity /v3/auth/tokens -> 401');
    expect(f.message).toContain('authentication failed for user admin');
    expect(f.message).not.toContain('not-the-password');
    expect(await adminPort().listNeutron('networks', { name: `${tag}-nope` })).toEqual([]);
  });

  it('an unknown flavor or image fails before anything is created, listing what exists', async () => {
    const d = new Deployment();
    d.add('a', 'cloudify.nodes.openstack.Server', { client_config: admin(), resource_config: { name: `${tag}-badflavor`, image_id: peer!.image, flavor_id: 'm9.galactic' } });
    d.add('b', 'cloudify.nodes.openstack.Server', { client_config: admin(), resource_config: { name: `${tag}-badimage`, image_id: 'no-such-image', flavor_id: peer!.flavor } });
    const flavor = await failureOf(d.run('a', 'create'));
    expect(flavor).toBeInstanceOf(NonRecoverableError);
    expect(flavor.message).toMatch(/unknown flavor "m9\.galactic" \(this project sees: .*m1\.tiny/);
    const image = await failureOf(d.run('b', 'create'));
    expect(image.message).toMatch(/unknown image "no-such-image" \(this project sees: .*cirros-fake/);
    const port = adminPort();
    expect(await port.listServers({ name: `^${tag}-bad` })).toEqual([]);
    expect(d.get('a').instance.runtimeProperties.id).toBeUndefined();
  });

  it('the third server of a project with a quota of 2 instances fails naming the quota, and nothing leaks', async () => {
    const cc = clientConfig(peer!, 'quota');
    const port = new OpenStackPort(resolveCloudConfig(cc, {}));
    for (const s of await port.listServers()) await port.deleteServer(s.id); // leftovers of an interrupted run
    const d = new Deployment();
    d.add('net', 'cloudify.nodes.openstack.Network', { client_config: cc, resource_config: { name: `${tag}-qnet` } });
    d.add('sub', 'cloudify.nodes.openstack.Subnet', { client_config: cc, resource_config: { cidr: '10.30.0.0/24' } }, [{ type: 'cloudify.relationships.contained_in', target: 'net' }]);
    const vms = ['vm1', 'vm2', 'vm3'];
    for (const vm of vms) {
      d.add(vm, 'cloudify.nodes.openstack.Server', { client_config: cc, resource_config: { name: `${tag}-${vm}`, image_id: peer!.image, flavor_id: peer!.flavor } }, [
        { type: 'cloudify.relationships.connected_to', target: 'net' },
      ]);
    }
    cleanups.push(() => d.uninstall('net', 'sub', ...vms));
    await d.install('net', 'sub', 'vm1', 'vm2');
    const f = await failureOf(d.install('vm3'));
    expect(f).toBeInstanceOf(NonRecoverableError);
    expect(f.message).toContain('quota exceeded for instances');
    expect(f.message).toContain('POST compute /servers -> 403');
    expect(f.message).toMatch(/^vm3 /);
    expect(d.get('vm3').instance.runtimeProperties.id).toBeUndefined();
    await d.uninstall('net', 'sub', ...vms);
    expect(await port.listServers()).toEqual([]);
    expect(await port.listNeutron('networks', { name: `${tag}-qnet` })).toEqual([]);
  }, 180_000);

  it('a cloud without the service a node needs fails clearly, naming the missing catalog entry', async () => {
    const d = new Deployment();
    // RegionTwo has no endpoints at all in the loopback cloud
    d.add('vol', 'cloudify.nodes.openstack.Volume', { client_config: { ...admin(), region_name: 'RegionTwo' }, resource_config: { size: 1 } });
    const f = await failureOf(d.run('vol', 'create'));
    expect(f).toBeInstanceOf(NonRecoverableError);
    expect(f.message).toMatch(/no volume endpoint \(block-storage\/volumev3\/volume, interface public, region RegionTwo\) in the service catalog/);
    expect(d.get('vol').instance.runtimeProperties.id).toBeUndefined();
  });

  it('reuses one token across operations', async () => {
    const session = new Session(resolveCloudConfig(admin(), {}));
    const port = new OpenStackPort(session.config, { session });
    await port.listFlavors(); // pkgcloud compute
    await port.listNeutron('networks'); // pkgcloud network
    await port.listNeutron('routers'); // own request
    expect(session.authCount).toBe(1);
  });

  it('re-authenticates once when a service rejects a revoked token (pkgcloud and own requests)', async () => {
    // Services cache tokens they validated, so each token is revoked before a service sees it.
    const session = new Session(resolveCloudConfig(admin(), {}));
    const port = new OpenStackPort(session.config, { session });
    const revoke = async () => {
      const t = await session.token();
      const res = await httpRequest({ method: 'DELETE', url: `${session.config.authUrl}/v3/auth/tokens`, headers: { 'X-Auth-Token': t.id, 'X-Subject-Token': t.id } });
      expect(res.status).toBe(204);
    };
    await revoke();
    expect((await port.listFlavors()).map((f) => f.name)).toContain('m1.tiny');
    expect(session.authCount).toBe(2);
    await revoke();
    expect(await port.listNeutron('routers')).toBeInstanceOf(Array);
    expect(session.authCount).toBe(3);
  });

  it('a create repeated after it succeeded, or after it was cut off before recording the id, makes no second server', async () => {
    const d = new Deployment();
    d.add('net', 'cloudify.nodes.openstack.Network', { client_config: admin(), resource_config: { name: `${tag}-rnet` } });
    d.add('sub', 'cloudify.nodes.openstack.Subnet', { client_config: admin(), resource_config: { cidr: '10.40.0.0/24' } }, [{ type: 'cloudify.relationships.contained_in', target: 'net' }]);
    d.add('vm', 'cloudify.nodes.openstack.Server', { client_config: admin(), resource_config: { name: `${tag}-resume`, image_id: peer!.image, flavor_id: peer!.flavor } }, [
      { type: 'cloudify.relationships.connected_to', target: 'net' },
    ]);
    cleanups.push(() => d.uninstall('net', 'sub', 'vm'));
    await d.install('net', 'sub');
    await d.run('vm', 'create');
    const first = d.get('vm').instance.runtimeProperties.id;
    await d.run('vm', 'create'); // a resumed execution repeating the task
    expect(d.get('vm').instance.runtimeProperties.id).toBe(first);
    const port = adminPort();
    expect((await port.listServers({ name: `^${tag}-resume$` })).map((s) => s.id)).toEqual([first]);

    // Cut off after Nova accepted it but before the id was recorded: the next attempt adopts it.
    const rp = d.get('vm').instance.runtimeProperties;
    for (const k of Object.keys(rp)) delete rp[k];
    await d.run('vm', 'create');
    expect(rp.id).toBe(first);
    expect(d.logs.some((l) => l.message.includes(`adopting server ${first as string}`))).toBe(true);
    expect((await port.listServers({ name: `^${tag}-resume$` })).length).toBe(1);
    await d.uninstall('net', 'sub', 'vm');
    expect(await port.listServers({ name: `^${tag}-resume$` })).toEqual([]);
  }, 180_000);

  it('Nova unreachable mid-operation, then answering 503 with Retry-After: the create retries and completes with one server', async () => {
    const proxy = new FaultProxy(new URL('http://127.0.0.1:8774'));
    await proxy.up();
    const cc = { ...admin(), compute_endpoint_override: proxy.url('/v2.1') };
    const d = new Deployment();
    d.add('net', 'cloudify.nodes.openstack.Network', { client_config: admin(), resource_config: { name: `${tag}-nnet` } });
    d.add('sub', 'cloudify.nodes.openstack.Subnet', { client_config: admin(), resource_config: { cidr: '10.50.0.0/24' } }, [{ type: 'cloudify.relationships.contained_in', target: 'net' }]);
    d.add('vm', 'cloudify.nodes.openstack.Server', { client_config: cc, resource_config: { name: `${tag}-novadown`, image_id: peer!.image, flavor_id: peer!.flavor } }, [
      { type: 'cloudify.relationships.connected_to', target: 'net' },
    ]);
    cleanups.push(async () => {
      await proxy.up();
      await d.uninstall('net', 'sub', 'vm');
      await proxy.down();
    });
    await d.install('net', 'sub');
    await proxy.down();
    const failures: string[] = [];
    const attempts = await withEngineRetries(
      () => d.run('vm', 'create'),
      async (attempt, e) => {
        failures.push(e.message);
        if (attempt === 1) {
          await proxy.up();
          proxy.fail(3, 503, { 'Retry-After': '1' }); // back, but overloaded for a moment
        }
      },
    );
    expect(attempts).toBeGreaterThan(1);
    expect(failures[0]).toMatch(/GET compute \/servers\/detail -> no response: connect ECONNREFUSED/);
    expect(failures.some((m) => m.includes('-> 503: injected 503'))).toBe(true);
    expect(proxy.injectedLeft).toBe(0);
    const port = adminPort();
    const servers = await port.listServers({ name: `^${tag}-novadown$` });
    expect(servers.map((s) => s.status)).toEqual(['ACTIVE']);
    expect(d.get('vm').instance.runtimeProperties.id).toBe(servers[0]!.id);
    await d.uninstall('net', 'sub', 'vm');
    await proxy.down();
    expect(await port.listServers({ name: `^${tag}-novadown$` })).toEqual([]);
  }, 180_000);
});
