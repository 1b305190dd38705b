/**
 * Which cluster an operation talks to, and a KubeConfig for it. Sources, first match wins:
 *
 * 1. the node's `client_config.configuration` (the public plugin's shape): `file_content`
 *    (inline kubeconfig, YAML text or object), `blueprint_file_name` (kubeconfig next to the
 *    blueprint), `manager_file_path` (absolute path), `api_options` (`host`, `api_key`,
 *    `ssl_ca_cert` as PEM text or a file, `verify_ssl`), or `capability` (`deployment`
 *    plus the capability names of `endpoint`, `token` and `ca_cert` of another deployment,
 *    e.g. a Kubernetes cluster built on VMs); `context` picks a kubeconfig context;
 * 2. the target of a relationship to a cluster: its runtime properties `k8s_endpoint`,
 *    `k8s_token`, `k8s_ca_cert` (a master VM that installed the cluster), or else its
 *    `configuration`/`client_config` property (a `cloudify.kubernetes.nodes.Master`).
 *
 * TLS is verified unless the cluster's configuration says `verify_ssl: false` (or the
 * kubeconfig says `insecure-skip-tls-verify: true`): an explicit, per-cluster opt-out.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify as toYaml } from 'yaml';
import { NonRecoverableError, type OperationContext, type Value } from '../sdk';

type Dict = Record<string, Value>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Type names whose nodes stand for a cluster connection. */
export const CLUSTER_TYPES = ['cloudify.kubernetes.nodes.Master', 'cloudify.nodes.kubernetes.Cluster'];

/** A resolved cluster: the client config plus a printable server address. */
export interface Cluster {
  kubeConfig: KubeConfig;
  server: string;
  /** Default namespace of the kubeconfig context (or `default`). */
  namespace: string;
}

function fromApiOptions(ctx: Pick<OperationContext, 'resolveResource'>, api: Dict, who: string): KubeConfig {
  const host = str(api.host);
  if (!host) throw new NonRecoverableError(`${who}: api_options.host is required (https://address:port of the API server)`);
  const caText = str(api.ssl_ca_cert);
  const skip = api.verify_ssl === false || api.verify_ssl === 'false' || api.insecure === true;
  const cluster: { name: string; server: string; skipTLSVerify: boolean; caData?: string; caFile?: string } = { name: 'cluster', server: host, skipTLSVerify: skip };
  if (caText?.includes('-----BEGIN')) cluster.caData = Buffer.from(caText).toString('base64');
  else if (caText) cluster.caFile = isAbsolute(caText) ? caText : ctx.resolveResource(caText);
  const token = str(api.api_key) ?? str(api.token);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'user', ...(token ? { token: token.replace(/^Bearer\s+/i, '') } : {}) }],
    contexts: [{ name: 'trellis', cluster: 'cluster', user: 'user', ...(str(api.namespace) ? { namespace: str(api.namespace) } : {}) }],
    currentContext: 'trellis',
  });
  return kc;
}

async function fromConfiguration(ctx: Pick<OperationContext, 'resolveResource' | 'getCapability'>, configuration: Dict, who: string): Promise<KubeConfig | undefined> {
  const kc = new KubeConfig();
  const inline = configuration.file_content;
  if (typeof inline === 'string' && inline.trim() !== '') kc.loadFromString(inline);
  else if (isDict(inline) && Object.keys(inline).length > 0) kc.loadFromString(toYaml(inline));
  else if (str(configuration.blueprint_file_name)) kc.loadFromString(readFileSync(ctx.resolveResource(str(configuration.blueprint_file_name)!), 'utf8'));
  else if (str(configuration.manager_file_path)) kc.loadFromString(readFileSync(str(configuration.manager_file_path)!, 'utf8'));
  else if (isDict(configuration.api_options) && Object.keys(configuration.api_options).length > 0) return fromApiOptions(ctx, configuration.api_options, who);
  else if (isDict(configuration.capability) && str(configuration.capability.deployment)) {
    const cap = configuration.capability;
    const deployment = str(cap.deployment)!;
    const read = async (key: string, fallback: string) => {
      const v = await ctx.getCapability(deployment, str(cap[key]) ?? fallback);
      return typeof v === 'string' ? v : undefined;
    };
    const host = await read('endpoint', 'endpoint');
    const token = await read('token', 'token');
    const ca = await read('ca_cert', 'ca_cert');
    return fromApiOptions(ctx, { host: host ?? '', ...(token ? { api_key: token } : {}), ...(ca ? { ssl_ca_cert: ca } : {}), ...(cap.verify_ssl === false ? { verify_ssl: false } : {}) }, `${who} (capabilities of ${deployment})`);
  } else return undefined;
  const context = str(configuration.context);
  if (context) {
    if (!kc.getContextObject(context)) throw new NonRecoverableError(`${who}: kubeconfig has no context ${context} (has: ${kc.getContexts().map((c) => c.name).join(', ')})`);
    kc.setCurrentContext(context);
  }
  return kc;
}

