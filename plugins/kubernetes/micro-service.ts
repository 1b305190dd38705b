/**
 * The Trellis micro-service: one image behind a Service, rendered to a Deployment and a
 * Service from the node's properties. Values only known at run time (a database VM's IP
 * and port through get_attribute, another deployment's capabilities through
 * get_capability) come in as the create operation's `env` and `overrides` inputs, which
 * the engine evaluates before the call, and take precedence over the properties.
 */
import { NonRecoverableError, type OperationContext, type Value } from '../sdk';
import { deepMerge, type Manifest, namespaceOption } from './manifests';

type Dict = Record<string, Value>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A DNS-1123 name from a node name (`my_service` -> `my-service`). */
export function kubeName(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'service';
}

const envValue = (v: Value): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Renders the Deployment and Service. `replicas` is the instance's current replica count
 * when it was scaled, so re-applying keeps the scale.
 */
export function renderMicroService(ctx: Pick<OperationContext, 'node' | 'operation' | 'inputs' | 'instance'>, defaultNamespace: string): Manifest[] {
  const p = ctx.node.properties;
  const where = `${ctx.node.name} ${ctx.operation.name}`;
  const image = typeof p.image === 'string' ? p.image : '';
  if (!image) throw new NonRecoverableError(`${where}: image is required`);
  const name = kubeName(typeof p.name === 'string' && p.name ? p.name : ctx.node.name);
  const namespace = namespaceOption(p) ?? defaultNamespace;
  const port = typeof p.port === 'number' ? p.port : 80;
  const targetPort = typeof p.target_port === 'number' ? p.target_port : port;
  const scaled = ctx.instance.runtimeProperties.replicas;
  const replicas = typeof scaled === 'number' ? scaled : typeof p.replicas === 'number' ? p.replicas : 1;
  const env: Dict = { ...(isDict(p.env) ? p.env : {}), ...(isDict(ctx.inputs.env) ? ctx.inputs.env : {}) };
  const labels = { app: name, 'app.kubernetes.io/managed-by': 'trellis', ...(isDict(p.labels) ? (p.labels as Record<string, string>) : {}) };
  const container: Record<string, unknown> = {
    name,
    image,
    ports: [{ name: 'http', containerPort: targetPort }],
    env: Object.entries(env).map(([k, v]) => ({ name: k, value: envValue(v) })),
  };
  if (isDict(p.resources) && Object.keys(p.resources).length > 0) container.resources = p.resources;
  const deployment: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { containers: [container] } } },
  };
  const service: Manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: { type: typeof p.service_type === 'string' ? p.service_type : 'ClusterIP', selector: { app: name }, ports: [{ name: 'http', port, targetPort, protocol: 'TCP' }] },
  };
  const override = (base: Manifest, prop: string): Manifest => {
    let out: unknown = base;
    for (const o of [p[prop], ctx.inputs[prop]]) if (isDict(o)) out = deepMerge(out, o);
    return out as Manifest;
  };
  return [override(deployment, 'deployment_overrides'), override(service, 'service_overrides')];
}
