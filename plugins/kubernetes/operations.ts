/**
 * The operations: connect a cluster node; create (server-side apply, or adopt with
 * use_external_resource), wait until ready (start), delete and wait until gone, and
 * set_replicas through the scale subresource (the engine's scale workflow calls it for
 * nodes that implement `trellis.interfaces.scale.set_replicas`).
 */
import { VersionApi } from '@kubernetes/client-node';
import { NonRecoverableError, type OperationContext, type OperationHandler, type Value } from '../sdk';
import { KubeClient, selectorOf } from './client';
import { CONNECTION_PROPERTY, forgetConnection, keepConnection, resolveCluster } from './connection';
import { apiStatus, isConflict, isNotFound, kubeFailure } from './errors';
import { describeRef, type Manifest, nodeManifests, type ObjectRef, refOf } from './manifests';
import { renderMicroService } from './micro-service';
import { waitGone, waitReady } from './readiness';

type Dict = Record<string, Value>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Node types rendered from micro-service properties rather than manifests. */
export const MICRO_SERVICE_TYPE = 'trellis.nodes.kubernetes.MicroService';

/** The kind each typed resource node must hold (the generic ResourceBase holds any). */
const EXPECTED_KIND: Record<string, string> = {
  'cloudify.nodes.kubernetes.resources.Deployment': 'Deployment',
  'cloudify.nodes.kubernetes.resources.Service': 'Service',
  'cloudify.nodes.kubernetes.resources.ConfigMap': 'ConfigMap',
  'cloudify.nodes.kubernetes.resources.Secret': 'Secret',
  'cloudify.nodes.kubernetes.resources.Namespace': 'Namespace',
};

/** Apply order: what others live in or read first (as kubectl/helm order kinds). */
const KIND_ORDER = ['Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'PersistentVolumeClaim', 'Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job'];
const order = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
};

const options = (ctx: OperationContext): Dict => (isDict(ctx.node.properties.options) ? ctx.node.properties.options : {});
const timeoutOf = (ctx: OperationContext): number => {
  const t = options(ctx).timeout ?? ctx.node.properties.timeout;
  return typeof t === 'number' && t > 0 ? t : 300;
};

function manifestsOf(ctx: OperationContext, defaultNamespace: string): Manifest[] {
  const list = ctx.node.typeHierarchy.includes(MICRO_SERVICE_TYPE) ? renderMicroService(ctx, defaultNamespace) : nodeManifests(ctx, defaultNamespace);
  const expected = ctx.node.typeHierarchy.map((t) => EXPECTED_KIND[t]).find((k) => k !== undefined);
  if (expected) {
    const wrong = list.filter((m) => m.kind !== expected);
    if (wrong.length > 0) throw new NonRecoverableError(`${ctx.node.name} ${ctx.operation.name}: a ${ctx.node.type} holds ${expected} objects; got ${wrong.map((m) => m.kind).join(', ')} (use cloudify.nodes.kubernetes.resources.ResourceBase for mixed manifests)`);
  }
  return [...list].sort((a, b) => order(a.kind) - order(b.kind));
}

function refsOf(ctx: OperationContext): ObjectRef[] {
  const raw = ctx.instance.runtimeProperties.resources;
  if (!Array.isArray(raw)) return [];
  const text = (v: Value | undefined) => (typeof v === 'string' ? v : '');
  return raw.filter(isDict).map((r) => ({ apiVersion: text(r.apiVersion), kind: text(r.kind), name: text(r.name), ...(typeof r.namespace === 'string' ? { namespace: r.namespace } : {}) }));
}

