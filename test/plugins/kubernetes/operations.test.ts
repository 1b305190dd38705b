/**
 * The Kubernetes plugin's operations on real OperationContexts against the API double:
 * connection sources and TLS, clear failures (bad token, untrusted CA, field conflicts,
 * a rollout that never becomes ready), updates by re-apply, external resources,
 * scaling by the scale subresource, and the metrics collector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricTarget, OperationFailure, SecretsAccess, Value } from '../../../plugins/sdk';
import { kubernetesPlugin } from '../../../plugins/kubernetes';
import { kubernetesMetricsCollector } from '../../../plugins/kubernetes/metrics-collector';
import { startKubeApiDouble, type KubeApiDouble } from '../../peers/kubernetes/api-double';
import { findKind } from '../../peers/kubernetes/resources';
import { createTestContext as createBareContext, type TestContextOptions } from '../../support/operation-context';

let api: KubeApiDouble;
let other: KubeApiDouble;

/** One secret store shared by every context (as the engine's is), so tests can look inside. */
const secretValues = new Map<string, string>();
const sharedSecrets: SecretsAccess = {
  get: (name) => {
    const v = secretValues.get(name);
    return v === undefined ? Promise.reject(new Error(`no secret ${name}`)) : Promise.resolve(v);
  },
  set: (name, value) => Promise.resolve(void secretValues.set(name, value)),
  delete: (name) => Promise.resolve(void secretValues.delete(name)),
};
const createTestContext = (options: TestContextOptions) => {
  const t = createBareContext(options);
  t.ctx.secrets = sharedSecrets;
  return t;
};
const collectorSecrets = { get: (name: string) => Promise.resolve(secretValues.get(name)) };

const LIFECYCLE = 'cloudify.interfaces.lifecycle';
const op = (name: string) => {
  const handler = kubernetesPlugin.operations[name];
  if (!handler) throw new Error(`no operation ${name}`);
  return handler;
};
const configuration = (kubeconfig = api.kubeconfig()) => ({ client_config: { configuration: { file_content: kubeconfig } } });

