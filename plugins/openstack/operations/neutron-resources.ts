/**
 * Node operations of the Neutron resources: networks, subnets, ports, routers, security
 * groups (with their rules) and floating IPs. Each create first adopts an id it already
 * recorded (resume), honours use_external_resource / create_if_missing, and records the new
 * id before returning; each delete tolerates "already gone" and never deletes an external
 * resource.
 */
import { NonRecoverableError, type OperationContext, type OperationHandler } from '../../sdk';
import type { OpenStackPort } from '../port/port';
import { NeutronKind, type NeutronResource } from '../port/types';
import {
  clean,
  families,
  forget,
  legacyKeys,
  operation,
  portFor,
  record,
  recordedId,
  relatedTargets,
  resourceSpec,
  str,
  type Dict,
  type ResourceSpec,
  recordCloud,
} from './common';

const looksLikeUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** Finds one Neutron resource by id or by name (ambiguous names are an error). */
export async function findNeutron(port: OpenStackPort, kind: NeutronKind, ref: string, byField = 'name'): Promise<NeutronResource | undefined> {
  if (looksLikeUuid(ref)) {
    const byId = await port.getNeutron(kind, ref);
    if (byId) return byId;
  }
  const matches = await port.listNeutron(kind, { [byField]: ref });
  if (matches.length > 1) throw new NonRecoverableError(`${matches.length} ${kind} named "${ref}": use its id`);
  return matches[0];
}

interface Lifecycle {
  kind: NeutronKind;
  /** Runtime `type` value, as the public plugin records it. */
  type: string;
  legacyKey: string;
  /** The create body from the spec (may look up related resources). */
  build: (ctx: OperationContext, port: OpenStackPort, spec: ResourceSpec) => Dict | Promise<Dict>;
  /** Runtime properties to record beside the id. */
  extra?: (r: NeutronResource) => Record<string, string | number | boolean | null>;
  /** Field external resources may also be looked up by (besides id and name). */
  lookupField?: string;
}

/** create: adopt the recorded id, or the external resource, or create and record. */
function createHandler(l: Lifecycle): OperationHandler {
  return async (ctx) => {
    const port = portFor(ctx);
    const rp = ctx.instance.runtimeProperties;
    recordCloud(rp, port);
    const known = recordedId(ctx.instance);
    if (known) {
      const existing = await port.getNeutron(l.kind, known);
      if (existing) {
        ctx.logger.info(`${l.type} ${known} already recorded: using it`);
        return;
      }
      if (rp.external_resource === true) throw new NonRecoverableError(`external ${l.type} ${known} no longer exists`);
    }
    const spec = resourceSpec(ctx, l.legacyKey);
    if (spec.external) {
      if (!spec.lookup) throw new NonRecoverableError(`use_external_resource needs resource_config.id or a name (resource_id) to find the ${l.type}`);
      const found = await findNeutron(port, l.kind, spec.lookup, l.lookupField ?? 'name');
      if (found) {
        await record(ctx, found, l.type, true, l.extra?.(found) ?? {});
        ctx.logger.info(`using existing ${l.type} ${found.id}`);
        return;
      }
      if (!spec.createIfMissing) throw new NonRecoverableError(`external ${l.type} "${spec.lookup}" not found (use_external_resource without create_if_missing)`);
      ctx.logger.info(`external ${l.type} "${spec.lookup}" not found: creating it (create_if_missing)`);
    }
    const body = await l.build(ctx, port, spec);
    const created = await port.createNeutron(l.kind, body);
    await record(ctx, created, l.type, false, l.extra?.(created) ?? {});
    ctx.logger.info(`created ${l.type} ${created.id}`);
  };
}

/** delete: never an external resource; already gone is fine. */
function deleteHandler(l: Lifecycle, extraKeys: string[] = []): OperationHandler {
  return async (ctx) => {
    const id = recordedId(ctx.instance);
    if (!id) return;
    if (ctx.instance.runtimeProperties.external_resource === true) {
      ctx.logger.info(`${l.type} ${id} is external: not deleting it`);
    } else {
      await portFor(ctx).deleteNeutron(l.kind, id);
      ctx.logger.info(`deleted ${l.type} ${id}`);
    }
    await forget(ctx, extraKeys);
  };
}

/** Name to give a resource: its configured name, else the instance id (unique, readable). */
const nameOf = (ctx: OperationContext, config: Dict): string => str(config.name) ?? ctx.instance.id;