/** Records what the workload looks like after apply (replicas, selector, service address). */
function describeApplied(ctx: OperationContext, manifests: readonly Manifest[], applied: readonly Record<string, unknown>[]): void {
  const rp = ctx.instance.runtimeProperties;
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  if (deployment) {
    const spec = deployment.spec as { replicas?: number; selector?: { matchLabels?: Record<string, string> } } | undefined;
    rp.replicas = spec?.replicas ?? 1;
    rp.selector = selectorOf(spec?.selector?.matchLabels);
    rp.workload = `${deployment.metadata.namespace ?? 'default'}/${deployment.metadata.name}`;
  }
  const service = applied.find((o) => o.kind === 'Service');
  if (service) {
    const spec = (service.spec ?? {}) as { clusterIP?: string; ports?: { port?: number }[] };
    const meta = (service.metadata ?? {}) as { name?: string; namespace?: string };
    if (spec.clusterIP) rp.cluster_ip = spec.clusterIP;
    const port = spec.ports?.[0]?.port;
    if (port !== undefined) {
      rp.port = port;
      rp.endpoint = `${meta.name ?? ''}.${meta.namespace ?? 'default'}.svc:${port}`;
    }
  }
}

/** cloudify.interfaces.lifecycle.create of a cluster node: checks the connection. */
const connect: OperationHandler = async (ctx) => {
  const cluster = await resolveCluster(ctx);
  try {
    const version = await cluster.kubeConfig.makeApiClient(VersionApi).getCode();
    ctx.instance.runtimeProperties.endpoint = cluster.server;
    ctx.instance.runtimeProperties.server_version = version.gitVersion;
    ctx.logger.info(`connected to ${cluster.server} (Kubernetes ${version.gitVersion})`);
  } catch (error) {
    throw kubeFailure(ctx, cluster.server, 'read /version', error);
  }
};

/** cloudify.interfaces.lifecycle.create: apply the node's objects (or adopt existing ones). */
const create: OperationHandler = async (ctx) => {
  const cluster = await resolveCluster(ctx);
  const client = new KubeClient(cluster);
  const manifests = manifestsOf(ctx, cluster.namespace);
  const rp = ctx.instance.runtimeProperties;
  const external = ctx.node.properties.use_external_resource === true;
  const force = options(ctx).force_conflicts === true;
  const applied: Record<string, unknown>[] = [];
  // The credentials go to the secret store; the instance keeps only the secret's name.
  rp[CONNECTION_PROPERTY] = (await keepConnection(ctx, cluster)) as unknown as Value;
  delete rp.kube_credentials;
  for (const manifest of manifests) {
    const ref = refOf(manifest);
    if (external) {
      try {
        applied.push(await client.read(ref));
      } catch (error) {
        if (isNotFound(error)) throw new NonRecoverableError(`${ctx.node.name} ${ctx.operation.name}: use_external_resource is set but ${describeRef(ref)} does not exist on ${cluster.server}`);
        throw kubeFailure(ctx, cluster.server, `read ${describeRef(ref)}`, error);
      }
      ctx.logger.info(`using existing ${describeRef(ref)}`, { kind: ref.kind, name: ref.name });
      continue;
    }
    try {
      applied.push(await client.apply(manifest, force) as Record<string, unknown>);
    } catch (error) {
      const api = apiStatus(error);
      if (api?.code === 409 && /^Apply failed/.test(api.status.message ?? '')) {
        throw new NonRecoverableError(`${ctx.node.name} ${ctx.operation.name}: apply ${describeRef(ref)} on ${cluster.server} conflicts with another field manager: ${api.status.message ?? ''}; set options.force_conflicts: true to take the fields over`, { cause: error });
      }
      throw kubeFailure(ctx, cluster.server, `apply ${describeRef(ref)}`, error);
    }
    ctx.logger.info(`applied ${describeRef(ref)} (server-side apply, field manager trellis)`, { kind: ref.kind, name: ref.name });
    // Record progress as we go, so a failed create still lets delete find what exists.
    rp.resources = [...refsOf(ctx), refOf(manifest)].filter((r, i, all) => all.findIndex((x) => describeRef(x) === describeRef(r)) === i) as unknown as Value;
    await ctx.instance.update();
  }
  rp.resources = manifests.map(refOf) as unknown as Value;
  rp.kube_server = cluster.server;
  rp.external = external;
  if (manifests[0]?.metadata.namespace) rp.namespace = manifests[0].metadata.namespace;
  describeApplied(ctx, manifests, applied);
};

