/**
 * Relationship operations: floating IPs, security groups, ports and volumes attached to a
 * server in establish and detached in unlink; router interfaces added in postconfigure (or
 * the legacy establish) and removed in unlink. Each handler finds its two resources by node
 * type family, so the same code serves source- and target-side (legacy) declarations.
 * All are idempotent: establishing what is already there, or unlinking what is gone, is fine.
 */
import { RecoverableError, NonRecoverableError, type EntityView, type OperationContext, type OperationHandler } from '../../sdk';
import { FailureKind, OpenStackApiError } from '../port/errors';
import type { OpenStackPort } from '../port/port';
import { NeutronKind, type NeutronResource } from '../port/types';
import { publishAddresses } from './compute';
import { families, operation, portFor, recordedId, str } from './common';
import { waitVolume } from './volume';

/** The relationship end whose node type is in a family. */
function end(ctx: OperationContext, family: readonly string[], what: string): { entity: EntityView; id: string } {
  const r = ctx.relationship;
  if (!r) throw new NonRecoverableError(`${ctx.operation.name} is a relationship operation`);
  const entity = [r.source, r.target].find((e) => e.node.typeHierarchy.some((t) => family.includes(t)));
  if (!entity) throw new NonRecoverableError(`relationship ${r.type} has no ${what} end (${r.source.node.type} -> ${r.target.node.type})`);
  const id = recordedId(entity.instance);
  if (!id) throw new NonRecoverableError(`${what} ${entity.node.name} (${entity.instance.id}) has no recorded id: was it created?`);
  return { entity, id };
}

/** Like `end`, but returns undefined when that side has nothing recorded (unlink after a failed install). */
function endIfRecorded(ctx: OperationContext, family: readonly string[], what: string): { entity: EntityView; id: string } | undefined {
  try {
    return end(ctx, family, what);
  } catch (e) {
    if (e instanceof NonRecoverableError && e.message.includes('no recorded id')) return undefined;
    throw e;
  }
}

/** Port config comes from the side that runs; both ends share a cloud in practice. */
const portOf = (ctx: OperationContext): OpenStackPort => portFor(ctx);

async function serverPorts(port: OpenStackPort, serverId: string): Promise<NeutronResource[]> {
  return port.listNeutron(NeutronKind.port, { device_id: serverId });
}

const ignoreGone = async (p: Promise<unknown>): Promise<void> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof OpenStackApiError && e.kind === FailureKind.notFound) return;
    throw e;
  }
};

// ---------------------------------------------------------------- floating IPs

const connectServerFloatingIp: OperationHandler = async (ctx) => {
  const server = end(ctx, families.server, 'server');
  const fip = end(ctx, families.floatingIp, 'floating IP');
  const port = portOf(ctx);
  const ports = await serverPorts(port, server.id);
  const fixedIp = str(ctx.inputs.fixed_ip);
  const target = fixedIp ? ports.find((p) => (p.fixed_ips as { ip_address: string }[]).some((f) => f.ip_address === fixedIp)) : ports[0];
  if (!target) throw new RecoverableError(`server ${server.id} has no port${fixedIp ? ` with fixed IP ${fixedIp}` : ''} yet`, { retryAfter: 5 });
  const updated = await port.updateNeutron(NeutronKind.floatingIp, fip.id, { port_id: target.id, ...(fixedIp ? { fixed_ip_address: fixedIp } : {}) });
  const address = updated.floating_ip_address as string;
  Object.assign(server.entity.instance.runtimeProperties, { public_ip: address, public_ip_address: address });
  Object.assign(fip.entity.instance.runtimeProperties, { port_id: target.id, server_id: server.id });
  ctx.logger.info(`floating IP ${address} -> server ${server.id} (port ${target.id})`);
};

