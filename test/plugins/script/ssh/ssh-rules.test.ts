/**
 * The rules around the SSH transport that need no server: which operations go to a host,
 * the connection override, ~/.ssh/config defaults, key pinning, the /proc parser.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyOverride,
  fingerprint,
  KnownHosts,
  parseSshOverride,
  remoteHostOf,
  resolveTarget,
  sshConfigFor,
} from '../../../../plugins/script/ssh';
import { parseProbe } from '../../../../plugins/script/ssh/host-metrics';
import { NonRecoverableError, type EntityView } from '../../../../plugins/sdk';
import { createTestContext } from '../../../support/operation-context';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-ssh-rules-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const vm = (runtime: Record<string, string>, types = ['cloudify.nodes.Compute']): EntityView => ({
  node: { name: 'vm', type: types[0]!, typeHierarchy: types, properties: { agent_config: { user: 'ubuntu', port: 2222 } } },
  instance: { id: 'vm_000001', state: 'started', runtimeProperties: runtime, update: () => Promise.resolve() },
});

describe('which operations run on their host over SSH', () => {
  it('a script on a node contained in a remote Compute goes to the host ip with its agent_config', () => {
    const { ctx } = createTestContext({ operation: 'cloudify.interfaces.lifecycle.configure' });
    ctx.host = vm({ ip: '10.0.0.9' });
    expect(remoteHostOf(ctx)).toEqual({ instanceId: 'vm_000001', address: '10.0.0.9', agent: { user: 'ubuntu', port: 2222 } });
  });

  it('nodes without a host, and nodes on the local Host, run in Trellis', () => {
    const { ctx } = createTestContext();
    expect(remoteHostOf(ctx)).toBeUndefined();
    ctx.host = vm({ ip: '127.0.0.1' }, ['trellis.nodes.local.Host', 'cloudify.nodes.Compute']);
    expect(remoteHostOf(ctx)).toBeUndefined();
  });

  it("a Compute's own create runs in Trellis; its configure runs on it", () => {
    const create = createTestContext({ instanceId: 'vm_000001', operation: 'cloudify.interfaces.lifecycle.create' }).ctx;
    create.host = vm({});
    expect(remoteHostOf(create)).toBeUndefined();
    const configure = createTestContext({ instanceId: 'vm_000001', operation: 'cloudify.interfaces.lifecycle.configure' }).ctx;
    configure.host = vm({ ip: '10.0.0.7' });
    expect(remoteHostOf(configure)?.address).toBe('10.0.0.7');
  });

  it('a remote host without an address is a clear non-recoverable error', () => {
    const { ctx } = createTestContext({ operation: 'cloudify.interfaces.lifecycle.start' });
    ctx.host = vm({});
    expect(() => remoteHostOf(ctx)).toThrow(NonRecoverableError);
    expect(() => remoteHostOf(ctx)).toThrow(/host vm_000001 .* has no address/);
  });
});

describe('connection override (TRELLIS_SSH_OVERRIDE)', () => {
  it('maps an address, an address:port, or everything', () => {
    const o = parseSshOverride('10.0.0.5=127.0.0.1:2201, 10.0.0.6:22=[::1]:2202 *=gateway');
    expect(applyOverride(o, '10.0.0.5', 22)).toEqual({ host: '127.0.0.1', port: 2201 });
    expect(applyOverride(o, '10.0.0.6', 22)).toEqual({ host: '::1', port: 2202 });
    expect(applyOverride(o, '192.168.1.1', 2222)).toEqual({ host: 'gateway', port: 2222 });
    expect(applyOverride(new Map(), '10.0.0.5', 22)).toEqual({ host: '10.0.0.5', port: 22 });
  });

  it('rejects entries it cannot read', () => {
    expect(() => parseSshOverride('10.0.0.5')).toThrow(/expected FROM=HOST\[:PORT\]/);
  });
});

describe('~/.ssh/config defaults', () => {
  it('gives HostName, User, Port, IdentityFile and ConnectTimeout; agent_config wins over it', async () => {
    const config = path.join(dir, 'ssh_config');
    const key = utils.generateKeyPairSync('ed25519');
    await writeFile(path.join(dir, 'id_test'), key.private);
    await writeFile(
      config,
      `Host 10.1.*\n  HostName bastion-%h.example\n  User admin\n  Port 2200\n  IdentityFile ${path.join(dir, 'id_test')}\n  ConnectTimeout 7\n`,
    );
    const d = await sshConfigFor('10.1.2.3', config);
    expect(d).toEqual({ hostName: 'bastion-10.1.2.3.example', user: 'admin', port: 2200, identityFiles: [path.join(dir, 'id_test')], connectTimeoutSeconds: 7 });
    const secrets = createTestContext().ctx.secrets;
    const t = await resolveTarget('10.1.2.3', { user: 'ubuntu' }, { secrets, sshConfigFile: config, agent: '' });
    expect(t).toMatchObject({ host: 'bastion-10.1.2.3.example', port: 2200, user: 'ubuntu', connectTimeoutMs: 7000 });
    expect(t.privateKey).toBe(key.private);
  });
});

describe('host keys pinned on first use', () => {
  it('pins the first key, accepts it again, and reports a different key as changed', async () => {
    const known = new KnownHosts(path.join(dir, 'kh', 'known_hosts'));
    const a = utils.parseKey(utils.generateKeyPairSync('ed25519').public);
    const b = utils.parseKey(utils.generateKeyPairSync('ed25519').public);
    if (a instanceof Error || b instanceof Error) throw new Error('bad test key');
    const blobA = a.getPublicSSH();
    const blobB = b.getPublicSSH();
    expect(await known.check('10.0.0.1', 22, blobA)).toEqual({ kind: 'pinned' });
    expect(await known.check('10.0.0.1', 22, blobA)).toEqual({ kind: 'match' });
    expect(await known.check('10.0.0.1', 2222, blobB)).toEqual({ kind: 'pinned' });
    expect(await known.check('10.0.0.1', 22, blobB)).toEqual({
      kind: 'changed',
      keyType: 'ssh-ed25519',
      expected: fingerprint(blobA),
      presented: fingerprint(blobB),
      line: 1,
    });
    const text = await readFile(known.file, 'utf8');
    expect(text.split('\n').filter(Boolean)).toEqual([
      `10.0.0.1 ssh-ed25519 ${blobA.toString('base64')}`,
      `[10.0.0.1]:2222 ssh-ed25519 ${blobB.toString('base64')}`,
    ]);
  });

  it('re-pins only when Trellis knows the address now belongs to a different machine', async () => {
    const known = new KnownHosts(path.join(dir, 'kh3', 'known_hosts'));
    const key = () => {
      const k = utils.parseKey(utils.generateKeyPairSync('ed25519').public);
      if (k instanceof Error) throw k;
      return k.getPublicSSH();
    };
    const [old, rebuilt, attacker] = [key(), key(), key()];
    expect(await known.check('203.0.113.7', 22, old, 'server-1')).toEqual({ kind: 'pinned' });
    // Same machine, different key: refused.
    expect((await known.check('203.0.113.7', 22, attacker, 'server-1')).kind).toBe('changed');
    // No machine known: refused.
    expect((await known.check('203.0.113.7', 22, attacker)).kind).toBe('changed');
    // Healed: a new server (new cloud id) got the floating IP.
    expect(await known.check('203.0.113.7', 22, rebuilt, 'server-2')).toEqual({
      kind: 'replaced',
      previousMachine: 'server-1',
      previous: fingerprint(old),
      presented: fingerprint(rebuilt),
    });
    expect(await known.check('203.0.113.7', 22, rebuilt, 'server-2')).toEqual({ kind: 'match' });
    expect((await known.check('203.0.113.7', 22, old, 'server-2')).kind).toBe('changed');
    const lines = (await readFile(known.file, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toEqual([`203.0.113.7 ssh-ed25519 ${rebuilt.toString('base64')} trellis-machine=server-2`]);
  });

  it('two first connections at once pin one key', async () => {
    const known = new KnownHosts(path.join(dir, 'kh2', 'known_hosts'));
    const k = utils.parseKey(utils.generateKeyPairSync('ed25519').public);
    if (k instanceof Error) throw k;
    const verdicts = await Promise.all([1, 2, 3].map(() => known.check('h', 22, k.getPublicSSH())));
    expect(verdicts.map((v) => v.kind).sort()).toEqual(['match', 'match', 'pinned']);
  });
});

describe('/proc probe parsing', () => {
  it('turns the probe sections into gauges and counters', () => {
    const text = [
      '@loadavg',
      '0.50 0.25 0.10 1/100 123',
      '@stat1',
      'cpu  100 0 100 700 100 0 0 0 0 0',
      'cpu0 50 0 50 350 50 0 0 0 0 0',
      'cpu1 50 0 50 350 50 0 0 0 0 0',
      '@stat2',
      'cpu  150 0 150 800 100 0 0 0 0 0',
      '@meminfo',
      'MemTotal:        1000 kB',
      'MemAvailable:     250 kB',
      '@df',
      '/dev/vda1 1000 600 200 75% /',
      '@diskstats',
      ' 252 0 vda 10 0 8 0 5 0 4 0 0 0 0',
      ' 252 1 vda1 10 0 8 0 5 0 4 0 0 0 0',
      '@netdev',
      'Inter-|   Receive',
      ' face |bytes    packets',
      '    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0',
      '  eth0: 100 1 0 0 0 0 0 0 40 1 0 0 0 0 0 0',
    ].join('\n');
    const m = new Map(parseProbe(text).map((s) => [s.metric, s]));
    expect(m.get('load1')?.value).toBe(0.5);
    expect(m.get('load15')?.value).toBe(0.1);
    expect(m.get('cpu_count')?.value).toBe(2);
    // 100 busy of 200 jiffies between the two reads.
    expect(m.get('cpu_utilization')?.value).toBe(50);
    expect(m.get('cpu_busy_seconds_total')).toEqual({ metric: 'cpu_busy_seconds_total', value: 3, counter: true });
    expect(m.get('memory_total_bytes')?.value).toBe(1024000);
    expect(m.get('memory_used_percent')?.value).toBe(75);
    expect(m.get('disk_root_used_percent')?.value).toBe(75);
    expect(m.get('disk_read_bytes_total')?.value).toBe(8 * 512);
    expect(m.get('disk_written_bytes_total')?.value).toBe(4 * 512);
    expect(m.get('network_receive_bytes_total')?.value).toBe(100);
    expect(m.get('network_transmit_bytes_total')?.value).toBe(40);
  });
});