/** cloudify.interfaces.lifecycle.start: wait until every object is ready. */
const start: OperationHandler = async (ctx) => {
  if (ctx.node.properties.wait_for_ready === false) return;
  const cluster = await resolveCluster(ctx);
  await waitReady(ctx, new KubeClient(cluster), refsOf(ctx), timeoutOf(ctx));
};

/** cloudify.interfaces.lifecycle.delete: delete (reverse order) and wait until gone. */
const remove: OperationHandler = async (ctx) => {
  const refs = refsOf(ctx).reverse();
  if (refs.length === 0) return forgetConnection(ctx);
  if (ctx.instance.runtimeProperties.external === true || ctx.node.properties.use_external_resource === true) {
    ctx.logger.info(`leaving external resources in place: ${refs.map(describeRef).join(', ')}`);
    return forgetConnection(ctx);
  }
  const cluster = await resolveCluster(ctx);
  const client = new KubeClient(cluster);
  for (const ref of refs) {
    try {
      await client.delete(ref);
      ctx.logger.info(`deleting ${describeRef(ref)}`, { kind: ref.kind, name: ref.name });
    } catch (error) {
      if (!isNotFound(error)) throw kubeFailure(ctx, cluster.server, `delete ${describeRef(ref)}`, error);
    }
  }
  await waitGone(ctx, client, refs, timeoutOf(ctx));
  delete ctx.instance.runtimeProperties.resources;
  await forgetConnection(ctx);
};

/**
 * trellis.interfaces.scale.set_replicas: inputs `replicas` (absolute) or `delta`. Reads
 * the scale subresource and PUTs it with the resourceVersion read, re-reading on a 409
 * (someone else changed the Deployment meanwhile), then waits for the rollout.
 */
const setReplicas: OperationHandler = async (ctx) => {
  const ref = refsOf(ctx).find((r) => r.kind === 'Deployment');
  if (!ref) throw new NonRecoverableError(`${ctx.node.name} ${ctx.operation.name}: the node holds no Deployment to scale`);
  const cluster = await resolveCluster(ctx);
  const client = new KubeClient(cluster);
  const namespace = ref.namespace ?? cluster.namespace;
  const maxReplicas = typeof ctx.node.properties.max_replicas === 'number' ? ctx.node.properties.max_replicas : -1;
  const minReplicas = typeof ctx.node.properties.min_replicas === 'number' ? ctx.node.properties.min_replicas : 0;
  let target = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const scale = await client.readScale(namespace, ref.name);
      const current = scale.spec?.replicas ?? 0;
      target = typeof ctx.inputs.replicas === 'number' ? ctx.inputs.replicas : current + (typeof ctx.inputs.delta === 'number' ? ctx.inputs.delta : 1);
      if (target < minReplicas || (maxReplicas !== -1 && target > maxReplicas)) {
        throw new NonRecoverableError(`${ctx.node.name} ${ctx.operation.name}: ${target} replicas is outside ${minReplicas}..${maxReplicas === -1 ? 'unbounded' : maxReplicas} (min_replicas/max_replicas)`);
      }
      ctx.logger.info(`scaling ${describeRef(ref)} from ${current} to ${target} replicas`, { from: current, to: target });
      await client.replaceScale(namespace, ref.name, target, scale.metadata?.resourceVersion);
      break;
    } catch (error) {
      if (isConflict(error) && attempt < 5) {
        ctx.logger.info(`${describeRef(ref)} changed while scaling (409 Conflict); reading it again`);
        continue;
      }
      throw kubeFailure(ctx, cluster.server, `scale ${describeRef(ref)}`, error);
    }
  }
  ctx.instance.runtimeProperties.replicas = target;
  await ctx.instance.update();
  await waitReady(ctx, client, [ref], timeoutOf(ctx));
  return { replicas: target };
};

/** Implementation name (without the `kubernetes.` prefix) -> handler. */
export const kubernetesOperations: Record<string, OperationHandler> = {
  'cluster.connect': connect,
  'resources.create': create,
  'resources.wait_ready': start,
  'resources.delete': remove,
  'resources.set_replicas': setReplicas,
};
