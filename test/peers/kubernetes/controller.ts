/**
 * The double's controllers, run on a timer: the Deployment controller (pods per replica,
 * Pending -> Running -> Ready after `podReadyMs`, rolling replacement when the template
 * changes, status and conditions as `kubectl rollout status` reads them), and finalisation
 * of deleted Deployments (pods first) and Namespaces (contents first).
 * An image whose reference contains `does-not-exist` never pulls: its pods stay Pending
 * with `ErrImagePull`, as with a wrong image on a real cluster.
 */
import { createHash } from 'node:crypto';
import { findKind } from './resources';
import { type ObjectStore, meta } from './store';

type Obj = Record<string, unknown>;
const DEPLOYMENTS = findKind('apps', 'v1', 'deployments')!;
const PODS = findKind('', 'v1', 'pods')!;
const NAMESPACES = findKind('', 'v1', 'namespaces')!;

/** Controller timing. */
export interface ControllerOptions {
  /** How long a new pod takes to become Ready. @default 300 */
  podReadyMs: number;
}

const templateHash = (template: unknown) => createHash('sha256').update(JSON.stringify(template ?? {})).digest('hex').slice(0, 10);
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function podReady(pod: Obj): boolean {
  const conditions = ((pod.status as Obj | undefined)?.conditions as Obj[] | undefined) ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function newPod(dep: Obj, hash: string, index: number): Obj {
  const m = meta(dep);
  const template = (dep.spec as Obj).template as Obj;
  const tmeta = (template.metadata as Obj | undefined) ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${m.name}-${hash.slice(0, 6)}-${Date.now().toString(36).slice(-4)}${index}`,
      namespace: m.namespace,
      labels: { ...((tmeta.labels as Record<string, string> | undefined) ?? {}), 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: m.name, uid: m.uid, controller: true }],
      annotations: { 'trellis.double/created-ms': String(Date.now()) },
    },
    spec: structuredClone(template.spec),
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  };
}

/** Advances one pod's simulated lifecycle; returns true when it changed. */
function progressPod(pod: Obj, readyMs: number): boolean {
  const m = meta(pod);
  const created = Number((m.annotations as Record<string, string>)['trellis.double/created-ms']);
  const containers = (((pod.spec as Obj).containers as Obj[] | undefined) ?? []);
  const status = pod.status as Obj;
  const broken = containers.some((c) => String(c.image).includes('does-not-exist'));
  if (broken) {
    if (status.containerStatuses) return false;
    status.containerStatuses = containers.map((c) => ({ name: c.name, image: c.image, ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: `pull access denied for ${String(c.image)}` } } }));
    return true;
  }
  const elapsed = Date.now() - created;
  if (status.phase === 'Pending' && elapsed >= readyMs / 2) {
    status.phase = 'Running';
    status.podIP = `10.244.0.${(Math.floor(Math.random() * 250) + 2).toString()}`;
    status.startTime = now();
    status.containerStatuses = containers.map((c) => ({ name: c.name, image: c.image, ready: false, restartCount: 0, started: true, state: { running: { startedAt: now() } } }));
    return true;
  }
  if (status.phase === 'Running' && !podReady(pod) && elapsed >= readyMs) {
    status.conditions = [{ type: 'PodScheduled', status: 'True' }, { type: 'Initialized', status: 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'Ready', status: 'True', lastTransitionTime: now() }];
    for (const cs of (status.containerStatuses as Obj[] | undefined) ?? []) cs.ready = true;
    return true;
  }
  return false;
}

/** Runs one reconciliation pass over all Deployments, pods and namespaces. */
export function reconcile(store: ObjectStore, options: ControllerOptions): void {
  for (const pod of store.list(PODS)) if (progressPod(pod, options.podReadyMs)) store.put(PODS, pod);
  for (const dep of store.list(DEPLOYMENTS)) reconcileDeployment(store, dep);
  for (const ns of store.list(NAMESPACES)) {
    const m = meta(ns);
    if (!m.deletionTimestamp) continue;
    // Namespace finalisation: delete every namespaced object, then the namespace itself.
    let remaining = 0;
    for (const kind of [DEPLOYMENTS, PODS, findKind('', 'v1', 'services')!, findKind('', 'v1', 'configmaps')!, findKind('', 'v1', 'secrets')!]) {
      for (const o of store.list(kind, m.name)) {
        remaining += 1;
        if (kind === DEPLOYMENTS) {
          if (!meta(o).deletionTimestamp) store.put(kind, { ...o, metadata: { ...meta(o), deletionTimestamp: now() } });
        } else store.remove(kind, m.name, meta(o).name);
      }
    }
    if (remaining === 0) store.remove(NAMESPACES, undefined, m.name);
  }
}

function reconcileDeployment(store: ObjectStore, dep: Obj): void {
  const m = meta(dep);
  const ns = m.namespace;
  const pods = store.list(PODS, ns).filter((p) => ((meta(p).ownerReferences as Obj[] | undefined) ?? []).some((o) => o.uid === m.uid));
  if (m.deletionTimestamp) {
    for (const p of pods) store.remove(PODS, ns, meta(p).name);
    if (pods.length === 0) store.remove(DEPLOYMENTS, ns, m.name);
    return;
  }
  const spec = dep.spec as Obj;
  const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const hash = templateHash(spec.template);
  const current = pods.filter((p) => meta(p).labels?.['pod-template-hash'] === hash);
  const old = pods.filter((p) => meta(p).labels?.['pod-template-hash'] !== hash);
  for (let i = current.length; i < desired; i++) store.put(PODS, newPod(dep, hash, i));
  // Newest first when scaling in, as the ReplicaSet controller prefers the youngest pods.
  for (const extra of current.slice(desired).reverse()) store.remove(PODS, ns, meta(extra).name);
  const live = store.list(PODS, ns).filter((p) => ((meta(p).ownerReferences as Obj[] | undefined) ?? []).some((o) => o.uid === m.uid));
  const updated = live.filter((p) => meta(p).labels?.['pod-template-hash'] === hash);
  const updatedReady = updated.filter(podReady).length;
  // Rolling update: old pods go once the new ones are ready (maxUnavailable 0).
  if (updatedReady >= desired) for (const p of old) store.remove(PODS, ns, meta(p).name);
  const after = store.list(PODS, ns).filter((p) => ((meta(p).ownerReferences as Obj[] | undefined) ?? []).some((o) => o.uid === m.uid));
  const ready = after.filter(podReady).length;
  const complete = updatedReady >= desired && after.length === desired;
  const status: Obj = {
    observedGeneration: m.generation,
    replicas: after.length,
    updatedReplicas: updated.length,
    readyReplicas: ready,
    availableReplicas: ready,
    ...(after.length - ready > 0 ? { unavailableReplicas: after.length - ready } : {}),
    conditions: [
      { type: 'Available', status: ready >= desired ? 'True' : 'False', reason: ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' },
      { type: 'Progressing', status: 'True', reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', message: `ReplicaSet "${m.name}-${hash.slice(0, 6)}" ${complete ? 'has successfully progressed' : 'is progressing'}.` },
    ],
  };
  for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas']) if (status[k] === 0) delete status[k];
  if (JSON.stringify(status) !== JSON.stringify(dep.status)) store.put(DEPLOYMENTS, { ...dep, status });
}
