/**
 * blueprints/database-on-openstack end to end through the real `trellis` CLI: the network,
 * router, security group, key pair, server and floating IP on the loopback OpenStack
 * (test/peers/openstack: real Keystone, Nova with the fake driver, Neutron), and
 * PostgreSQL installed, configured and started by the blueprint's scripts over SSH on the
 * loopback sshd (test/peers/sshd), to which every server address is mapped with
 * TRELLIS_SSH_OVERRIDE. Then a real login with the password from the secret store, and an
 * uninstall that leaves no server, network, router, security group or floating IP and no
 * database server running.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FileSecretStore } from '../../engine/store/secrets';
import { requirePeer, type Peer } from '../plugins/openstack/support/peer';
import { sshdPeer } from '../plugins/script/ssh/sshd-peer';

const root = fileURLToPath(new URL('../../', import.meta.url));
const blueprint = path.join(root, 'blueprints', 'database-on-openstack', 'blueprint.yaml');
const file = 'test/e2e-cli/reference-database.test.ts';

const openstack = await requirePeer(file);
const sshd = openstack ? sshdPeer() : undefined;
// PostgreSQL's binaries on the "VM" (the loopback host): .ci/run installs Debian's postgresql.
const pgBin = spawnSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1'], { encoding: 'utf8' }).stdout.trim();
if (openstack && sshd && !pgBin) {
  const why = 'PostgreSQL is not installed on this machine (apt-get install postgresql)';
  if (process.env.CI === 'true') throw new Error(`${file}: ${why}`);
  console.warn(`\n*** SKIPPING ${file}: ${why} ***\n`);
}
const runIt = Boolean(openstack && sshd && pgBin);

const run = `e2e${process.pid}`;
const deployment = `db-${run}`;
const prefix = `trellis-${run}`;
const password = `pw-${Math.random().toString(36).slice(2)}-'quoted"`;
let home: string;
let port: number;
let dataDir: string;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `trellis ARGS` in a child process with the peers' settings, as a user would. */
function trellis(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'trellis.js'), ...args], {
      cwd: root,
      env: {
        ...process.env,
        TRELLIS_HOME: home,
        NO_COLOR: '1',
        OS_CLIENT_CONFIG_FILE: path.join(openstack?.state ?? '', 'clouds.yaml'),
        // every server's address -> the loopback sshd
        TRELLIS_SSH_OVERRIDE: `*=127.0.0.1:${sshd?.port ?? 0}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function trellisOk(...args: string[]): Promise<CliResult> {
  const result = await trellis(...args);
  if (result.code !== 0) {
    throw new Error(`trellis ${args.join(' ')} exited ${result.code}\n--- stdout\n${result.stdout.slice(-6000)}\n--- stderr\n${result.stderr}`);
  }
  return result;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** psql over TCP as the application user: the first row, or the error text. */
function psql(user: string, pass: string, sql: string): { ok: boolean; out: string } {
  const result = spawnSync(path.join(pgBin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', 'app', '-Atc', sql], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: pass, PGCONNECT_TIMEOUT: '5' },
  });
  return { ok: result.status === 0, out: (result.status === 0 ? result.stdout : result.stderr).trim() };
}

/** What the member project still holds with our prefix, straight from Nova and Neutron. */
async function leftovers(peer: Peer, floatingIp: string | undefined): Promise<string[]> {
  const auth = await fetch(`${peer.auth_url}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: peer.member.username, domain: { name: peer.member.user_domain_name }, password: peer.member.password } },
        },
        scope: { project: { name: peer.member.project_name, domain: { name: peer.member.project_domain_name } } },
      },
    }),
  });
  const token = auth.headers.get('x-subject-token') ?? '';
  const get = async (url: string) => (await (await fetch(url, { headers: { 'x-auth-token': token } })).json()) as Record<string, { name?: string; floating_ip_address?: string }[]>;
  const found: string[] = [];
  const servers = (await get(`http://127.0.0.1:8774/v2.1/servers?name=${encodeURIComponent(`^${prefix}`)}`)).servers ?? [];
  found.push(...servers.map((s) => `server ${s.name}`));
  for (const kind of ['networks', 'subnets', 'routers', 'security-groups']) {
    const key = kind.replace('-', '_');
    const items = (await get(`http://127.0.0.1:9696/v2.0/${kind}`))[key] ?? [];
    found.push(...items.filter((i) => i.name?.startsWith(prefix)).map((i) => `${kind} ${i.name}`));
  }
  const fips = (await get('http://127.0.0.1:9696/v2.0/floatingips')).floatingips ?? [];
  found.push(...fips.filter((f) => floatingIp && f.floating_ip_address === floatingIp).map((f) => `floating IP ${f.floating_ip_address}`));
  const keys = ((await get('http://127.0.0.1:8774/v2.1/os-keypairs')).keypairs ?? []) as unknown as { keypair: { name: string } }[];
  found.push(...keys.filter((k) => k.keypair.name.startsWith(prefix)).map((k) => `key pair ${k.keypair.name}`));
  return found;
}

