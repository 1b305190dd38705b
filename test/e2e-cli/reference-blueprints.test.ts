/**
 * The three reference blueprints of the hybrid scenario (blueprints/kubernetes-on-openstack,
 * database-on-openstack, hybrid-microservice) through the real `trellis validate` and
 * `trellis plan` commands, as a user checks them before installing: no errors, the
 * instances and relationship instances a user expects, the install order, scripts that
 * exist and parse, secrets never surfacing as outputs or capabilities, and the
 * get_capability wiring naming capabilities the other blueprints really publish.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Plan, PlanNodeInstance, PlanOperations, Value } from '../../engine/dsl/plan-model';
import type { Problem } from '../../engine/dsl/problem';

const root = fileURLToPath(new URL('../../', import.meta.url));
const blueprint = (name: string) => path.join(root, 'blueprints', name, 'blueprint.yaml');
const cluster = blueprint('kubernetes-on-openstack');
const database = blueprint('database-on-openstack');
const hybrid = blueprint('hybrid-microservice');
const sshKey = 'ssh_public_key=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC0test reference@trellis';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `trellis ARGS` in a child process, as a user would. */
function trellis(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'trellis.js'), ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
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

/** `trellis plan FILE --json -i ...`: the plan, failing the test with the problems if none. */
async function plan(file: string, ...inputs: string[]): Promise<{ plan: Plan; problems: Problem[] }> {
  const result = await trellis('plan', file, '--json', ...inputs.flatMap((i) => ['-i', i]));
  const parsed = JSON.parse(result.stdout) as { plan: Plan | null; problems: Problem[] };
  if (!parsed.plan) throw new Error(`no plan for ${file}:\n${JSON.stringify(parsed.problems, null, 2)}`);
  return { plan: parsed.plan, problems: parsed.problems };
}

