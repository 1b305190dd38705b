/**
 * What every OpenStack operation shares: the cloud it talks to (from the node's
 * `client_config` / legacy `openstack_config` and the operation inputs), its resource
 * configuration (current `resource_config` or the legacy per-type property), the recorded
 * id, external resources, and the translation of failures into the SDK's taxonomy with
 * the node, operation and OpenStack request named.
 */
import {
  CancelledFailure,
  NonRecoverableError,
  OperationFailure,
  RecoverableError,
  type EntityView,
  type OperationContext,
  type OperationHandler,
  type Value,
} from '../../sdk';
import { CloudConfigError, resolveCloudConfig } from '../port/credentials';
import { FailureKind, OpenStackApiError } from '../port/errors';
import { OpenStackPort } from '../port/port';
import { WaitFailedError, WaitTimeoutError } from '../port/wait';

export type Dict = Record<string, unknown>;

const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An intrinsic function left unevaluated in a property (e.g. get_attribute): not a value yet. */
function isUnevaluated(v: unknown): boolean {
  return isDict(v) && Object.keys(v).length === 1 && /^get_(attribute|secret|capability|property|input)$|^concat$/.test(Object.keys(v)[0]!);
}

/** Drops empty strings, nulls and unevaluated functions, recursively in dicts. */
export function clean(d: Dict): Dict {
  const out: Dict = {};
  for (const [k, v] of Object.entries(d)) {
    if (v === '' || v === null || v === undefined || isUnevaluated(v)) continue;
    out[k] = isDict(v) ? clean(v) : v;
  }
  return out;
}

/** The entity whose configuration an operation uses (in a relationship: the side that runs). */
function entityOf(ctx: OperationContext): EntityView {
  return { node: ctx.node, instance: ctx.instance };
}

/** The merged client configuration of an entity, operation inputs winning. */
export function clientConfigOf(ctx: OperationContext, entity: EntityView = entityOf(ctx)): Dict {
  const p = entity.node.properties;
  const fromProps = { ...(isDict(p.openstack_config) ? p.openstack_config : {}), ...(isDict(p.client_config) ? p.client_config : {}) };
  const i = ctx.inputs;
  const fromInputs = { ...(isDict(i.openstack_config) ? i.openstack_config : {}), ...(isDict(i.client_config) ? i.client_config : {}) };
  return { ...clean(fromProps), ...clean(fromInputs) };
}

/** A port for the cloud of an entity, cancelled with the operation. */
export function portFor(ctx: OperationContext, entity: EntityView = entityOf(ctx)): OpenStackPort {
  return new OpenStackPort(resolveCloudConfig(clientConfigOf(ctx, entity)), { signal: ctx.signal });
}

/** The legacy (`cloudify.openstack.nodes.*`) property holding each type's resource dict. */
export const legacyKeys = {
  server: 'server',
  keypair: 'keypair',
  network: 'network',
  subnet: 'subnet',
  port: 'port',
  router: 'router',
  securityGroup: 'security_group',
  floatingIp: 'floatingip',
  volume: 'volume',
} as const;

/** The resolved resource configuration of an operation's node. */
export interface ResourceSpec {
  /** The create body fields (resource_config / legacy dict, `kwargs` and `args` merged in). */
  config: Dict;
  /** Use an existing resource instead of creating one. */
  external: boolean;
  /** With `external`: create it when it does not exist. */
  createIfMissing: boolean;
  /** Id or name to look an external resource up by. */
  lookup: string | undefined;
}

