/**
 * blueprints/hybrid-microservice through the real `trellis` CLI against the Kubernetes API
 * double (test/peers/kubernetes: HTTPS with its own CA, bearer token, rollout simulation,
 * scale subresource). The cluster and database deployments it reads are stand-ins: two
 * small blueprints written here that publish the same capabilities as
 * kubernetes-on-openstack (endpoint, ca_cert, token from a secret) and
 * database-on-openstack (host, port, database, user, password_secret), because kubeadm
 * cannot run here. What is real: the CLI, the engine, get_capability/get_secret across
 * deployments, the kubernetes plugin and its TLS verification with the published CA.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FileSecretStore } from '../../engine/store/secrets';
import { startKubeApiDouble, type KubeApiDouble } from '../peers/kubernetes/api-double';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hybrid = path.join(root, 'blueprints', 'hybrid-microservice', 'blueprint.yaml');
const run = `e2e${process.pid}`;
const password = `pw-${Math.random().toString(36).slice(2)}`;
let home: string;
let api: KubeApiDouble;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function trellis(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'trellis.js'), ...args], {
      cwd: root,
      env: { ...process.env, TRELLIS_HOME: home, NO_COLOR: '1' },
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

/** Writes a blueprint (and its inputs) into the temp home; returns [blueprint, inputs]. */
function standIn(name: string, blueprint: unknown, inputs: unknown): [string, string] {
  writeFileSync(path.join(home, `${name}.yaml`), stringify(blueprint));
  writeFileSync(path.join(home, `${name}-inputs.yaml`), stringify(inputs));
  return [path.join(home, `${name}.yaml`), path.join(home, `${name}-inputs.yaml`)];
}

const deployments = { cluster: `k8s-${run}`, database: `db-${run}`, hybrid: `orders-${run}` };
const installed = new Set<string>();

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'trellis-e2e-hybrid-'));
  api = await startKubeApiDouble({ podReadyMs: 200 });
  const secrets = new FileSecretStore(home);
  await secrets.set('kubernetes_api_token', api.token);
  await secrets.set('db_password', password);
}, 60_000);

afterAll(async () => {
  for (const d of [deployments.hybrid, deployments.database, deployments.cluster]) {
    if (installed.has(d)) await trellis('uninstall', d, '--ignore-failure');
  }
  await api.close();
  rmSync(home, { recursive: true, force: true });
}, 120_000);

const deploymentOf = () => api.get('apps/v1', 'deployments', 'orders', 'orders') as
  | { spec: { replicas: number; template: { spec: { containers: { image: string; env?: { name: string; value: string }[] }[] } } } }
  | undefined;

describe('hybrid-microservice on the Kubernetes API double', () => {
  it('installs the service with the database capabilities in its environment, through the cluster capabilities', async () => {
    const cluster = standIn(
      'cluster',
      {
        tosca_definitions_version: 'cloudify_dsl_1_5',
        imports: ['cloudify/types/types.yaml'],
        inputs: { endpoint: { type: 'string' }, ca_cert: { type: 'string' } },
        node_templates: { marker: { type: 'cloudify.nodes.Root' } },
        // the same capabilities kubernetes-on-openstack publishes
        capabilities: {
          endpoint: { value: { get_input: 'endpoint' } },
          ca_cert: { value: { get_input: 'ca_cert' } },
          token_secret: { value: 'kubernetes_api_token' },
          token: { value: { get_secret: 'kubernetes_api_token' } },
        },
      },
      { endpoint: api.url, ca_cert: api.caCert },
    );
    const database = standIn(
      'database',
      {
        tosca_definitions_version: 'cloudify_dsl_1_5',
        imports: ['cloudify/types/types.yaml'],
        node_templates: { marker: { type: 'cloudify.nodes.Root' } },
        // the same capabilities database-on-openstack publishes
        capabilities: {
          host: { value: '203.0.113.77' },
          private_host: { value: '10.70.0.5' },
          port: { value: 5432 },
          database: { value: 'app' },
          user: { value: 'app' },
          password_secret: { value: 'db_password' },
        },
      },
      {},
    );
    installed.add(deployments.cluster);
    await trellisOk('install', cluster[0], '-d', deployments.cluster, '-i', cluster[1]);
    installed.add(deployments.database);
    await trellisOk('install', database[0], '-d', deployments.database, '-i', database[1]);

    installed.add(deployments.hybrid);
    await trellisOk(
      'install',
      hybrid,
      '-d',
      deployments.hybrid,
      '-i',
      `cluster_deployment=${deployments.cluster};database_deployment=${deployments.database};image=registry.example/orders:1.4.2`,
    );

    const workload = deploymentOf();
    expect(workload?.spec.replicas).toBe(2);
    const env = Object.fromEntries((workload?.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      DATABASE_HOST: '203.0.113.77',
      DATABASE_PORT: '5432',
      DATABASE_NAME: 'app',
      DATABASE_USER: 'app',
      DATABASE_PASSWORD: password,
      LOG_LEVEL: 'info',
    });
    expect(api.get('v1', 'services', 'orders', 'orders')).toBeDefined();
    expect(api.get('v1', 'namespaces', undefined, 'orders')).toBeDefined();
    // Every call carried the token from the secret store (the double answers 401 otherwise).
    expect(api.requests.some((r) => r.method === 'PATCH' && r.contentType === 'application/apply-patch+yaml')).toBe(true);

    // The password is never in the hybrid deployment's events or outputs.
    const events = await trellisOk('events', deployments.hybrid, '--json');
    const outputs = await trellisOk('outputs', deployments.hybrid, '--json');
    expect(events.stdout + outputs.stdout).not.toContain(password);
  }, 300_000);

  it('scales the service to 5 replicas through the scale subresource', async () => {
    await trellisOk('scale', deployments.hybrid, 'orders', '--delta', '3');
    expect(deploymentOf()?.spec.replicas).toBe(5);
    expect(api.requests.some((r) => r.path.endsWith('/deployments/orders/scale'))).toBe(true);
  }, 300_000);

  it('uninstalls leaving nothing in the cluster', async () => {
    await trellisOk('uninstall', deployments.hybrid);
    installed.delete(deployments.hybrid);
    expect(deploymentOf()).toBeUndefined();
    expect(api.get('v1', 'services', 'orders', 'orders')).toBeUndefined();
    expect(api.get('v1', 'namespaces', undefined, 'orders')).toBeUndefined();
  }, 300_000);
});
