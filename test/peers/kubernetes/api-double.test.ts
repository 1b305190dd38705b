/**
 * The Kubernetes API double, driven by the real @kubernetes/client-node 1.4.0: what the
 * plugin relies on must behave as on a real API server (status codes, Status bodies,
 * conflicts, apply semantics, scale, rollout, watch, metrics, TLS and auth).
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiDouble, type KubeApiDouble } from './api-double';

let api: KubeApiDouble;
let kc: k8s.KubeConfig;
let objects: k8s.KubernetesObjectApi;
let apps: k8s.AppsV1Api;
let core: k8s.CoreV1Api;

const config = (token?: string, caCert?: string): k8s.KubeConfig => {
  const c = new k8s.KubeConfig();
  c.loadFromString(api.kubeconfig(token));
  if (caCert) c.clusters[0] = { ...c.clusters[0]!, caData: Buffer.from(caCert).toString('base64') };
  return c;
};

const deployment = (name: string, replicas = 2, image = 'nginx:1.27') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 80 }] }] } },
  },
});

const apply = <T extends k8s.KubernetesObject>(o: T, manager = 'trellis', force = true) => objects.patch(o, undefined, undefined, manager, force, k8s.PatchStrategy.ServerSideApply);

async function failure(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (error) {
    if (error instanceof k8s.ApiException) return { code: error.code, body: (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as Record<string, unknown> };
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  api = await startKubeApiDouble({ podReadyMs: 200, tickMs: 50 });
  kc = config();
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
afterAll(async () => api.close());

describe('kubernetes API double', () => {
  it('serves discovery for the core, apps and metrics groups', async () => {
    const versions = await kc.makeApiClient(k8s.CoreApi).getAPIVersions();
    expect(versions.versions).toEqual(['v1']);
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['apps', 'metrics.k8s.io']));
    const resources = await apps.getAPIResources();
    expect(resources.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['deployments', 'deployments/scale']));
  });

  it('rejects a wrong bearer token with 401 Unauthorized', async () => {
    const bad = config('not-the-token');
    expect((await failure(bad.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'default' }))).code).toBe(401);
    const f = await failure(k8s.KubernetesObjectApi.makeApiClient(bad).read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }));
    expect(f.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('is refused by a client that trusts another CA', async () => {
    const other = await startKubeApiDouble();
    try {
      const stranger = config(undefined, other.caCert).makeApiClient(k8s.CoreV1Api);
      await expect(stranger.readNamespace({ name: 'default' })).rejects.toThrow(/certificate|self.signed|issuer/i);
    } finally {
      await other.close();
    }
  });

  it('creates, reads and lists config maps, and refuses a second create with 409 AlreadyExists', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings', labels: { tier: 'web' } }, data: { a: '1' } } });
    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    expect(read.data).toEqual({ a: '1' });
    expect(read.metadata?.resourceVersion).toMatch(/^\d+$/);
    const listed = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'tier=web' });
    expect(listed.items.map((i) => i.metadata?.name)).toEqual(['settings']);
    const f = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' } } }));
    expect(f.code).toBe(409);
    expect(f.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "settings" already exists' });
  });

  it('rejects a replace carrying a stale resourceVersion with 409 Conflict', async () => {
    const first = await core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    await core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'default', body: { ...first, data: { a: '2' } } });
    const f = await failure(core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'default', body: { ...first, data: { a: '3' } } }));
    expect(f.code).toBe(409);
    expect(f.body).toMatchObject({ reason: 'Conflict' });
    expect(String(f.body.message)).toContain('the object has been modified');
  });

  it('validates bodies against the Kubernetes schemas and answers 422 Invalid', async () => {
    const bad = deployment('broken') as unknown as { spec: Record<string, unknown> };
    bad.spec.replicas = 'two';
    const f = await failure(objects.create(bad as unknown as k8s.KubernetesObject));
    expect(f.code).toBe(422);
    expect(f.body).toMatchObject({ reason: 'Invalid' });
    expect(String(f.body.message)).toContain('spec.replicas');
    const name = await failure(core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'Not_Valid' } } }));
    expect(name.code).toBe(422);
  });

  it('answers 404 NotFound with the qualified resource name', async () => {
    const f = await failure(apps.readNamespacedDeployment({ name: 'nope', namespace: 'default' }));
    expect(f.code).toBe(404);
    expect(f.body).toMatchObject({ reason: 'NotFound', message: 'deployments.apps "nope" not found' });
    const ns = await failure(core.createNamespacedService({ namespace: 'missing', body: { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } } }));
    expect(ns.body).toMatchObject({ message: 'namespaces "missing" not found' });
  });

  it('server-side apply creates, drops fields the manager stopped applying, and reports conflicts with other managers', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: 'default' }, data: { keep: 'x', drop: 'y' } };
    await apply(cm);
    await apply({ ...cm, data: { keep: 'x' } });
    expect((await core.readNamespacedConfigMap({ name: 'applied', namespace: 'default' })).data).toEqual({ keep: 'x' });
    const f = await failure(apply({ ...cm, data: { keep: 'other' } }, 'someone-else', false));
    expect(f.code).toBe(409);
    expect(String(f.body.message)).toContain('conflict with "trellis"');
    await apply({ ...cm, data: { keep: 'other' } }, 'someone-else', true);
    expect((await core.readNamespacedConfigMap({ name: 'applied', namespace: 'default' })).data).toEqual({ keep: 'other' });
    const manager = api.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/configmaps/applied'));
    expect(manager).toMatchObject({ contentType: 'application/apply-patch+yaml', query: { fieldManager: 'trellis', force: 'true' } });
  });

  it('rolls a deployment out: pods become ready over time and the status follows', async () => {
    await apply(deployment('web', 3));
    const done = await until('3 ready replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
      return d.status?.readyReplicas === 3 ? d : undefined;
    });
    expect(done.status?.observedGeneration).toBe(done.metadata?.generation);
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
    expect(pods.items.map((p) => p.status?.phase)).toEqual(['Running', 'Running', 'Running']);
  });

  it('scales through the scale subresource with GET, PUT (resourceVersion checked) and merge PATCH', async () => {
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'default' });
    expect(scale.spec?.replicas).toBe(3);
    expect(scale.status?.selector).toBe('app=web');
    await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { ...scale, spec: { replicas: 5 } } });
    const stale = await failure(apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { ...scale, spec: { replicas: 4 } } }));
    expect(stale.code).toBe(409);
    await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { spec: { replicas: 1 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await until('1 pod', async () => ((await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items.length === 1 ? true : undefined));
  });

  it('streams watch events for pods of a deployment', async () => {
    const seen: string[] = [];
    const controller = await new k8s.Watch(kc).watch('/api/v1/namespaces/default/pods', { labelSelector: 'app=watched' }, (type, obj: k8s.V1Pod) => seen.push(`${type}:${obj.status?.phase ?? ''}`), () => undefined);
    await apply(deployment('watched', 1));
    await until('a Running pod event', () => (seen.some((s) => s === 'MODIFIED:Running') ? true : undefined));
    controller.abort();
    expect(seen[0]).toBe('ADDED:Pending');
  });

  it('reports pod metrics for running pods of a deployment', async () => {
    api.setPodUsage('default', 'web', { cpuMillicores: 250, memoryMiB: 100 });
    const m = await new k8s.Metrics(kc).getPodMetrics('default');
    const web = m.items.filter((i) => i.metadata.name.startsWith('web-'));
    expect(web.length).toBe(1);
    expect(web[0]!.containers[0]!.usage).toEqual({ cpu: '250000000n', memory: '102400Ki' });
  });

  it('deletes a deployment after its pods, and a namespace after its contents', async () => {
    await objects.delete(deployment('watched'));
    await until('deployment gone', () => (api.get('apps/v1', 'deployments', 'default', 'watched') === undefined ? true : undefined));
    expect((await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=watched' })).items).toEqual([]);
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'team' }, stringData: { p: 'x' } });
    await core.deleteNamespace({ name: 'team' });
    await until('namespace gone', () => (api.get('v1', 'namespaces', undefined, 'team') === undefined ? true : undefined));
    expect(api.get('v1', 'secrets', 'team', 's')).toBeUndefined();
  });
});
