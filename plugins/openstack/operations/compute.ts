/**
 * Node operations of servers and key pairs. A server create records the id Nova returns
 * before waiting for ACTIVE, and first adopts a server it recorded (or created and could
 * not record: same name and the instance's metadata tag), so a resumed execution never
 * creates a second one.
 */
import { NonRecoverableError, type OperationContext, type OperationHandler, type Value } from '../../sdk';
import type { OpenStackPort } from '../port/port';
import type { Server } from '../port/types';
import { pollUntil } from '../port/wait';
import {
  families,
  forget,
  operation,
  portFor,
  progressLogger,
  record,
  recordedId,
  relatedTargets,
  resourceSpec,
  str,
  type Dict,
  recordCloud,
} from './common';
import { findNeutron } from './neutron-resources';
import { NeutronKind } from '../port/types';

const serverKeys = [
  'ip',
  'ipv4_address',
  'ipv4_addresses',
  'public_ip',
  'public_ip_address',
  'addresses',
  'networks',
  'server_status',
] as const;

/** Keys of resource_config handled explicitly; the rest goes to Nova as given. */
const handled = new Set(['id', 'name', 'image_id', 'imageRef', 'image', 'flavor_id', 'flavorRef', 'flavor', 'networks', 'key_name', 'security_groups', 'user_data', 'userdata', 'metadata', 'meta']);

const isBase64 = (s: string): boolean => /^[A-Za-z0-9+/\r\n]+={0,2}$/.test(s) && s.replace(/\s/g, '').length % 4 === 0;

/** Writes the server's addresses as runtime properties (ip = first fixed IPv4). */
export function publishAddresses(ctx: OperationContext, server: Server, rp = ctx.instance.runtimeProperties): void {
  const all = Object.entries(server.addresses ?? {});
  const fixed4 = all.flatMap(([, list]) => list.filter((a) => a.version === 4 && a['OS-EXT-IPS:type'] !== 'floating').map((a) => a.addr));
  const floating = all.flatMap(([, list]) => list.filter((a) => a['OS-EXT-IPS:type'] === 'floating').map((a) => a.addr));
  const usePublic = ctx.node.properties.use_public_ip === true;
  rp.ip = (usePublic ? floating[0] : undefined) ?? fixed4[0] ?? null;
  rp.ipv4_address = fixed4[0] ?? null;
  rp.ipv4_addresses = fixed4;
  rp.networks = all.map(([name]) => name);
  rp.addresses = JSON.parse(JSON.stringify(server.addresses ?? {})) as Value;
  rp.server_status = server.status;
  if (floating[0]) {
    rp.public_ip = floating[0];
    rp.public_ip_address = floating[0];
  }
}

/** Waits until the server is ACTIVE; ERROR fails with Nova's fault message. */
export async function waitActive(ctx: OperationContext, port: OpenStackPort, id: string): Promise<Server> {
  const log = progressLogger(ctx, `server ${id}`);
  const s = await pollUntil<Server>({
    what: `server ${id} ACTIVE`,
    read: () => port.getServer(id),
    done: (v) => v?.status === 'ACTIVE',
    failed: (v) =>
      v === undefined
        ? `server ${id} disappeared while waiting for ACTIVE`
        : v.status === 'ERROR'
          ? `server ${id} went to ERROR: ${v.fault?.message ?? 'no fault message'}${v.fault?.code ? ` (code ${v.fault.code})` : ''}`
          : undefined,
    progress: (v, ms) => log(v?.status, ms),
    signal: ctx.signal,
  });
  return s!;
}

async function waitGone(ctx: OperationContext, port: OpenStackPort, id: string): Promise<void> {
  const log = progressLogger(ctx, `server ${id} deleting`);
  // Nova shows status DELETED for a moment before the server disappears (404); wait for the
  // 404 so a listing right after the operation is exact, but accept a lingering DELETED.
  let deletedSince: number | undefined;
  await pollUntil<Server>({
    what: `server ${id} deleted`,
    read: () => port.getServer(id),
    done: (v) => {
      if (v?.status === 'DELETED') deletedSince ??= Date.now();
      return v === undefined || (deletedSince !== undefined && Date.now() - deletedSince > 60_000);
    },
    failed: (v) => (v?.status === 'ERROR' && v.fault ? `server ${id} failed to delete: ${v.fault.message}` : undefined),
    progress: (v, ms) => log(v?.status, ms),
    signal: ctx.signal,
  });
}