/** Body without the lookup-only keys. */
function body(config: Dict, ...drop: string[]): Dict {
  const out = { ...config };
  for (const k of ['id', ...drop]) delete out[k];
  return out;
}

const idsOf = (ctx: OperationContext, types: readonly string[]): string[] =>
  relatedTargets(ctx, types)
    .map((t) => recordedId(t.instance))
    .filter((x): x is string => x !== undefined);

function networkIdFor(ctx: OperationContext, config: Dict, what: string): string {
  const id = str(config.network_id) ?? idsOf(ctx, families.network)[0];
  if (!id) throw new NonRecoverableError(`a ${what} needs resource_config.network_id or a relationship to a Network`);
  return id;
}

async function networkRef(port: OpenStackPort, ref: string): Promise<string> {
  const n = await findNeutron(port, NeutronKind.network, ref);
  if (!n) throw new NonRecoverableError(`network "${ref}" not found`);
  return n.id;
}

/** Related networks that are external (router:external): a router's gateway, a floating IP's pool. */
async function externalNetworkAmongTargets(ctx: OperationContext, port: OpenStackPort): Promise<string | undefined> {
  for (const id of idsOf(ctx, families.network)) {
    const n = await port.getNeutron(NeutronKind.network, id);
    if (n?.['router:external'] === true) return id;
  }
  return undefined;
}

const network: Lifecycle = {
  kind: NeutronKind.network,
  type: 'network',
  legacyKey: legacyKeys.network,
  build: (ctx, _port, spec) => ({ ...body(spec.config), name: nameOf(ctx, spec.config) }),
};

const subnet: Lifecycle = {
  kind: NeutronKind.subnet,
  type: 'subnet',
  legacyKey: legacyKeys.subnet,
  build: (ctx, _port, spec) => ({
    ip_version: 4,
    ...body(spec.config),
    name: nameOf(ctx, spec.config),
    network_id: networkIdFor(ctx, spec.config, 'subnet'),
  }),
  extra: (r) => ({ cidr: (r.cidr as string | undefined) ?? null }),
};

const neutronPort: Lifecycle = {
  kind: NeutronKind.port,
  type: 'port',
  legacyKey: legacyKeys.port,
  build: (ctx, _port, spec) => {
    const b: Dict = { ...body(spec.config), name: nameOf(ctx, spec.config), network_id: networkIdFor(ctx, spec.config, 'port') };
    const fixedIp = str(ctx.node.properties.fixed_ip);
    const subnets = idsOf(ctx, families.subnet);
    if (!b.fixed_ips && (subnets.length || fixedIp)) {
      b.fixed_ips = subnets.length ? subnets.map((s, i) => clean({ subnet_id: s, ip_address: i === 0 ? fixedIp : undefined })) : [{ ip_address: fixedIp }];
    }
    const groups = [...((b.security_groups as string[] | undefined) ?? []), ...idsOf(ctx, families.securityGroup)];
    if (groups.length) b.security_groups = [...new Set(groups)];
    return b;
  },
  extra: (r) => ({
    mac_address: (r.mac_address as string | undefined) ?? null,
    fixed_ip_address: ((r.fixed_ips as { ip_address: string }[] | undefined) ?? [])[0]?.ip_address ?? null,
  }),
};

const router: Lifecycle = {
  kind: NeutronKind.router,
  type: 'router',
  legacyKey: legacyKeys.router,
  build: async (ctx, port, spec) => {
    const b: Dict = { ...body(spec.config), name: nameOf(ctx, spec.config) };
    if (!b.external_gateway_info) {
      const legacy = str(ctx.node.properties.external_network);
      const ext = legacy ? await networkRef(port, legacy) : await externalNetworkAmongTargets(ctx, port);
      if (ext) b.external_gateway_info = { network_id: ext };
    }
    return b;
  },
};

const securityGroup: Lifecycle = {
  kind: NeutronKind.securityGroup,
  type: 'security_group',
  legacyKey: legacyKeys.securityGroup,
  build: (ctx, _port, spec) => {
    const b: Dict = { ...body(spec.config), name: nameOf(ctx, spec.config) };
    const description = str(ctx.node.properties.description);
    if (description && !b.description) b.description = description;
    return b;
  },
};

const ruleFields = ['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id', 'description'] as const;