/** Reads resource_config (current) or the legacy property and resource_id, merged with inputs. */
export function resourceSpec(ctx: OperationContext, legacyKey: string): ResourceSpec {
  const p = ctx.node.properties;
  const i = ctx.inputs;
  let config: Dict = {};
  if (isDict(p[legacyKey])) config = { ...p[legacyKey] };
  if (isDict(p.resource_config)) config = { ...config, ...p.resource_config };
  if (isDict(i.resource_config)) config = { ...config, ...clean(i.resource_config) };
  if (isDict(i.args)) config = { ...config, ...clean(i.args) };
  if (isDict(config.kwargs)) {
    const { kwargs, ...rest } = config;
    config = { ...rest, ...kwargs };
  }
  config = clean(config);
  const resourceId = typeof p.resource_id === 'string' && p.resource_id !== '' ? p.resource_id : undefined;
  // Legacy: resource_id is the name to give (or, external, the name or id to find).
  if (resourceId && config.name === undefined) config.name = resourceId;
  const lookup = str(config.id) ?? resourceId ?? str(config.name);
  return {
    config,
    external: p.use_external_resource === true,
    createIfMissing: p.create_if_missing === true,
    lookup,
  };
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The recorded OpenStack id of an instance, if any. */
/**
 * Records which cloud/project an instance lives in: `openstack_cloud` for blueprints and
 * users, `trellis_environment` for the deployment summary (engine/host reads that key from
 * any plugin).
 */
export function recordCloud(rp: Record<string, Value>, port: OpenStackPort): void {
  rp.openstack_cloud = port.description;
  rp.trellis_environment = { openstack: port.description };
}

export function recordedId(e: { runtimeProperties: Record<string, Value> }): string | undefined {
  return str(e.runtimeProperties.id) ?? str(e.runtimeProperties.external_id);
}

/**
 * Records a resource on the instance and persists at once: called right after the cloud
 * answered a create, before any waiting, so a resumed execution finds it.
 */
export async function record(
  ctx: OperationContext,
  resource: { id: string; name?: string | null },
  type: string,
  external: boolean,
  extra: Record<string, Value> = {},
): Promise<void> {
  const rp = ctx.instance.runtimeProperties;
  rp.id = resource.id;
  rp.external_id = resource.id; // the legacy plugin's name for it
  rp.type = type;
  rp.external_type = type;
  rp.name = resource.name ?? '';
  rp.external_name = resource.name ?? '';
  rp.external_resource = external;
  Object.assign(rp, extra);
  await ctx.instance.update();
}

/** Forgets a deleted resource (so a later install, e.g. in heal, creates a new one). */
export async function forget(ctx: OperationContext, extraKeys: string[] = []): Promise<void> {
  const rp = ctx.instance.runtimeProperties;
  for (const k of ['id', 'external_id', 'type', 'external_type', 'name', 'external_name', 'external_resource', ...extraKeys]) delete rp[k];
  await ctx.instance.update();
}

/** Outgoing relationship targets of a node operation whose type derives from any of `types`. */
export function relatedTargets(ctx: OperationContext, types: readonly string[]): EntityView[] {
  return (ctx.relationships ?? [])
    .filter((r) => r.target.node.typeHierarchy.some((t) => types.includes(t)))
    .map((r) => r.target);
}

/** Outgoing relationships of a given relationship type (or derived from it). */
export function relationshipsOfType(ctx: OperationContext, relTypes: readonly string[]): EntityView[] {
  return (ctx.relationships ?? []).filter((r) => r.typeHierarchy.some((t) => relTypes.includes(t))).map((r) => r.target);
}

/** Node type families (current and legacy names) for relationship lookups. */
export const families = {
  server: ['cloudify.nodes.openstack.Server', 'cloudify.openstack.nodes.Server'],
  network: ['cloudify.nodes.openstack.Network', 'cloudify.openstack.nodes.Network'],
  subnet: ['cloudify.nodes.openstack.Subnet', 'cloudify.openstack.nodes.Subnet'],
  port: ['cloudify.nodes.openstack.Port', 'cloudify.openstack.nodes.Port'],
  router: ['cloudify.nodes.openstack.Router', 'cloudify.openstack.nodes.Router'],
  securityGroup: ['cloudify.nodes.openstack.SecurityGroup', 'cloudify.openstack.nodes.SecurityGroup'],
  floatingIp: ['cloudify.nodes.openstack.FloatingIP', 'cloudify.openstack.nodes.FloatingIP'],
  keypair: ['cloudify.nodes.openstack.KeyPair', 'cloudify.openstack.nodes.KeyPair'],
  volume: ['cloudify.nodes.openstack.Volume', 'cloudify.openstack.nodes.Volume'],
} as const;

/**
 * Wraps a handler: every failure leaves as an SDK failure whose message names the node
 * instance, the operation and (for API failures) the OpenStack request.
 */
export function operation(label: string, handler: OperationHandler): OperationHandler {
  return async (ctx) => {
    try {
      return await handler(ctx);
    } catch (e) {
      throw toOperationFailure(ctx, label, e);
    }
  };
}

export function toOperationFailure(ctx: OperationContext, label: string, e: unknown): OperationFailure {
  const where = `${ctx.node.name} (${ctx.instance.id}) ${ctx.operation.name} [openstack ${label}]`;
  if (e instanceof OperationFailure) {
    return e.message.startsWith(ctx.node.name) ? e : rewrap(e, `${where}: ${e.message}`);
  }
  if (e instanceof Error && e.name === 'AbortError') return new CancelledFailure(`${where}: cancelled`, { cause: e });
  if (e instanceof OpenStackApiError) {
    const msg = `${where}: ${e.message}`;
    switch (e.kind) {
      case FailureKind.quota:
        return new NonRecoverableError(`${where}: quota exceeded for ${e.quota ?? 'a resource'} (${e.request} -> ${e.status}: ${e.cloudMessage})`, { cause: e });
      case FailureKind.transient: {
        const retryAfter = e.retryAfter ?? Math.min(60, 5 * 2 ** ctx.operation.retryNumber);
        return new RecoverableError(msg, { retryAfter, cause: e });
      }
      default:
        return new NonRecoverableError(msg, { cause: e });
    }
  }
  if (e instanceof CloudConfigError) return new NonRecoverableError(`${where}: ${e.message}`, { cause: e });
  if (e instanceof WaitFailedError) return new NonRecoverableError(`${where}: ${e.message}`, { cause: e });
  if (e instanceof WaitTimeoutError) return new RecoverableError(`${where}: ${e.message}`, { cause: e });
  const message = e instanceof Error ? e.message : String(e);
  return new RecoverableError(`${where}: ${message}`, { cause: e });
}

function rewrap(e: OperationFailure, message: string): OperationFailure {
  if (e instanceof NonRecoverableError) return new NonRecoverableError(message, { cause: e.cause });
  if (e instanceof RecoverableError) return new RecoverableError(message, { cause: e.cause, ...(e.retryAfter !== undefined ? { retryAfter: e.retryAfter } : {}) });
  if (e instanceof CancelledFailure) return new CancelledFailure(message, { cause: e.cause });
  return e;
}

/** Progress as a log event, at most every few seconds. */
export function progressLogger(ctx: OperationContext, what: string): (state: string | undefined, elapsedMs: number) => void {
  let last = 0;
  return (state, elapsed) => {
    if (elapsed - last < 2000 && last !== 0) return;
    last = elapsed;
    ctx.logger.info(`${what}: ${state ?? 'pending'} (${Math.round(elapsed / 1000)}s)`, { state: state ?? null });
  };
}