function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Nova's `networks` entries from the config and the server's relationships. */
async function networksFor(ctx: OperationContext, port: OpenStackPort, config: Dict): Promise<Dict[]> {
  const out: Dict[] = [];
  for (const n of (config.networks as Dict[] | undefined) ?? []) {
    const uuid = str(n.uuid) ?? str(n.network_id) ?? str(n['net-id']);
    const portId = str(n.port) ?? str(n.port_id);
    const entry: Dict = portId ? { port: portId } : uuid ? { uuid } : {};
    if (str(n.fixed_ip)) entry.fixed_ip = n.fixed_ip;
    if (Object.keys(entry).length) out.push(entry);
  }
  const legacy = str(ctx.node.properties.management_network_name);
  if (legacy) {
    const net = await findNeutron(port, NeutronKind.network, legacy);
    if (!net) throw new NonRecoverableError(`management network "${legacy}" not found`);
    out.push({ uuid: net.id });
  }
  for (const t of relatedTargets(ctx, families.port)) {
    const id = recordedId(t.instance);
    if (id && !out.some((e) => e.port === id)) out.push({ port: id });
  }
  for (const t of relatedTargets(ctx, families.network)) {
    const id = recordedId(t.instance);
    if (!id || out.some((e) => e.uuid === id)) continue;
    // A server is not plugged into an external network it is merely connected to (its floating IPs come from there).
    const n = await port.getNeutron(NeutronKind.network, id);
    if (n?.['router:external'] === true) continue;
    out.push({ uuid: id });
  }
  return out;
}

const createServer: OperationHandler = async (ctx) => {
  const port = portFor(ctx);
  const rp = ctx.instance.runtimeProperties;
  recordCloud(rp, port);
  const known = recordedId(ctx.instance);
  if (known) {
    const existing = await port.getServer(known);
    if (existing && existing.status !== 'DELETED') {
      ctx.logger.info(`server ${known} already recorded (${existing.status}): using it`);
      publishAddresses(ctx, existing.status === 'ACTIVE' || rp.external_resource === true ? existing : await waitActive(ctx, port, known));
      return;
    }
    if (rp.external_resource === true) throw new NonRecoverableError(`external server ${known} no longer exists`);
  }
  const spec = resourceSpec(ctx, 'server');
  const c = spec.config;
  const p = ctx.node.properties;
  if (spec.external) {
    const ref = spec.lookup;
    if (!ref) throw new NonRecoverableError('use_external_resource needs resource_config.id or a name (resource_id) to find the server');
    const found = (await port.getServer(ref)) ?? (await port.listServers({ name: `^${regexEscape(ref)}$` }))[0];
    if (found) {
      await record(ctx, found, 'server', true);
      publishAddresses(ctx, found);
      return;
    }
    if (!spec.createIfMissing) throw new NonRecoverableError(`external server "${ref}" not found (use_external_resource without create_if_missing)`);
  }
  const name = str(c.name) ?? ctx.instance.id;
  const tag = { trellis_deployment: ctx.deploymentId, trellis_instance: ctx.instance.id };
  // A previous attempt may have been killed after Nova accepted the create but before the
  // id was recorded: adopt that server instead of creating a second one.
  const orphan = (await port.listServers({ name: `^${regexEscape(name)}$` })).find(
    (s) => s.metadata?.trellis_instance === tag.trellis_instance && s.metadata?.trellis_deployment === tag.trellis_deployment,
  );
  if (orphan) {
    ctx.logger.info(`adopting server ${orphan.id} created by an interrupted attempt`);
    await record(ctx, orphan, 'server', false);
    publishAddresses(ctx, await waitActive(ctx, port, orphan.id));
    return;
  }

  const imageRef = str(c.image_id) ?? str(c.imageRef) ?? str(c.image) ?? str(p.image);
  const flavorRef = str(c.flavor_id) ?? str(c.flavorRef) ?? str(c.flavor) ?? str(p.flavor);
  if (!flavorRef) throw new NonRecoverableError('a server needs resource_config.flavor_id (or the legacy flavor property)');
  const flavor = await port.findFlavor(flavorRef);
  if (!flavor) {
    const names = (await port.listFlavors()).map((f) => f.name).join(', ');
    throw new NonRecoverableError(`unknown flavor "${flavorRef}" (this project sees: ${names || 'none'})`);
  }
  const server: Dict = {};
  for (const [k, v] of Object.entries(c)) if (!handled.has(k)) server[k] = v;
  server.name = name;
  server.flavorRef = flavor.id;
  if (imageRef) {
    const image = await port.findImage(imageRef);
    if (!image) {
      const names = (await port.listImages()).map((i) => i.name).join(', ');
      throw new NonRecoverableError(`unknown image "${imageRef}" (this project sees: ${names || 'none'})`);
    }
    server.imageRef = image.id;
  }
  const networks = await networksFor(ctx, port, c);
  if (networks.length) server.networks = networks;
  const keyName = str(c.key_name) ?? relatedTargets(ctx, families.keypair).map((t) => str(t.instance.runtimeProperties.name) ?? recordedId(t.instance))[0];
  if (keyName) server.key_name = keyName;
  const groups = [
    ...((c.security_groups as (string | Dict)[] | undefined) ?? []).map((g) => (typeof g === 'string' ? g : str(g.name))),
    ...relatedTargets(ctx, families.securityGroup).map((t) => recordedId(t.instance)),
  ].filter((g): g is string => g !== undefined);
  if (groups.length) server.security_groups = [...new Set(groups)].map((g) => ({ name: g }));
  const userData = str(c.user_data) ?? str(c.userdata);
  if (userData) server.user_data = isBase64(userData) ? userData : Buffer.from(userData, 'utf8').toString('base64');
  server.metadata = { ...((c.metadata ?? c.meta ?? {}) as Dict), ...tag };

  const created = await port.createServer(server);
  await record(ctx, { id: created.id, name }, 'server', false);
  ctx.logger.info(`server ${created.id} accepted by Nova; waiting for ACTIVE`);
  publishAddresses(ctx, await waitActive(ctx, port, created.id));
};