/** A rule as Neutron wants it, from the current or the legacy (`port: 22`) spelling. */
function ruleBody(raw: Dict, securityGroupId: string): Dict {
  const r: Dict = { direction: 'ingress', ethertype: 'IPv4', ...raw };
  if (r.port !== undefined) {
    r.port_range_min ??= r.port;
    r.port_range_max ??= r.port;
  }
  const out: Dict = { security_group_id: securityGroupId };
  for (const f of ruleFields) if (r[f] !== undefined && r[f] !== '') out[f] = r[f];
  return out;
}

const sameRule = (a: Dict, b: Dict): boolean =>
  ruleFields.filter((f) => f !== 'description').every((f) => norm(a[f]) === norm(b[f]));

/** Compares API and blueprint values alike (22 and "22", null and absent). */
const norm = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? v.toString() : JSON.stringify(v);

/** SecurityGroup configure: drop default egress rules if asked, then add the listed rules (skipping ones present). */
const configureSecurityGroup: OperationHandler = async (ctx) => {
  const id = recordedId(ctx.instance);
  if (!id || ctx.instance.runtimeProperties.external_resource === true) return;
  const port = portFor(ctx);
  const p = ctx.node.properties;
  let existing = await port.listNeutron(NeutronKind.securityGroupRule, { security_group_id: id });
  if (p.disable_default_egress_rules === true) {
    for (const r of existing.filter((x) => x.direction === 'egress' && !x.remote_ip_prefix && !x.remote_group_id && !x.protocol)) {
      await port.deleteNeutron(NeutronKind.securityGroupRule, r.id);
    }
    existing = await port.listNeutron(NeutronKind.securityGroupRule, { security_group_id: id });
  }
  const wanted = [...((p.security_group_rules as Dict[] | undefined) ?? []), ...((p.rules as Dict[] | undefined) ?? [])];
  const ruleIds: string[] = [];
  for (const raw of wanted) {
    const b = ruleBody(clean(raw), id);
    const present = existing.find((x) => sameRule(x, b));
    const rule = present ?? (await port.createNeutron(NeutronKind.securityGroupRule, b));
    ruleIds.push(rule.id);
  }
  ctx.instance.runtimeProperties.rule_ids = ruleIds;
  if (wanted.length) ctx.logger.info(`security group ${id}: ${wanted.length} rule(s) in place`);
};

const securityGroupRule: Lifecycle = {
  kind: NeutronKind.securityGroupRule,
  type: 'security_group_rule',
  legacyKey: 'security_group_rule',
  build: (ctx, _port, spec) => {
    const sg = str(spec.config.security_group_id) ?? idsOf(ctx, families.securityGroup)[0];
    if (!sg) throw new NonRecoverableError('a security group rule needs resource_config.security_group_id or a relationship to a SecurityGroup');
    return ruleBody(spec.config, sg);
  },
};

const floatingIp: Lifecycle = {
  kind: NeutronKind.floatingIp,
  type: 'floatingip',
  legacyKey: legacyKeys.floatingIp,
  lookupField: 'floating_ip_address',
  build: async (ctx, port, spec) => {
    const c = body(spec.config, 'name', 'floating_network_name');
    const byName = str(spec.config.floating_network_name);
    const net = str(c.floating_network_id) ?? (byName ? await networkRef(port, byName) : await externalNetworkAmongTargets(ctx, port));
    if (!net) throw new NonRecoverableError('a floating IP needs floating_network_id, floating_network_name or a relationship to the external network');
    return { ...c, floating_network_id: net };
  },
  extra: (r) => ({ floating_ip_address: (r.floating_ip_address as string | undefined) ?? null }),
};

const lifecycles = { network, subnet, port: neutronPort, router, securityGroup, securityGroupRule, floatingIp };

/** The operation handlers of the Neutron node types, by short key (`network.create`, ...). */
export const neutronOperations: Record<string, OperationHandler> = {};
for (const [key, l] of Object.entries(lifecycles)) {
  neutronOperations[`${key}.create`] = operation(`${key}.create`, createHandler(l));
  neutronOperations[`${key}.delete`] = operation(`${key}.delete`, deleteHandler(l, ['cidr', 'mac_address', 'fixed_ip_address', 'floating_ip_address', 'rule_ids']));
}
neutronOperations['securityGroup.configure'] = operation('securityGroup.configure', configureSecurityGroup);