/** The `configuration` dict of a node's properties (`client_config.configuration`, or `configuration`). */
function configurationOf(properties: Readonly<Record<string, Value>>): Dict | undefined {
  const client = properties.client_config;
  if (isDict(client) && isDict(client.configuration) && Object.keys(client.configuration).length > 0) return client.configuration;
  if (isDict(properties.configuration) && Object.keys(properties.configuration).length > 0) return properties.configuration;
  return undefined;
}

function finish(kc: KubeConfig, who: string): Cluster {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new NonRecoverableError(`${who}: the kubeconfig has no current cluster`);
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new NonRecoverableError(`${who}: ${cluster.server} is plain HTTP; use https (or opt out of TLS verification for this cluster explicitly)`);
  }
  return { kubeConfig: kc, server: cluster.server, namespace: kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default' };
}

/** Resolves the cluster of the operation's node (see the file comment). */
export async function resolveCluster(ctx: OperationContext): Promise<Cluster> {
  const who = `${ctx.node.name} ${ctx.operation.name}`;
  const own = configurationOf(ctx.node.properties);
  if (own) {
    const kc = await fromConfiguration(ctx, own, who);
    if (kc) return finish(kc, who);
  }
  for (const rel of ctx.relationships ?? []) {
    const target = rel.target;
    const rp = target.instance.runtimeProperties;
    if (str(rp.k8s_endpoint)) {
      const kc = fromApiOptions(ctx, { host: rp.k8s_endpoint!, ...(str(rp.k8s_token) ? { api_key: rp.k8s_token! } : {}), ...(str(rp.k8s_ca_cert) ? { ssl_ca_cert: rp.k8s_ca_cert! } : {}), ...(rp.k8s_verify_ssl === false ? { verify_ssl: false } : {}) }, `${who} (cluster ${target.node.name})`);
      return finish(kc, who);
    }
    if (target.node.typeHierarchy.some((t) => CLUSTER_TYPES.includes(t)) || rel.typeHierarchy.includes('cloudify.kubernetes.relationships.managed_by_master')) {
      const conf = configurationOf(target.node.properties);
      if (conf) {
        const kc = await fromConfiguration(ctx, conf, `${who} (cluster ${target.node.name})`);
        if (kc) return finish(kc, who);
      }
    }
  }
  throw new NonRecoverableError(`${who}: no cluster connection: set client_config.configuration (file_content, blueprint_file_name, manager_file_path, api_options or capability) or relate the node to a cluster node (cloudify.kubernetes.relationships.managed_by_master)`);
}

/** The runtime property naming where the instance's connection is kept. */
export const CONNECTION_PROPERTY = 'kube_connection';

/**
 * The non-secret facts of a connection, kept on the instance (runtime property
 * `kube_connection`) so collectors, which have no operation context, reach the same
 * cluster: the server, context and namespace, and the NAME of the secret holding the
 * full kubeconfig (token, client key). The credentials never go into runtime properties,
 * which are stored as plain JSON.
 */
export interface ConnectionRef {
  server: string;
  context: string;
  namespace: string;
  secret_name: string;
}

/** The secret name for an instance's connection: stable, so delete finds it again. */
export function connectionSecretName(deploymentId: string, instanceId: string): string {
  return `trellis.kubernetes.${deploymentId}.${instanceId}.kubeconfig`;
}

/** Stores the cluster's kubeconfig (credentials included) as a secret; returns the reference. */
export async function keepConnection(ctx: Pick<OperationContext, 'deploymentId' | 'instance' | 'secrets'>, cluster: Cluster): Promise<ConnectionRef> {
  const secretName = connectionSecretName(ctx.deploymentId, ctx.instance.id);
  await ctx.secrets.set(secretName, cluster.kubeConfig.exportConfig());
  return { server: cluster.server, context: cluster.kubeConfig.getCurrentContext(), namespace: cluster.namespace, secret_name: secretName };
}

/** Deletes the secret `keepConnection` stored for the operation's instance (if any). */
export async function forgetConnection(ctx: Pick<OperationContext, 'deploymentId' | 'instance' | 'secrets'>): Promise<void> {
  const ref = ctx.instance.runtimeProperties[CONNECTION_PROPERTY];
  const recorded = isDict(ref) ? str(ref.secret_name) : undefined;
  await ctx.secrets.delete(recorded ?? connectionSecretName(ctx.deploymentId, ctx.instance.id));
  delete ctx.instance.runtimeProperties[CONNECTION_PROPERTY];
}

/** The secret name in a target's `kube_connection`, if it has one. */
export function connectionSecretOf(runtimeProperties: Readonly<Record<string, Value>>): string | undefined {
  const ref = runtimeProperties[CONNECTION_PROPERTY];
  return isDict(ref) ? str(ref.secret_name) : undefined;
}

/** Rebuilds a cluster from the kubeconfig `keepConnection` stored. */
export function clusterFromKubeconfig(kubeconfig: string): Cluster {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  return finish(kc, 'kubernetes collector');
}
