/**
 * A Kubernetes API server double for tests: HTTPS with a CA generated at start, bearer-token
 * auth, discovery, CRUD/apply/watch for the kinds in ./resources (validated with
 * kubernetes-models), resourceVersion conflicts, the Deployment scale subresource, a
 * simulated rollout (./controller) and metrics.k8s.io PodMetrics. The verbs, paths, query
 * parameters and content types are those @kubernetes/client-node 1.4.0 sends (RECORDED.md).
 *
 * In-process: `const api = await startKubeApiDouble()`; as a process: `npx tsx
 * test/peers/kubernetes/main.ts` (prints the kubeconfig).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { reconcile, type ControllerOptions } from './controller';
import { mergePatch, recordUpdate, serverSideApply } from './merge';
import { findKind, groupVersion, KINDS, resourceList, type ResourceKind, validationCauses } from './resources';
import { alreadyExists, ApiStatusError, badRequest, conflict, invalid, methodNotAllowed, notFound, statusBody, unauthorized, unsupportedMedia } from './status';
import { matchesSelector, meta, ObjectStore } from './store';
import { generateTls } from './tls';

type Obj = Record<string, unknown>;

/** Options of the double. */
export interface KubeApiDoubleOptions {
  /** The bearer token clients must send. @default a random token */
  token?: string;
  /** @default 300 */
  podReadyMs?: number;
  /** Controller period. @default 100 */
  tickMs?: number;
  /** @default 0 (any free port) */
  port?: number;
}

/** A request the double received (for tests asserting on what the client sent). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
}

/** A running double. */
export interface KubeApiDouble {
  url: string;
  token: string;
  /** PEM of the CA that signed the server certificate. */
  caCert: string;
  store: ObjectStore;
  requests: RecordedRequest[];
  /** Runs before each request is handled (after auth is recorded): tests use it to change
   * state between a client's read and write, as a concurrent writer would. */
  beforeRequest: ((request: RecordedRequest) => void) | undefined;
  /** CPU (millicores) and memory (MiB) each Running pod of a Deployment reports. */
  setPodUsage(namespace: string, deployment: string, usage: { cpuMillicores: number; memoryMiB: number }): void;
  /** A kubeconfig (YAML) for this double with the given token (default: the right one). */
  kubeconfig(token?: string): string;
  /** Reads a stored object (tests). */
  get(apiVersion: string, resource: string, namespace: string | undefined, name: string): Obj | undefined;
  close(): Promise<void>;
}

const STRIP_ON_CREATE = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'deletionTimestamp'];