/** The postmaster of our cluster, if one runs (pid from its data folder). */
function postmasterPid(): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

let floatingIp: string | undefined;
let installed = false;

beforeAll(async () => {
  if (!runIt || !sshd) return;
  home = await mkdtemp(path.join(os.tmpdir(), 'trellis-e2e-db-'));
  port = await freePort();
  dataDir = path.join(sshd.home, `pgdata-${run}`);
  // The secrets a user would have set before installing: the VM login key and the password.
  const secrets = new FileSecretStore(home);
  await secrets.set('agent_key_private', readFileSync(sshd.keyPath, 'utf8'));
  await secrets.set('db_password', password);
  writeFileSync(
    path.join(home, 'inputs.yaml'),
    stringify({
      cloud: 'trellis-member',
      name_prefix: prefix,
      image: openstack?.image,
      flavor: openstack?.flavor,
      external_network: openstack?.external_network,
      cidr: `10.${100 + (process.pid % 100)}.0.0/24`,
      allowed_cidr: '127.0.0.1/32',
      agent_user: sshd.user,
      ssh_public_key: readFileSync(`${sshd.keyPath}.pub`, 'utf8').trim(),
      db_port: port,
      data_dir: dataDir,
    }),
  );
});

afterAll(async () => {
  if (!runIt) return;
  // Safety net for a failed run: nothing left in the cloud, no database server running.
  if (installed) await trellis('uninstall', deployment, '--ignore-failure');
  const pid = postmasterPid();
  if (pid) process.kill(pid, 'SIGINT');
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}, 300_000);

describe.skipIf(!runIt)('database-on-openstack on the loopback OpenStack and sshd', () => {
  it('installs the VM and PostgreSQL, publishes host and port, and the application can log in', async () => {
    installed = true;
    await trellisOk('install', blueprint, '-d', deployment, '-i', path.join(home, 'inputs.yaml'));

    const outputs = await trellisOk('outputs', deployment, '--json');
    const { capabilities } = JSON.parse(outputs.stdout) as { capabilities: Record<string, unknown> };
    floatingIp = capabilities.host as string;
    expect(floatingIp).toMatch(/^203\.0\.113\.\d+$/); // the peer's external network
    expect(capabilities.private_host).toMatch(/^10\.\d+\.0\.\d+$/);
    expect(capabilities.port).toBe(port);
    expect(capabilities).toMatchObject({ database: 'app', user: 'app', password_secret: 'db_password' });

    // What the uninstall check below must not find any more is really there now.
    expect(await leftovers(openstack as Peer, floatingIp)).toEqual(
      expect.arrayContaining([
        `server ${prefix}-vm`,
        `networks ${prefix}-net`,
        `subnets ${prefix}-subnet`,
        `routers ${prefix}-router`,
        `security-groups ${prefix}-postgres`,
        `floating IP ${floatingIp}`,
        `key pair ${prefix}-key`,
      ]),
    );

    // A real login over TCP with the password only the secret store had.
    expect(psql('app', password, 'SELECT current_user || \'@\' || current_database()')).toEqual({ ok: true, out: 'app@app' });
    expect(psql('app', 'wrong', 'SELECT 1').out).toMatch(/password authentication failed/);
    // The database belongs to the application user.
    expect(psql('app', password, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'").out).toBe('app');

    // The password never shows in outputs, events or logs.
    const events = await trellisOk('events', deployment, '--json');
    expect(events.stdout).toContain('database app ready for role app');
    expect(outputs.stdout + events.stdout).not.toContain(password);
  }, 600_000);

  it('uninstalls leaving nothing in the cloud and no database server running', async () => {
    expect(postmasterPid()).toBeDefined();
    await trellisOk('uninstall', deployment);
    installed = false;
    expect(postmasterPid()).toBeUndefined();
    expect(await leftovers(openstack as Peer, floatingIp)).toEqual([]);
  }, 300_000);
});