const disconnectServerFloatingIp: OperationHandler = async (ctx) => {
  const fip = endIfRecorded(ctx, families.floatingIp, 'floating IP');
  const server = endIfRecorded(ctx, families.server, 'server');
  if (fip) await ignoreGone(portOf(ctx).updateNeutron(NeutronKind.floatingIp, fip.id, { port_id: null }));
  if (server) for (const k of ['public_ip', 'public_ip_address']) delete server.entity.instance.runtimeProperties[k];
  if (fip) for (const k of ['port_id', 'server_id']) delete fip.entity.instance.runtimeProperties[k];
};

const connectPortFloatingIp: OperationHandler = async (ctx) => {
  const p = end(ctx, families.port, 'port');
  const fip = end(ctx, families.floatingIp, 'floating IP');
  const updated = await portOf(ctx).updateNeutron(NeutronKind.floatingIp, fip.id, { port_id: p.id });
  fip.entity.instance.runtimeProperties.port_id = p.id;
  ctx.logger.info(`floating IP ${String(updated.floating_ip_address)} -> port ${p.id}`);
};

const disconnectPortFloatingIp: OperationHandler = async (ctx) => {
  const fip = endIfRecorded(ctx, families.floatingIp, 'floating IP');
  if (!fip) return;
  await ignoreGone(portOf(ctx).updateNeutron(NeutronKind.floatingIp, fip.id, { port_id: null }));
  delete fip.entity.instance.runtimeProperties.port_id;
};

// ---------------------------------------------------------------- security groups

const connectServerSecurityGroup: OperationHandler = async (ctx) => {
  const server = end(ctx, families.server, 'server');
  const sg = end(ctx, families.securityGroup, 'security group');
  const port = portOf(ctx);
  const ports = await serverPorts(port, server.id);
  if (ports.length && ports.every((p) => (p.security_groups as string[]).includes(sg.id))) return;
  await port.serverAction(server.id, { addSecurityGroup: { name: sg.id } });
  ctx.logger.info(`security group ${sg.id} added to server ${server.id}`);
};

const disconnectServerSecurityGroup: OperationHandler = async (ctx) => {
  const server = endIfRecorded(ctx, families.server, 'server');
  const sg = endIfRecorded(ctx, families.securityGroup, 'security group');
  if (!server || !sg) return;
  const port = portOf(ctx);
  if (!(await port.getServer(server.id))) return;
  const ports = await serverPorts(port, server.id);
  if (!ports.some((p) => (p.security_groups as string[]).includes(sg.id))) return;
  await ignoreGone(port.serverAction(server.id, { removeSecurityGroup: { name: sg.id } }));
};

async function setPortGroups(ctx: OperationContext, add: boolean): Promise<void> {
  const p = add ? end(ctx, families.port, 'port') : endIfRecorded(ctx, families.port, 'port');
  const sg = add ? end(ctx, families.securityGroup, 'security group') : endIfRecorded(ctx, families.securityGroup, 'security group');
  if (!p || !sg) return;
  const port = portOf(ctx);
  const current = await port.getNeutron(NeutronKind.port, p.id);
  if (!current) return;
  const groups = new Set(current.security_groups as string[]);
  if (add === groups.has(sg.id)) return;
  if (add) groups.add(sg.id);
  else groups.delete(sg.id);
  await port.updateNeutron(NeutronKind.port, p.id, { security_groups: [...groups] });
}

// ---------------------------------------------------------------- router interfaces

const addRouterInterface: OperationHandler = async (ctx) => {
  const router = end(ctx, families.router, 'router');
  const subnet = end(ctx, families.subnet, 'subnet');
  const port = portOf(ctx);
  const ports = await port.listNeutron(NeutronKind.port, { device_id: router.id });
  if (ports.some((p) => (p.fixed_ips as { subnet_id: string }[]).some((f) => f.subnet_id === subnet.id))) return;
  await port.addRouterInterface(router.id, { subnet_id: subnet.id });
  ctx.logger.info(`router ${router.id}: interface on subnet ${subnet.id}`);
};

const removeRouterInterface: OperationHandler = async (ctx) => {
  const router = endIfRecorded(ctx, families.router, 'router');
  const subnet = endIfRecorded(ctx, families.subnet, 'subnet');
  if (!router || !subnet) return;
  await portOf(ctx).removeRouterInterface(router.id, { subnet_id: subnet.id });
};