interface Target {
  kind: ResourceKind;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Parses `/api/v1/...` and `/apis/g/v/...` resource paths. */
function parseTarget(parts: string[]): Target | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') [group, version, rest] = ['', parts[1] ?? '', parts.slice(2)];
  else if (parts[0] === 'apis') [group, version, rest] = [parts[1] ?? '', parts[2] ?? '', parts.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const kind = findKind(group, version, rest[0] ?? '');
  if (!kind) return undefined;
  if (namespace !== undefined && !kind.namespaced) return undefined;
  return { kind, ...(namespace !== undefined ? { namespace } : {}), ...(rest[1] ? { name: rest[1] } : {}), ...(rest[2] ? { subresource: rest[2] } : {}) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const quantityCpu = (milli: number) => `${Math.round(milli * 1_000_000)}n`;
const quantityMem = (mib: number) => `${Math.round(mib * 1024)}Ki`;

/** Starts the double. */
export async function startKubeApiDouble(options: KubeApiDoubleOptions = {}): Promise<KubeApiDouble> {
  const token = options.token ?? `tk-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const tls = generateTls();
  const store = new ObjectStore();
  const requests: RecordedRequest[] = [];
  const usage = new Map<string, { cpuMillicores: number; memoryMiB: number }>();
  const controller: ControllerOptions = { podReadyMs: options.podReadyMs ?? 300 };
  const NS = findKind('', 'v1', 'namespaces')!;
  for (const name of ['default', 'kube-system']) store.put(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, status: { phase: 'Active' } });

  const validate = (kind: ResourceKind, body: Obj, name: string) => {
    try {
      kind.validate(body);
    } catch (error) {
      throw invalid(kind.kind, kind.group, name, validationCauses(error));
    }
  };

  const requireNamespace = (t: Target) => {
    if (t.namespace === undefined) return;
    const ns = store.get(NS, undefined, t.namespace);
    if (!ns) throw notFound('namespaces', '', t.namespace);
    if (meta(ns.object).deletionTimestamp) throw new ApiStatusError(403, 'Forbidden', `${t.kind.resource} "${t.name ?? ''}" is forbidden: unable to create new content in namespace ${t.namespace} because it is being terminated`);
  };

  /** Fills server-set fields and checks identity before storing a new or changed object. */
  const prepare = (t: Target, body: Obj, previous: Obj | undefined): Obj => {
    if (body.apiVersion !== undefined && body.apiVersion !== groupVersion(t.kind)) throw badRequest(`the API version in the data (${JSON.stringify(body.apiVersion)}) does not match the expected API version (${groupVersion(t.kind)})`);
    if (body.kind !== undefined && body.kind !== t.kind.kind) throw badRequest(`the kind in the data (${JSON.stringify(body.kind)}) does not match the expected kind (${t.kind.kind})`);
    const m = (body.metadata ?? {}) as Obj;
    if (typeof m.name !== 'string' || m.name === '') throw invalid(t.kind.kind, t.kind.group, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    if (t.name !== undefined && m.name !== t.name) throw badRequest(`the name of the object (${m.name}) does not match the name on the URL (${t.name})`);
    if (t.kind.namespaced) {
      if (m.namespace !== undefined && m.namespace !== t.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      m.namespace = t.namespace;
    }
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(m.name) || m.name.length > 253) {
      throw invalid(t.kind.kind, t.kind.group, m.name, [{ field: 'metadata.name', message: `Invalid value: "${m.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'` }]);
    }
    const object: Obj = { ...body, apiVersion: groupVersion(t.kind), kind: t.kind.kind, metadata: m };
    if (t.kind.kind === 'Deployment') {
      const spec = (object.spec ?? {}) as Obj;
      spec.replicas ??= 1;
      object.spec = spec;
    }
    if (t.kind.kind === 'Service') {
      const spec = (object.spec ?? {}) as Obj;
      spec.type ??= 'ClusterIP';
      spec.clusterIP ??= (previous?.spec as Obj | undefined)?.clusterIP ?? `10.96.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
      object.spec = spec;
    }
    validate(t.kind, object, m.name);
    if (previous) {
      const pm = meta(previous);
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp']) if (pm[k] !== undefined) m[k] = pm[k];
      else delete m[k];
      const specChanged = JSON.stringify(object.spec) !== JSON.stringify(previous.spec);
      m.generation = (Number(pm.generation ?? 1)) + (specChanged ? 1 : 0);
      if (object.status === undefined && previous.status !== undefined) object.status = previous.status;
    } else {
      for (const k of STRIP_ON_CREATE) delete m[k];
      m.generation = 1;
      if (t.kind.kind === 'Namespace') object.status = { phase: 'Active' };
    }
    return object;
  };

  const existing = (t: Target): Obj => {
    const e = store.get(t.kind, t.namespace, t.name!);
    if (!e) throw notFound(t.kind.resource, t.kind.group, t.name!);
    return e.object;
  };

  const scaleOf = (dep: Obj): Obj => {
    const m = meta(dep);
    const labels = (((dep.spec as Obj).selector as Obj | undefined)?.matchLabels ?? {}) as Record<string, string>;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
      spec: { replicas: (dep.spec as Obj).replicas },
      status: { replicas: ((dep.status as Obj | undefined)?.replicas as number | undefined) ?? 0, selector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') },
    };
  };

  const setReplicas = (t: Target, dep: Obj, replicas: unknown, manager: string): Obj => {
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', 'autoscaling', t.name!, [{ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    }
    const entry = store.get(t.kind, t.namespace, t.name!)!;
    const next = structuredClone(dep);
    (next.spec as Obj).replicas = replicas;
    const m = meta(next);
    if (replicas !== (dep.spec as Obj).replicas) m.generation = Number(m.generation ?? 1) + 1;
    recordUpdate(dep, next, manager, entry.owners);
    return scaleOf(store.put(t.kind, next));
  };

  const handleScale = async (req: IncomingMessage, t: Target, query: URLSearchParams): Promise<[number, unknown]> => {
    const dep = existing(t);
    if (req.method === 'GET') return [200, scaleOf(dep)];
    const raw = await readBody(req);
    const manager = query.get('fieldManager') ?? 'unknown';
    let body: Obj;
    try {
      body = (req.headers['content-type'] ?? '').includes('yaml') ? (parseYaml(raw) as Obj) : (JSON.parse(raw) as Obj);
    } catch {
      throw badRequest('the body of the request could not be decoded');
    }
    if (req.method === 'PUT') {
      const rv = (body.metadata as Obj | undefined)?.resourceVersion;
      if (rv !== undefined && rv !== meta(dep).resourceVersion) throw conflict(t.kind.resource, t.kind.group, t.name!);
      return [200, setReplicas(t, dep, (body.spec as Obj | undefined)?.replicas, manager)];
    }
    if (req.method === 'PATCH') {
      const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'].includes(ct)) throw unsupportedMedia(ct);
      const merged = mergePatch(scaleOf(dep), body) as Obj;
      const rv = (body.metadata as Obj | undefined)?.resourceVersion;
      if (rv !== undefined && rv !== meta(dep).resourceVersion) throw conflict(t.kind.resource, t.kind.group, t.name!);
      return [200, setReplicas(t, dep, (merged.spec as Obj | undefined)?.replicas, manager)];
    }
    throw methodNotAllowed(req.method ?? '');
  };

  const watch = (req: IncomingMessage, res: ServerResponse, t: Target, query: URLSearchParams) => {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Clients wait for the response headers before they read events: send them now.
    res.flushHeaders();
    const selector = query.get('labelSelector');
    const fieldName = /^metadata\.name=(.+)$/.exec(query.get('fieldSelector') ?? '')?.[1];
    const wanted = (o: Obj) => (t.namespace === undefined || meta(o).namespace === t.namespace) && matchesSelector(meta(o).labels, selector) && (fieldName === undefined || meta(o).name === fieldName);
    const line = (type: string, object: Obj) => res.write(`${JSON.stringify({ type, object })}\n`);
    // No resourceVersion (or "0"): the real server first sends the current state as ADDED events.
    const since = query.get('resourceVersion');
    if (!since || since === '0') for (const o of store.list(t.kind, t.namespace)) if (wanted(o)) line('ADDED', o);
    const unsubscribe = store.subscribe((kind, event) => {
      if (kind === t.kind && wanted(event.object)) line(event.type, event.object);
    });
    const timeout = Number(query.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const stop = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
    res.on('close', stop);
    req.on('close', stop);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://double');
    const query = url.searchParams;
    const recorded: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(query), ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}) };
    requests.push(recorded);
    double.beforeRequest?.(recorded);
    if (req.headers.authorization !== `Bearer ${token}`) throw unauthorized();
    const parts = url.pathname.split('/').filter(Boolean);
    // Discovery.
    if (req.method === 'GET') {
      if (url.pathname === '/version') return send(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-trellis-double', platform: 'linux/amd64' });
      if (url.pathname === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: url.host }] });
      if (url.pathname === '/apis') {
        const groups = [...new Set(KINDS.filter((k) => k.group).map((k) => `${k.group}/${k.version}`)), 'metrics.k8s.io/v1beta1'].map((gv) => {
          const [name, version] = gv.split('/') as [string, string];
          return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
        });
        return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
      }
      if (parts[0] === 'apis' && parts[1] === 'metrics.k8s.io' && parts[2] === 'v1beta1') return metrics(res, parts.slice(3));
      const list = parts[0] === 'api' && parts.length === 2 ? resourceList('', parts[1]!) : parts[0] === 'apis' && parts.length === 3 ? resourceList(parts[1]!, parts[2]!) : undefined;
      if (list) return send(res, 200, list);
      if (parts[0] === 'apis' && parts.length === 2 && KINDS.some((k) => k.group === parts[1])) {
        const k = KINDS.find((x) => x.group === parts[1])!;
        const gv = { groupVersion: groupVersion(k), version: k.version };
        return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', name: k.group, versions: [gv], preferredVersion: gv });
      }
    }
    const t = parseTarget(parts);
    if (!t) throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
    if (t.subresource === 'scale' && t.kind.kind === 'Deployment') {
      const [code, body] = await handleScale(req, t, query);
      return send(res, code, body);
    }
    if (t.subresource !== undefined && t.subresource !== 'status') throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');

    if (t.name === undefined) {
      if (req.method === 'GET') {
        if (query.get('watch') === 'true' || query.get('watch') === '1') return watch(req, res, t, query);
        const selector = query.get('labelSelector');
        const items = store.list(t.kind, t.namespace).filter((o) => matchesSelector(meta(o).labels, selector));
        return send(res, 200, { kind: `${t.kind.kind}List`, apiVersion: groupVersion(t.kind), metadata: { resourceVersion: store.resourceVersion }, items });
      }
      if (req.method === 'POST') {
        requireNamespace(t);
        const body = JSON.parse(await readBody(req)) as Obj;
        const rawName = (body.metadata as Obj | undefined)?.name;
        const name = typeof rawName === 'string' ? rawName : '';
        if (name && store.get(t.kind, t.namespace, name)) throw alreadyExists(t.kind.resource, t.kind.group, name);
        const object = prepare(t, body, undefined);
        const owners = new Map<string, Set<string>>();
        recordUpdate(undefined, object, query.get('fieldManager') ?? 'unknown', owners);
        if (query.get('dryRun') === 'All') return send(res, 201, object);
        return send(res, 201, store.put(t.kind, object, owners));
      }
      throw methodNotAllowed(req.method ?? '');
    }

    switch (req.method) {
      case 'GET':
        return send(res, 200, existing(t));
      case 'PUT': {
        const previous = existing(t);
        const body = JSON.parse(await readBody(req)) as Obj;
        const rv = (body.metadata as Obj | undefined)?.resourceVersion;
        if (rv !== undefined && rv !== meta(previous).resourceVersion) throw conflict(t.kind.resource, t.kind.group, t.name);
        let object = prepare(t, body, previous);
        if (t.subresource === 'status') object = { ...previous, status: body.status };
        else if (previous.status !== undefined) object.status = previous.status;
        const entry = store.get(t.kind, t.namespace, t.name)!;
        recordUpdate(previous, object, query.get('fieldManager') ?? 'unknown', entry.owners);
        return send(res, 200, store.put(t.kind, object));
      }
      case 'PATCH': {
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        const raw = await readBody(req);
        const entry = store.get(t.kind, t.namespace, t.name);
        if (ct === 'application/apply-patch+yaml') {
          const manager = query.get('fieldManager');
          if (!manager) throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
          let applied: Obj;
          try {
            applied = parseYaml(raw) as Obj;
          } catch (error) {
            throw badRequest(`error decoding YAML: ${error instanceof Error ? error.message : String(error)}`);
          }
          if (typeof applied !== 'object' || applied === null) throw badRequest('the apply configuration must be an object');
          if (!entry) requireNamespace(t);
          const rv = (applied.metadata as Obj | undefined)?.resourceVersion;
          if (entry && rv !== undefined && rv !== meta(entry.object).resourceVersion) throw conflict(t.kind.resource, t.kind.group, t.name);
          const owners = entry?.owners ?? new Map<string, Set<string>>();
          const trial = new Map([...owners].map(([k, v]) => [k, new Set(v)]));
          const result = serverSideApply(entry?.object, applied, manager, query.get('force') === 'true', trial);
          if (!result.ok) {
            const list = result.conflicts.map((c) => `conflict with "${c.manager}": ${c.path}`);
            throw new ApiStatusError(409, 'Conflict', `Apply failed with ${list.length} conflict${list.length > 1 ? 's' : ''}: ${list.join('; ')}`, {
              name: t.name,
              group: t.kind.group,
              kind: t.kind.resource,
              causes: result.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: `.${c.path}` })),
            });
          }
          const object = prepare(t, result.object, entry?.object);
          if (entry?.object.status !== undefined) object.status = entry.object.status;
          if (query.get('dryRun') === 'All') return send(res, 200, object);
          const stored = store.put(t.kind, object, trial);
          return send(res, entry ? 200 : 201, stored);
        }
        if (!entry) throw notFound(t.kind.resource, t.kind.group, t.name);
        if (ct !== 'application/merge-patch+json' && ct !== 'application/strategic-merge-patch+json') throw unsupportedMedia(ct);
        const merged = mergePatch(entry.object, JSON.parse(raw)) as Obj;
        const rv = meta(merged).resourceVersion;
        if (rv !== undefined && rv !== meta(entry.object).resourceVersion) throw conflict(t.kind.resource, t.kind.group, t.name);
        const object = prepare(t, merged, entry.object);
        recordUpdate(entry.object, object, query.get('fieldManager') ?? 'unknown', entry.owners);
        return send(res, 200, store.put(t.kind, object));
      }
      case 'DELETE': {
        const object = existing(t);
        const m = meta(object);
        // Deployments and Namespaces finalise over time (pods / contents first); the rest go now.
        if (t.kind.kind === 'Deployment' || t.kind.kind === 'Namespace') {
          if (!m.deletionTimestamp) {
            const next = structuredClone(object);
            meta(next).deletionTimestamp = now();
            if (t.kind.kind === 'Namespace') next.status = { phase: 'Terminating' };
            return send(res, 200, store.put(t.kind, next));
          }
          return send(res, 200, object);
        }
        store.remove(t.kind, t.namespace, t.name);
        return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: t.name, group: t.kind.group, kind: t.kind.resource, uid: m.uid } });
      }
      default:
        throw methodNotAllowed(req.method ?? '');
    }
  };

  const metrics = (res: ServerResponse, parts: string[]) => {
    if (parts.length === 0) {
      return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'metrics.k8s.io/v1beta1', resources: [{ name: 'pods', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] }, { name: 'nodes', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] }] });
    }
    const namespace = parts[0] === 'namespaces' ? parts[1] : undefined;
    const rest = namespace !== undefined ? parts.slice(2) : parts;
    if (rest[0] === 'nodes') return send(res, 200, { kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items: [] });
    if (rest[0] !== 'pods') throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
    const pods = store.list(findKind('', 'v1', 'pods')!, namespace).filter((p) => (p.status as Obj | undefined)?.phase === 'Running');
    const items = pods.map((p) => {
      const m = meta(p);
      const owner = ((m.ownerReferences as Obj[] | undefined) ?? [])[0]?.name;
      const u = usage.get(`${String(m.namespace)}/${String(owner)}`) ?? { cpuMillicores: 5, memoryMiB: 32 };
      const containers = (((p.spec as Obj).containers as Obj[] | undefined) ?? []).map((c, i) => ({
        name: c.name,
        // The whole pod's usage is reported on its first container.
        usage: { cpu: quantityCpu(i === 0 ? u.cpuMillicores : 0), memory: quantityMem(i === 0 ? u.memoryMiB : 0) },
      }));
      return { metadata: { name: m.name, namespace: m.namespace, labels: m.labels, creationTimestamp: now() }, timestamp: now(), window: '10.5s', containers };
    });
    const single = rest[1];
    if (single !== undefined) {
      const item = items.find((i) => i.metadata.name === single);
      if (!item) throw notFound('pods', 'metrics.k8s.io', single);
      return send(res, 200, { kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', ...item });
    }
    return send(res, 200, { kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items });
  };

  const server: Server = createServer({ cert: tls.serverCert, key: tls.serverKey }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const failure = error instanceof ApiStatusError ? error : error instanceof SyntaxError ? badRequest(`error decoding body: ${error.message}`) : new ApiStatusError(500, 'InternalError', error instanceof Error ? error.message : String(error));
      if (res.headersSent) res.end();
      else send(res, failure.code, statusBody(failure));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const timer = setInterval(() => reconcile(store, controller), options.tickMs ?? 100);
  timer.unref();
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const double: KubeApiDouble = {
    url,
    token,
    caCert: tls.caCert,
    store,
    requests,
    beforeRequest: undefined,
    setPodUsage(namespace, deployment, u) {
      usage.set(`${namespace}/${deployment}`, u);
    },
    kubeconfig(withToken = token) {
      const ca = Buffer.from(tls.caCert).toString('base64');
      return [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: double`,
        `  cluster: {server: "${url}", certificate-authority-data: ${ca}}`,
        'users:',
        `- name: double-admin`,
        `  user: {token: "${withToken}"}`,
        'contexts:',
        `- name: double`,
        `  context: {cluster: double, user: double-admin, namespace: default}`,
        'current-context: double',
        '',
      ].join('\n');
    },
    get(apiVersion, resource, namespace, name) {
      const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
      const kind = findKind(group, version, resource);
      return kind ? store.get(kind, namespace, name)?.object : undefined;
    },
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return double;
}