const startServer: OperationHandler = async (ctx) => {
  const id = recordedId(ctx.instance);
  if (!id) throw new NonRecoverableError('no server recorded: create did not run');
  const port = portFor(ctx);
  const s = await port.getServer(id);
  if (!s) throw new NonRecoverableError(`server ${id} no longer exists`);
  if (s.status === 'SHUTOFF') await port.serverAction(id, { 'os-start': null });
  publishAddresses(ctx, s.status === 'ACTIVE' ? s : await waitActive(ctx, port, id));
};

const stopServer: OperationHandler = async (ctx) => {
  const id = recordedId(ctx.instance);
  if (!id || ctx.instance.runtimeProperties.external_resource === true) return;
  const port = portFor(ctx);
  const s = await port.getServer(id);
  if (s?.status !== 'ACTIVE') return;
  await port.serverAction(id, { 'os-stop': null });
  await pollUntil<Server>({
    what: `server ${id} SHUTOFF`,
    read: () => port.getServer(id),
    done: (v) => v === undefined || v.status === 'SHUTOFF',
    progress: (v, ms) => progressLogger(ctx, `server ${id} stopping`)(v?.status, ms),
    signal: ctx.signal,
  });
  ctx.instance.runtimeProperties.server_status = 'SHUTOFF';
};

const deleteServer: OperationHandler = async (ctx) => {
  const id = recordedId(ctx.instance);
  if (!id) return;
  if (ctx.instance.runtimeProperties.external_resource === true) {
    ctx.logger.info(`server ${id} is external: not deleting it`);
  } else {
    const port = portFor(ctx);
    await port.deleteServer(id);
    await waitGone(ctx, port, id);
    ctx.logger.info(`deleted server ${id}`);
  }
  await forget(ctx, [...serverKeys]);
};

/** The secret that holds a generated key pair's private key. */
export function keypairSecretName(ctx: OperationContext): string {
  return `openstack-keypair-${ctx.deploymentId}-${ctx.instance.id}`;
}

const createKeypair: OperationHandler = async (ctx) => {
  const port = portFor(ctx);
  const rp = ctx.instance.runtimeProperties;
  recordCloud(rp, port);
  const known = recordedId(ctx.instance);
  if (known && (await port.getKeypair(known))) {
    ctx.logger.info(`key pair ${known} already recorded: using it`);
    return;
  }
  const spec = resourceSpec(ctx, 'keypair');
  const name = str(spec.config.name) ?? ctx.instance.id;
  if (spec.external) {
    const existing = await port.getKeypair(spec.lookup ?? name);
    if (existing) {
      await record(ctx, { id: existing.name, name: existing.name }, 'keypair', true, { fingerprint: existing.fingerprint, public_key: existing.public_key });
      return;
    }
    if (!spec.createIfMissing) throw new NonRecoverableError(`external key pair "${spec.lookup ?? name}" not found (use_external_resource without create_if_missing)`);
  }
  if (str(ctx.node.properties.private_key_path)) {
    ctx.logger.warn('private_key_path is not written: Trellis keeps private keys as secrets (see runtime property private_key_secret)');
  }
  const kp = await port.createKeypair(name, str(spec.config.public_key));
  const extra: Record<string, Value> = { fingerprint: kp.fingerprint, public_key: kp.public_key };
  if (kp.private_key) {
    const secret = keypairSecretName(ctx);
    await ctx.secrets.set(secret, kp.private_key);
    extra.private_key_secret = secret;
  }
  await record(ctx, { id: kp.name, name: kp.name }, 'keypair', false, extra);
  ctx.logger.info(`created key pair ${kp.name}${kp.private_key ? ' (private key stored as a secret)' : ' (imported public key)'}`);
};

const deleteKeypair: OperationHandler = async (ctx) => {
  const name = recordedId(ctx.instance);
  if (!name) return;
  const rp = ctx.instance.runtimeProperties;
  if (rp.external_resource === true) {
    ctx.logger.info(`key pair ${name} is external: not deleting it`);
  } else {
    await portFor(ctx).deleteKeypair(name);
    const secret = str(rp.private_key_secret);
    if (secret) await ctx.secrets.delete(secret);
  }
  await forget(ctx, ['fingerprint', 'public_key', 'private_key_secret']);
};

export const computeOperations: Record<string, OperationHandler> = {
  'server.create': operation('server.create', createServer),
  'server.start': operation('server.start', startServer),
  'server.stop': operation('server.stop', stopServer),
  'server.delete': operation('server.delete', deleteServer),
  'keypair.create': operation('keypair.create', createKeypair),
  'keypair.delete': operation('keypair.delete', deleteKeypair),
};
