/**
 * The Kubernetes plugin through the real engine (EngineHost, store, runtime, workflows)
 * against the API double: install a namespace, config map, secret, a generic manifest file
 * and a micro-service whose DB_HOST is another node's runtime `ip`; scale the micro-service
 * through the scale workflow (replicas via the scale subresource, not node instances);
 * uninstall and find nothing left.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionSummary, HostResult, NodeInstanceSummary } from '../../../engine/host/contract';
import { createEngineHost, type EngineHost } from '../../../engine/host/engine-host';
import { builtinPlugins } from '../../../plugins';
import { startKubeApiDouble, type KubeApiDouble } from '../../peers/kubernetes/api-double';
import { findKind } from '../../peers/kubernetes/resources';

const blueprintFile = join(import.meta.dirname, 'fixtures/microservice/blueprint.yaml');
const clusterFile = join(import.meta.dirname, 'fixtures/microservice/cluster.yaml');

/** Every file under `dir` except the secret store's folder (the one place secrets may be). */
function plainFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).startsWith(join(dir, 'secrets')))
    .map((e) => join(e.parentPath, e.name));
}

function ok<T>(r: HostResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

type Obj = Record<string, unknown>;
const at = (o: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((v, k) => (v as Obj | undefined)?.[k as string], o);

describe('micro-service blueprint on the Kubernetes API double', () => {
  const home = mkdtempSync(join(tmpdir(), 'trellis-k8s-bp-'));
  const deploymentId = 'shop';
  let api: KubeApiDouble;
  let host: EngineHost;

  const run = async (workflow: string, parameters: Record<string, string | number> = {}, deployment = deploymentId): Promise<ExecutionSummary> => {
    const started = ok(await host.call('executions.start', { deploymentId: deployment, workflow, parameters })) as ExecutionSummary;
    const done = await host.waitForExecution(started.id);
    if (done.status !== 'terminated') {
      const detail = ok(await host.call('executions.get', { executionId: started.id }));
      throw new Error(`${workflow} ${done.status}: ${done.error ?? ''}\n${detail.tasks.filter((t) => t.error).map((t) => `${t.name}: ${t.error}`).join('\n')}`);
    }
    return done;
  };
  const instances = async (nodeId: string): Promise<NodeInstanceSummary[]> => ok(await host.call('instances.list', { deploymentId, nodeId }));

  beforeAll(async () => {
    api = await startKubeApiDouble({ podReadyMs: 300, tickMs: 50 });
    host = createEngineHost({ home, plugins: builtinPlugins, metrics: { autoStart: false } });
  });

  afterAll(async () => {
    await host.close({ cancelRunning: true });
    await api.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('installs every resource type with server-side apply and waits for the rollout, injecting the database address at run time', async () => {
    ok(await host.call('secrets.set', { name: 'kubernetes_token', value: api.token }));
    ok(await host.call('deployments.create', { blueprintFile: clusterFile, deploymentId: 'k8s-cluster', inputs: { endpoint: api.url, ca_cert: api.caCert } }));
    await run('install', {}, 'k8s-cluster');
    ok(await host.call('deployments.create', { blueprintFile, deploymentId }));
    const done = await run('install');
    expect(api.get('v1', 'namespaces', undefined, 'shop')).toBeDefined();
    expect(at(api.get('v1', 'configmaps', 'shop', 'settings'), 'data')).toEqual({ LOG_LEVEL: 'info' });
    expect(api.get('v1', 'secrets', 'shop', 'db-credentials')).toBeDefined();
    expect(at(api.get('apps/v1', 'deployments', 'shop', 'worker'), 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe('busybox:1.36');
    expect(api.get('v1', 'services', 'shop', 'worker')).toBeDefined();

    const deployment = api.get('apps/v1', 'deployments', 'shop', 'api');
    expect(at(deployment, 'status', 'readyReplicas')).toBe(2);
    const container = at(deployment, 'spec', 'template', 'spec', 'containers', 0) as Obj;
    expect(container.env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'DB_HOST', value: '127.0.0.1' },
      { name: 'DB_PORT', value: '5432' },
    ]);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(at(api.get('v1', 'services', 'shop', 'api'), 'spec', 'ports', 0)).toMatchObject({ port: 80, targetPort: 8080 });

    const applies = api.requests.filter((r) => r.method === 'PATCH' && !r.path.endsWith('/scale'));
    expect(applies.length).toBe(7);
    expect(applies.every((r) => r.contentType === 'application/apply-patch+yaml' && r.query.fieldManager === 'trellis')).toBe(true);

    const [apiInstance] = await instances('api');
    expect(apiInstance!.runtimeProperties).toMatchObject({ replicas: 2, workload: 'shop/api', endpoint: 'api.shop.svc:80' });
    // The instance keeps only where the connection is; the kubeconfig is a secret.
    expect(apiInstance!.runtimeProperties.kube_connection).toEqual({ server: api.url, context: expect.any(String), namespace: 'default', secret_name: `trellis.kubernetes.shop.${apiInstance!.id}.kubeconfig` });
    const secretNames = ok(await host.call('secrets.list', {})).map((s) => s.name);
    expect(secretNames).toContain(`trellis.kubernetes.shop.${apiInstance!.id}.kubeconfig`);
    const progress = ok(await host.call('events.query', { deploymentId, executionId: done.id, nodeId: 'api', types: ['log'] }));
    const lines = progress.map((e) => e.message);
    expect(lines).toContain('Deployment shop/api: 2/2 ready, 2 updated; pods: Running 2');
    expect(lines.some((l) => /Deployment shop\/api: [01]\/2 ready/.test(l))).toBe(true);
  });

  it('keeps the cluster token out of runtime properties, events and every plain file under the home (the SQLite database included)', async () => {
    const all = ok(await host.call('instances.list', { deploymentId }));
    expect(all.length).toBe(7);
    for (const i of all) expect(JSON.stringify(i.runtimeProperties), i.id).not.toContain(api.token);
    for (const d of [deploymentId, 'k8s-cluster']) {
      const events = ok(await host.call('events.query', { deploymentId: d }));
      expect(events.length).toBeGreaterThan(0);
      expect(JSON.stringify(events)).not.toContain(api.token);
    }
    const files = plainFiles(home);
    expect(files.some((f) => f.endsWith('.db') || f.endsWith('.sqlite'))).toBe(true);
    const token = Buffer.from(api.token);
    for (const f of files) expect(readFileSync(f).includes(token), f).toBe(false);
  });

  it('scales the micro-service to 5 replicas through the scale subresource from the scale workflow', async () => {
    await run('scale', { scalable_entity_name: 'api', delta: 3 });
    expect(await instances('api')).toHaveLength(1);
    const deployment = api.get('apps/v1', 'deployments', 'shop', 'api');
    expect(at(deployment, 'spec', 'replicas')).toBe(5);
    expect(at(deployment, 'status', 'readyReplicas')).toBe(5);
    expect(api.requests.some((r) => r.method === 'PUT' && r.path === '/apis/apps/v1/namespaces/shop/deployments/api/scale')).toBe(true);
    expect((await instances('api'))[0]!.runtimeProperties.replicas).toBe(5);
    await run('scale', { scalable_entity_name: 'api', delta: -4 });
    expect(at(api.get('apps/v1', 'deployments', 'shop', 'api'), 'spec', 'replicas')).toBe(1);
    expect((await instances('api'))[0]!.runtimeProperties.replicas).toBe(1);
  });

  it('collects the micro-service pods\' CPU and memory through the engine\'s metrics scheduler', async () => {
    api.setPodUsage('shop', 'api', { cpuMillicores: 150, memoryMiB: 48 });
    const from = Date.now() - 1000;
    await host.metrics!.scheduler.tick();
    const query = async (metric: string) => ok(await host.call('metrics.query', { deploymentId, nodeId: 'api', metric, from, to: Date.now() + 1000 }));
    const cpu = await query('cpu_millicores_per_pod');
    expect(cpu.flatMap((s) => s.points.map((p) => p.value))).toEqual([150]);
    const up = await query('up');
    expect(up.flatMap((s) => s.points.map((p) => p.value))).toEqual([1]);
  });

  it('uninstalls and leaves nothing behind in the cluster', async () => {
    await run('uninstall');
    for (const [v, r] of [['v1', 'configmaps'], ['v1', 'secrets'], ['v1', 'services'], ['apps/v1', 'deployments'], ['v1', 'pods']] as const) {
      const kind = findKind(v === 'v1' ? '' : 'apps', 'v1', r)!;
      expect(api.store.list(kind, 'shop'), r).toEqual([]);
    }
    expect(api.get('v1', 'namespaces', undefined, 'shop')).toBeUndefined();
    // Each instance's connection secret went with it; the user's own secret stays.
    expect(ok(await host.call('secrets.list', {})).map((s) => s.name)).toEqual(['kubernetes_token']);
    // The double's default namespace still has the cluster's own objects only.
    expect(api.store.list(findKind('apps', 'v1', 'deployments')!)).toEqual([]);
  });
});