const instancesOf = (p: Plan, node: string): PlanNodeInstance[] => p.instances.filter((i) => i.node === node);
const nodeOf = (p: Plan, name: string) => {
  const node = p.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name}`);
  return node;
};
const before = (p: Plan, a: string, b: string) => p.order.indexOf(a) < p.order.indexOf(b) && p.order.includes(a);

/** Every operation of a plan: node operations and both sides of every relationship. */
function allOperations(p: Plan): { where: string; ops: PlanOperations }[] {
  return p.nodes.flatMap((n) => [
    { where: n.name, ops: n.operations },
    ...n.relationships.flatMap((r) => [
      { where: `${n.name} -> ${r.target} (source)`, ops: r.sourceOperations },
      { where: `${n.name} -> ${r.target} (target)`, ops: r.targetOperations },
    ]),
  ]);
}

/** Every `{fn: args}` call of the given intrinsic function inside a value. */
function calls(value: Value | undefined, fn: string): Value[] {
  if (value === null || value === undefined || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v) => calls(v, fn));
  const own = Object.prototype.hasOwnProperty.call(value, fn) ? [value[fn] as Value] : [];
  return [...own, ...Object.values(value).flatMap((v) => calls(v, fn))];
}

/** Where a plan keeps values: node properties, operation inputs, outputs, capabilities. */
function planValues(p: Plan): Value[] {
  return [
    ...p.nodes.map((n) => n.properties),
    ...allOperations(p).flatMap(({ ops }) => Object.values(ops).map((o) => o.inputs)),
    ...p.policies.map((pol) => pol.properties),
    ...Object.values(p.outputs).map((o) => o.value),
    ...Object.values(p.capabilities).map((c) => c.value),
  ];
}

describe('the reference blueprints', () => {
  it('all three validate without errors', async () => {
    const result = await trellis('validate', '--json', cluster, database, hybrid);
    const reports = JSON.parse(result.stdout) as { file: string; valid: boolean; problems: Problem[] }[];
    for (const report of reports) {
      const errors = report.problems.filter((p) => p.severity === 'error');
      expect(errors, `${report.file}: ${errors.map((e) => e.message).join('; ')}`).toEqual([]);
      // The only thing a blueprint alone may leave open is the user's SSH key.
      for (const p of report.problems) expect(p.message).toMatch(/ssh_public_key/);
    }
    expect(reports).toHaveLength(3);
    expect(result.code).toBe(0);
  });

  it('every script an operation names exists, is executable and parses as sh', async () => {
    let scripts = 0;
    for (const [file, inputs] of [[cluster, [sshKey]], [database, [sshKey]], [hybrid, []]] as const) {
      const { plan: p } = await plan(file, ...inputs);
      for (const { where, ops } of allOperations(p)) {
        for (const op of Object.values(ops)) {
          if (op.kind !== 'script') continue;
          scripts++;
          const script = op.scriptPath ?? '';
          expect(existsSync(script), `${where} ${op.name}: ${op.implementation}`).toBe(true);
          expect(() => accessSync(script, constants.X_OK), `${script} is not executable`).not.toThrow();
          const syntax = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
          expect(syntax.status, `${script}: ${syntax.stderr}`).toBe(0);
        }
      }
    }
    expect(scripts).toBeGreaterThanOrEqual(12);
  });

  it('no output reads a secret, and the only capability that does is the cluster API token', async () => {
    for (const [file, inputs] of [[cluster, [sshKey]], [database, [sshKey]], [hybrid, []]] as const) {
      const { plan: p } = await plan(file, ...inputs);
      for (const [name, { value }] of Object.entries(p.outputs)) expect(calls(value, 'get_secret'), `${file}: ${name}`).toEqual([]);
      for (const [name, { value }] of Object.entries(p.capabilities)) {
        // README.md of kubernetes-on-openstack: the kubernetes plugin reads the token as a capability value.
        const allowed = file === cluster && name === 'token' ? ['kubernetes_api_token'] : [];
        expect(calls(value, 'get_secret'), `${file}: ${name}`).toEqual(allowed);
      }
      // No secret's value is written in the plan: every token, key and password is a reference.
      expect(JSON.stringify(p)).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b|BEGIN [A-Z ]*PRIVATE KEY/);
    }
  });
});

describe('kubernetes-on-openstack', () => {
  it('plans a master and two minions, each minion node on its own VM in the scaling group', async () => {
    const { plan: p } = await plan(cluster, sshKey);
    expect(instancesOf(p, 'master_vm')).toHaveLength(1);
    expect(instancesOf(p, 'kubernetes_master')).toHaveLength(1);
    const vms = instancesOf(p, 'minion_vm');
    const nodes = instancesOf(p, 'kubernetes_node');
    expect(vms).toHaveLength(2);
    expect(nodes).toHaveLength(2);
    expect(p.scalingGroups.minion_group?.properties).toEqual({ defaultInstances: 2, minInstances: 1, maxInstances: 10 });
    // Each kubernetes_node sits on a different minion VM and scales with it.
    expect(new Set(nodes.map((n) => n.hostId))).toEqual(new Set(vms.map((v) => v.id)));
    for (const node of nodes) {
      const vm = vms.find((v) => v.id === node.hostId);
      expect(node.scalingGroups).toEqual(vm?.scalingGroups);
    }
    expect(instancesOf(p, 'kubernetes_master')[0]?.hostId).toBe(instancesOf(p, 'master_vm')[0]?.id);
  });

  it('joins every minion to the one master through a relationship instance, after the master is configured', async () => {
    const { plan: p } = await plan(cluster, sshKey);
    const master = instancesOf(p, 'kubernetes_master')[0];
    for (const node of instancesOf(p, 'kubernetes_node')) {
      const joins = node.relationships.filter((r) => r.targetNode === 'kubernetes_master');
      expect(joins).toEqual([expect.objectContaining({ kind: 'connected_to', targetId: master?.id })]);
    }
    const join = nodeOf(p, 'kubernetes_node').relationships.find((r) => r.target === 'kubernetes_master');
    expect(join?.sourceOperations['cloudify.interfaces.relationship_lifecycle.postconfigure']?.implementation).toBe('scripts/join.sh');
    expect(join?.targetOperations['cloudify.interfaces.relationship_lifecycle.unlink']?.implementation).toBe('scripts/remove-node.sh');
    // The join token reaches the script from the secret store, not as text in the plan.
    expect(join?.sourceOperations['cloudify.interfaces.relationship_lifecycle.postconfigure']?.inputs.JOIN_TOKEN).toEqual({
      get_secret: 'kubernetes_join_token',
    });
    expect(before(p, 'master_vm', 'kubernetes_master')).toBe(true);
    expect(before(p, 'kubernetes_master', 'kubernetes_node')).toBe(true);
    expect(before(p, 'minion_vm', 'kubernetes_node')).toBe(true);
    expect(before(p, 'router', 'subnet')).toBe(true);
    expect(before(p, 'subnet', 'master_vm')).toBe(true);
    expect(before(p, 'master_ip', 'master_vm')).toBe(true);
  });

  it('opens SSH, the API, the kubelet and the NodePort range', async () => {
    const { plan: p } = await plan(cluster, sshKey);
    const ports = (node: string) =>
      ((nodeOf(p, node).properties.security_group_rules ?? []) as { port_range_min?: number; port_range_max?: number }[]).map(
        (r) => `${r.port_range_min ?? '*'}-${r.port_range_max ?? '*'}`,
      );
    expect(ports('cluster_security_group')).toEqual(expect.arrayContaining(['22-22', '10250-10250']));
    expect(ports('master_security_group')).toContain('6443-6443');
    const rule = nodeOf(p, 'node_port_rule').properties.resource_config as Record<string, Value>;
    expect([rule.port_range_min, rule.port_range_max]).toEqual([30000, 32767]);
    // The router's gateway is the external network.
    expect(calls(nodeOf(p, 'router').operations['cloudify.interfaces.lifecycle.create']?.inputs, 'get_attribute')).toContainEqual([
      'external_network',
      'id',
    ]);
  });

  it('starts with as many minions as asked and refuses more than ten', async () => {
    const { plan: five } = await plan(cluster, sshKey, 'minions=5');
    expect(instancesOf(five, 'minion_vm')).toHaveLength(5);
    expect(instancesOf(five, 'kubernetes_node')).toHaveLength(5);
    const relationships = instancesOf(five, 'kubernetes_node').flatMap((n) => n.relationships);
    expect(relationships).toHaveLength(10); // contained_in its VM + connected_to the master, each
    const tooMany = await trellis('plan', cluster, '--json', '-i', sshKey, '-i', 'minions=11');
    expect(tooMany.code).toBe(1);
    expect(tooMany.stdout).toMatch(/minions/);
  });

  it('publishes endpoint, CA and the token secret name as capabilities', async () => {
    const { plan: p } = await plan(cluster, sshKey);
    expect(Object.keys(p.capabilities)).toEqual(expect.arrayContaining(['endpoint', 'ca_cert', 'ca_cert_hash', 'token_secret', 'token']));
    expect(p.capabilities.endpoint?.value).toEqual({ get_attribute: ['kubernetes_master', 'endpoint'] });
    expect(p.capabilities.token_secret?.value).toBe('kubernetes_api_token');
  });
});

describe('database-on-openstack', () => {
  it('plans one VM with PostgreSQL and the application database on it, after the network', async () => {
    const { plan: p } = await plan(database, sshKey);
    const vm = instancesOf(p, 'db_vm');
    expect(vm).toHaveLength(1);
    expect(instancesOf(p, 'postgresql')[0]?.hostId).toBe(vm[0]?.id);
    expect(instancesOf(p, 'app_database')[0]?.containerId).toBe(instancesOf(p, 'postgresql')[0]?.id);
    const vmRelationships = vm[0]?.relationships.map((r) => `${r.type} ${r.targetNode}`);
    expect(vmRelationships).toEqual([
      'cloudify.relationships.depends_on subnet',
      'cloudify.relationships.connected_to network',
      'cloudify.relationships.openstack.server_connected_to_keypair keypair',
      'cloudify.relationships.openstack.server_connected_to_security_group security_group',
      'cloudify.relationships.openstack.server_connected_to_floating_ip db_ip',
    ]);
    for (const [a, b] of [
      ['router', 'subnet'],
      ['subnet', 'db_vm'],
      ['db_ip', 'db_vm'],
      ['db_vm', 'postgresql'],
      ['postgresql', 'app_database'],
    ] as const) {
      expect(before(p, a, b), `${a} before ${b}`).toBe(true);
    }
    const create = nodeOf(p, 'app_database').operations['cloudify.interfaces.lifecycle.create'];
    expect(create?.inputs.DB_PASSWORD).toEqual({ get_secret: 'db_password' });
  });

  it('publishes host and port as capabilities, and the port follows the input', async () => {
    const { plan: p } = await plan(database, sshKey, 'db_port=6543');
    expect(p.capabilities.host?.value).toEqual({ get_attribute: ['db_ip', 'floating_ip_address'] });
    expect(p.capabilities.port?.value).toBe(6543);
    const rules = nodeOf(p, 'security_group').properties.security_group_rules as { port_range_min: number }[];
    expect(rules.map((r) => r.port_range_min)).toEqual([22, 6543]);
  });
});

describe('hybrid-microservice', () => {
  it('reads only capabilities the cluster and database blueprints publish', async () => {
    const [{ plan: p }, { plan: c }, { plan: d }] = await Promise.all([
      plan(hybrid, 'cluster_deployment=k8s-prod', 'database_deployment=pg-prod'),
      plan(cluster, sshKey),
      plan(database, sshKey),
    ]);
    const published: Record<string, string[]> = {
      'k8s-prod': Object.keys(c.capabilities),
      'pg-prod': Object.keys(d.capabilities),
    };
    // get_capability calls, and the kubernetes plugin's `capability` connection, which
    // reads the named capabilities of the named deployment.
    const used = planValues(p).flatMap((v) => calls(v, 'get_capability')) as [string, string][];
    for (const n of p.nodes) {
      const configuration = (n.properties.client_config as { configuration?: { capability?: Record<string, string> } } | undefined)?.configuration;
      const { deployment, ...names } = configuration?.capability ?? {};
      expect(deployment, `${n.name} reaches its cluster through capabilities`).toBe('k8s-prod');
      for (const name of Object.values(names)) used.push(['k8s-prod', name]);
    }
    for (const [deployment, capability] of used) {
      expect(published[deployment], `unknown deployment ${deployment}`).toBeDefined();
      expect(published[deployment], `${deployment} has no capability ${capability}`).toContain(capability);
    }
    const byDeployment = (dep: string) => new Set(used.filter(([d2]) => d2 === dep).map(([, cap]) => cap));
    expect(byDeployment('pg-prod')).toEqual(new Set(['host', 'port', 'database', 'user', 'password_secret']));
    expect(byDeployment('k8s-prod')).toEqual(new Set(['endpoint', 'ca_cert', 'token']));
  });

  it('puts the database address into the service environment when it is created, and scales it on its metrics', async () => {
    const { plan: p } = await plan(hybrid);
    const create = nodeOf(p, 'orders').operations['cloudify.interfaces.lifecycle.create'];
    expect(create?.kind).toBe('plugin');
    const env = create?.inputs.env as Record<string, Value>;
    expect(env.DATABASE_HOST).toEqual({ get_capability: ['database-on-openstack', 'host'] });
    expect(env.DATABASE_PORT).toEqual({ get_capability: ['database-on-openstack', 'port'] });
    expect(env.DATABASE_PASSWORD).toEqual({ get_secret: { get_capability: ['database-on-openstack', 'password_secret'] } });
    const policy = p.policies.find((pol) => pol.type === 'trellis.policies.metric_scale');
    expect(policy?.targets).toEqual(['orders']);
    expect(policy?.properties.max_instances).toBe(10);
    expect(instancesOf(p, 'orders')).toHaveLength(1); // one instance stands for the workload
    expect(before(p, 'namespace', 'orders')).toBe(true);
  });
});