// ---------------------------------------------------------------- server ports

const connectServerPort: OperationHandler = async (ctx) => {
  const server = end(ctx, families.server, 'server');
  const p = end(ctx, families.port, 'port');
  const port = portOf(ctx);
  const current = await port.getNeutron(NeutronKind.port, p.id);
  if (current?.device_id === server.id) return;
  await port.attachInterface(server.id, p.id);
  const s = await port.getServer(server.id);
  if (s) publishAddresses(ctx, s, server.entity.instance.runtimeProperties);
};

const disconnectServerPort: OperationHandler = async (ctx) => {
  const server = endIfRecorded(ctx, families.server, 'server');
  const p = endIfRecorded(ctx, families.port, 'port');
  if (!server || !p) return;
  const port = portOf(ctx);
  const current = await port.getNeutron(NeutronKind.port, p.id);
  if (current?.device_id === server.id && (await port.getServer(server.id))) await port.detachInterface(server.id, p.id);
};

// ---------------------------------------------------------------- volumes

const attachVolume: OperationHandler = async (ctx) => {
  const volume = end(ctx, families.volume, 'volume');
  const server = end(ctx, families.server, 'server');
  const port = portOf(ctx);
  const attached = (await port.listVolumeAttachments(server.id)).find((a) => a.volumeId === volume.id);
  const device = str(volume.entity.node.properties.device_name);
  const a = attached ?? (await port.attachVolume(server.id, volume.id, device && device !== 'auto' ? device : undefined));
  await waitVolume(ctx, port, volume.id, ['in-use'], 'attaching');
  Object.assign(volume.entity.instance.runtimeProperties, { attachment_id: a.id, attached_to: server.id, device: a.device ?? null });
  ctx.logger.info(`volume ${volume.id} attached to server ${server.id}${a.device ? ` as ${a.device}` : ''}`);
};

const detachVolume: OperationHandler = async (ctx) => {
  const volume = endIfRecorded(ctx, families.volume, 'volume');
  const server = endIfRecorded(ctx, families.server, 'server');
  if (!volume || !server) return;
  const port = portOf(ctx);
  const attached = (await port.listVolumeAttachments(server.id)).find((a) => a.volumeId === volume.id);
  if (attached) {
    await port.detachVolume(server.id, volume.id);
    await waitVolume(ctx, port, volume.id, ['available', 'gone'], 'detaching');
  }
  for (const k of ['attachment_id', 'attached_to', 'device']) delete volume.entity.instance.runtimeProperties[k];
};

export const relationshipOperations: Record<string, OperationHandler> = {
  'server.connect_floating_ip': operation('server.connect_floating_ip', connectServerFloatingIp),
  'server.disconnect_floating_ip': operation('server.disconnect_floating_ip', disconnectServerFloatingIp),
  'server.connect_security_group': operation('server.connect_security_group', connectServerSecurityGroup),
  'server.disconnect_security_group': operation('server.disconnect_security_group', disconnectServerSecurityGroup),
  'server.connect_port': operation('server.connect_port', connectServerPort),
  'server.disconnect_port': operation('server.disconnect_port', disconnectServerPort),
  'server.attach_volume': operation('server.attach_volume', attachVolume),
  'server.detach_volume': operation('server.detach_volume', detachVolume),
  'port.connect_security_group': operation('port.connect_security_group', (ctx) => setPortGroups(ctx, true)),
  'port.disconnect_security_group': operation('port.disconnect_security_group', (ctx) => setPortGroups(ctx, false)),
  'port.connect_floating_ip': operation('port.connect_floating_ip', connectPortFloatingIp),
  'port.disconnect_floating_ip': operation('port.disconnect_floating_ip', disconnectPortFloatingIp),
  'router.add_interface': operation('router.add_interface', addRouterInterface),
  'router.remove_interface': operation('router.remove_interface', removeRouterInterface),
};