type Obj = Record<string, unknown>;
const at = (o: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((v, k) => (v as Obj | undefined)?.[k as string], o);

/** Runs create then start (as install does) on one context's instance. */
async function install(options: TestContextOptions) {
  const runtimeProperties = options.runtimeProperties ?? {};
  const create = createTestContext({ ...options, runtimeProperties, operation: `${LIFECYCLE}.create` });
  await op('resources.create')(create.ctx);
  const start = createTestContext({ ...options, runtimeProperties, operation: `${LIFECYCLE}.start` });
  await op('resources.wait_ready')(start.ctx);
  return { runtimeProperties, logs: [...create.logs, ...start.logs] };
}

async function failureOf(p: Promise<unknown>): Promise<OperationFailure> {
  try {
    await p;
  } catch (error) {
    return error as OperationFailure;
  }
  throw new Error('expected the operation to fail');
}

const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

beforeAll(async () => {
  [api, other] = await Promise.all([startKubeApiDouble({ podReadyMs: 200, tickMs: 50 }), startKubeApiDouble()]);
});
afterAll(async () => {
  await Promise.all([api.close(), other.close()]);
});

describe('kubernetes plugin operations', () => {
  it('fails with a clear, non-retryable error naming node and operation when the token is wrong', async () => {
    const t = createTestContext({ nodeName: 'settings', properties: { ...configuration(api.kubeconfig('wrong-token')), definition: configMap('c1', { a: '1' }) } });
    const failure = await failureOf(op('resources.create')(t.ctx));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('settings cloudify.interfaces.lifecycle.create: apply ConfigMap default/c1');
    expect(failure.message).toContain('401 Unauthorized');
  });

  it('refuses a cluster whose certificate is not signed by the configured CA', async () => {
    const kubeconfig = api.kubeconfig().replace(/certificate-authority-data: \S+}/, `certificate-authority-data: ${Buffer.from(other.caCert).toString('base64')}}`);
    const t = createTestContext({ nodeName: 'settings', properties: { ...configuration(kubeconfig), definition: configMap('c2', { a: '1' }) } });
    const failure = await failureOf(op('resources.create')(t.ctx));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/settings cloudify.interfaces.lifecycle.create: .*TLS verification failed/);
    expect(api.get('v1', 'configmaps', 'default', 'c2')).toBeUndefined();
  });

  it('connects with endpoint, token and CA from api_options, and skips TLS verification only when told to', async () => {
    const options = { host: api.url, api_key: api.token, ssl_ca_cert: api.caCert };
    await install({ properties: { client_config: { configuration: { api_options: options } }, definition: configMap('from-api-options', { a: '1' }) } });
    expect(api.get('v1', 'configmaps', 'default', 'from-api-options')).toBeDefined();
    const noCa = { host: api.url, api_key: api.token };
    const refused = await failureOf(install({ properties: { client_config: { configuration: { api_options: noCa } }, definition: configMap('no-ca', {}) } }));
    expect(refused.message).toContain('TLS verification failed');
    await install({ properties: { client_config: { configuration: { api_options: { ...noCa, verify_ssl: false } } }, definition: configMap('no-verify', {}) } });
    expect(api.get('v1', 'configmaps', 'default', 'no-verify')).toBeDefined();
  });

  it('takes the cluster from a related master VM (k8s_endpoint, k8s_token, k8s_ca_cert) or another deployment\'s capabilities', async () => {
    const t = createTestContext({ nodeName: 'cm', properties: { definition: configMap('from-master', { a: '1' }) } });
    t.ctx.relationships = [
      {
        type: 'cloudify.kubernetes.relationships.managed_by_master',
        typeHierarchy: ['cloudify.kubernetes.relationships.managed_by_master', 'cloudify.relationships.depends_on'],
        target: createTestContext({ nodeName: 'master_vm', runtimeProperties: { k8s_endpoint: api.url, k8s_token: api.token, k8s_ca_cert: api.caCert } }).ctx,
      },
    ];
    await op('resources.create')(t.ctx);
    expect(api.get('v1', 'configmaps', 'default', 'from-master')).toBeDefined();

    const c = createTestContext({
      properties: { client_config: { configuration: { capability: { deployment: 'k8s-cluster' } } }, definition: configMap('from-capability', { a: '1' }) },
      capabilities: { 'k8s-cluster': { endpoint: api.url, token: api.token, ca_cert: api.caCert } },
    });
    await op('resources.create')(c.ctx);
    expect(api.get('v1', 'configmaps', 'default', 'from-capability')).toBeDefined();
  });

  it('updates by re-applying: changed fields change, fields no longer in the definition go', async () => {
    const rp: Record<string, Value> = {};
    await install({ properties: { ...configuration(), definition: configMap('evolving', { keep: '1', drop: '2' }) }, runtimeProperties: rp });
    await install({ properties: { ...configuration(), definition: configMap('evolving', { keep: '3' }) }, runtimeProperties: rp });
    expect(at(api.get('v1', 'configmaps', 'default', 'evolving'), 'data')).toEqual({ keep: '3' });
  });

  it('reports a field conflict with another manager clearly, and takes the fields over with force_conflicts', async () => {
    const { KubernetesObjectApi, KubeConfig, PatchStrategy } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfig());
    await KubernetesObjectApi.makeApiClient(kc).patch({ ...configMap('shared', { owner: 'kubectl' }), metadata: { name: 'shared', namespace: 'default' } }, undefined, undefined, 'kubectl', false, PatchStrategy.ServerSideApply);
    const t = createTestContext({ nodeName: 'shared_cm', properties: { ...configuration(), definition: configMap('shared', { owner: 'trellis' }) } });
    const failure = await failureOf(op('resources.create')(t.ctx));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('shared_cm cloudify.interfaces.lifecycle.create: apply ConfigMap default/shared');
    expect(failure.message).toContain('conflict with "kubectl"');
    await install({ properties: { ...configuration(), options: { force_conflicts: true }, definition: configMap('shared', { owner: 'trellis' }) } });
    expect(at(api.get('v1', 'configmaps', 'default', 'shared'), 'data')).toEqual({ owner: 'trellis' });
  });

  it('rejects an invalid manifest with the API\'s 422 reason', async () => {
    const bad = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad' }, spec: { ports: [{ port: 'eighty' }] } };
    const failure = await failureOf(op('resources.create')(createTestContext({ nodeName: 'svc', nodeType: 'cloudify.nodes.kubernetes.resources.Service', properties: { ...configuration(), definition: bad } }).ctx));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/422 Invalid: Service "bad" is invalid: spec\.ports\.0\.port/);
  });

  it('refuses a typed node holding another kind', async () => {
    const t = createTestContext({ nodeType: 'cloudify.nodes.kubernetes.resources.Secret', typeHierarchy: ['cloudify.nodes.kubernetes.resources.Secret', 'cloudify.nodes.kubernetes.resources.ResourceBase'], properties: { ...configuration(), definition: configMap('not-a-secret', {}) } });
    expect((await failureOf(op('resources.create')(t.ctx))).message).toContain('holds Secret objects; got ConfigMap');
  });

  it('adopts an external resource without changing it and leaves it on delete', async () => {
    const props = { ...configuration(), use_external_resource: true, definition: configMap('from-master', { a: 'ignored' }) };
    const { runtimeProperties } = await install({ properties: props });
    expect(at(api.get('v1', 'configmaps', 'default', 'from-master'), 'data')).toEqual({ a: '1' });
    await op('resources.delete')(createTestContext({ properties: props, runtimeProperties, operation: `${LIFECYCLE}.delete` }).ctx);
    expect(api.get('v1', 'configmaps', 'default', 'from-master')).toBeDefined();
    const missing = await failureOf(install({ properties: { ...props, definition: configMap('absent', {}) } }));
    expect(missing.message).toContain('use_external_resource is set but ConfigMap default/absent does not exist');
  });

  it('reports pod phases while waiting and fails after the timeout when the image cannot be pulled', async () => {
    const failure = await failureOf(
      install({
        nodeName: 'broken',
        typeHierarchy: ['trellis.nodes.kubernetes.MicroService', 'cloudify.nodes.kubernetes.resources.ResourceBase'],
        properties: { ...configuration(), image: 'registry.example/does-not-exist:1', replicas: 1, options: { timeout: 1 } },
      }),
    );
    expect(failure.name).toBe('TimeoutFailure');
    expect(failure.message).toContain('broken cloudify.interfaces.lifecycle.start: Deployment default/broken not ready after 1s');
    expect(failure.message).toContain('ErrImagePull');
  });

  it('scales a micro-service through the scale subresource, re-reading after a 409 from a concurrent change, and reads its pods\' CPU and memory', async () => {
    const typeHierarchy = ['trellis.nodes.kubernetes.MicroService', 'cloudify.nodes.kubernetes.resources.ResourceBase'];
    const properties = { ...configuration(), image: 'nginx:1.27', port: 80, replicas: 1 };
    const { runtimeProperties, logs } = await install({ nodeName: 'web', typeHierarchy, properties });
    expect(logs.map((l) => l.message)).toContain('Deployment default/web: 1/1 ready, 1 updated; pods: Running 1');
    const scale = createTestContext({ nodeName: 'web', typeHierarchy, properties, runtimeProperties, operation: 'trellis.interfaces.scale.set_replicas', inputs: { delta: 2 } });
    expect(await op('resources.set_replicas')(scale.ctx)).toEqual({ replicas: 3 });
    expect(runtimeProperties.replicas).toBe(3);
    expect(scale.logs.map((l) => l.message)).toContain('scaling Deployment default/web from 1 to 3 replicas');
    expect(at(api.get('apps/v1', 'deployments', 'default', 'web'), 'status', 'readyReplicas')).toBe(3);

    // A concurrent writer changes the Deployment between the plugin's read and its PUT: the
    // PUT carries the old resourceVersion, gets 409 Conflict, and the plugin reads again.
    let interfered = false;
    api.beforeRequest = (r) => {
      if (interfered || r.method !== 'PUT' || !r.path.endsWith('/deployments/web/scale')) return;
      interfered = true;
      const entry = api.store.get(findKind('apps', 'v1', 'deployments')!, 'default', 'web');
      if (entry) api.store.put(entry.kind, { ...entry.object, metadata: { ...(entry.object.metadata as Obj), annotations: { touched: 'yes' } } });
    };
    const again = createTestContext({ nodeName: 'web', typeHierarchy, properties, runtimeProperties, operation: 'trellis.interfaces.scale.set_replicas', inputs: { delta: -1 } });
    expect(await op('resources.set_replicas')(again.ctx)).toEqual({ replicas: 2 });
    api.beforeRequest = undefined;
    expect(interfered).toBe(true);
    expect(again.logs.map((l) => l.message)).toContain('Deployment default/web changed while scaling (409 Conflict); reading it again');
    expect(api.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/deployments/web/scale')).length).toBe(3);
    await op('resources.set_replicas')(createTestContext({ nodeName: 'web', typeHierarchy, properties, runtimeProperties, operation: 'trellis.interfaces.scale.set_replicas', inputs: { replicas: 3 } }).ctx);

    // The token is in the secret store only: not in runtime properties nor in any log line.
    const ref = runtimeProperties.kube_connection as Record<string, Value>;
    expect(ref).toMatchObject({ server: api.url, namespace: 'default' });
    expect(secretValues.get(ref.secret_name as string)).toContain(api.token);
    expect(JSON.stringify(runtimeProperties)).not.toContain(api.token);
    expect(JSON.stringify([...logs, ...scale.logs, ...again.logs])).not.toContain(api.token);

    api.setPodUsage('default', 'web', { cpuMillicores: 200, memoryMiB: 64 });
    const target: MetricTarget = { deploymentId: 'd', nodeId: 'web', instanceId: 'web_1', typeHierarchy, properties, runtimeProperties };
    secretValues.set('wrong-kubeconfig', api.kubeconfig('wrong'));
    const unreachable: MetricTarget = { ...target, instanceId: 'web_2', runtimeProperties: { ...runtimeProperties, kube_connection: { ...ref, secret_name: 'wrong-kubeconfig' } } };
    const samples = await kubernetesMetricsCollector.collect([target, unreachable], new AbortController().signal, { secrets: collectorSecrets });
    const value = (instance: string, metric: string) => samples.find((s) => s.instanceId === instance && s.metric === metric)?.value;
    expect(value('web_1', 'up')).toBe(1);
    expect(value('web_1', 'pods')).toBe(3);
    expect(value('web_1', 'cpu_millicores')).toBeCloseTo(600);
    expect(value('web_1', 'cpu_millicores_per_pod')).toBeCloseTo(200);
    expect(value('web_1', 'memory_bytes')).toBe(3 * 64 * 1024 * 1024);
    expect(value('web_2', 'up')).toBe(0);
    // Without secret access the collector cannot reach the cluster: up = 0, not a throw.
    const blind = await kubernetesMetricsCollector.collect([target], new AbortController().signal);
    expect(blind).toEqual([{ deploymentId: 'd', nodeId: 'web', instanceId: 'web_1', metric: 'up', value: 0 }]);

    // Delete removes the objects and the connection secret with them.
    await op('resources.delete')(createTestContext({ nodeName: 'web', typeHierarchy, properties, runtimeProperties, operation: `${LIFECYCLE}.delete` }).ctx);
    expect(api.get('apps/v1', 'deployments', 'default', 'web')).toBeUndefined();
    expect(secretValues.has(ref.secret_name as string)).toBe(false);
    expect(runtimeProperties.kube_connection).toBeUndefined();
  });
});
