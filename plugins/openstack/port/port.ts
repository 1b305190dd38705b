/**
 * The OpenStack port: every call the plugin makes to a cloud goes through this one typed
 * interface, so tests, retries and a future replacement of pkgcloud touch one place.
 *
 * Transport per call: pkgcloud 2.2.0 for compute, images and the Neutron resources it
 * knows (networks, subnets, ports, security groups and rules); the plugin's own
 * authenticated requests (session.ts) for what pkgcloud lacks: routers, router interfaces,
 * floating IPs and Cinder v3 volumes. pkgcloud's typed helpers drop fields the plugin
 * needs on create (availability_zone, arbitrary Neutron attributes), so creates go through
 * pkgcloud's authenticated `_request` with the full body.
 */
import { FailureKind, OpenStackApiError } from './errors';
import { createPkgcloudClients, pkgcloudCall, type PkgcloudCallback, type PkgcloudClients } from './pkgcloud-adapter';
import { sessionFor, type ServiceName, type Session } from './session';
import type { CloudConfig } from './credentials';
import { describeCloud } from './credentials';
import {
  NeutronKind,
  neutronMember,
  type Flavor,
  type Image,
  type Keypair,
  type NeutronResource,
  type Server,
  type Volume,
  type VolumeAttachment,
} from './types';
import { sleep } from './wait';

/** Retry settings for transient failures inside one operation attempt. */
export interface RetryPolicy {
  /** Extra attempts after the first. @default 2 */
  retries: number;
  /** First back-off in ms (doubles each time). @default 1000 */
  baseDelayMs: number;
  /** Longest single wait, also the cap on Retry-After. @default 15000 */
  maxDelayMs: number;
}

const defaultRetry: RetryPolicy = { retries: 2, baseDelayMs: 1000, maxDelayMs: 15_000 };

/** Kinds pkgcloud's network client covers; the others go through our own requests. */
const pkgcloudNeutronKinds: ReadonlySet<NeutronKind> = new Set([
  NeutronKind.network,
  NeutronKind.subnet,
  NeutronKind.port,
  NeutronKind.securityGroup,
  NeutronKind.securityGroupRule,
]);

export class OpenStackPort {
  readonly session: Session;
  private readonly clients: PkgcloudClients;
  private readonly retry: RetryPolicy;
  private readonly signal: AbortSignal | undefined;

  constructor(config: CloudConfig, options: { signal?: AbortSignal; retry?: Partial<RetryPolicy>; session?: Session } = {}) {
    this.session = options.session ?? sessionFor(config);
    this.clients = createPkgcloudClients(this.session);
    this.retry = { ...defaultRetry, ...options.retry };
    this.signal = options.signal;
  }

  /** Which cloud/project/user this port acts as (no secrets). */
  get description(): string {
    return describeCloud(this.session.config);
  }

  /** The scoped project's id (authenticates if needed). */
  async projectId(): Promise<string> {
    return (await this.session.token(this.signal)).projectId;
  }

  // ------------------------------------------------------------------ compute (pkgcloud)

  async listFlavors(): Promise<Flavor[]> {
    return this.pkg('compute', 'GET', '/flavors', (c, cb) => call(c.compute, 'getFlavors', cb)).then((list) =>
      (list as { id: string; name: string }[]).map((f) => ({ id: f.id, name: f.name })),
    );
  }

  async listImages(): Promise<Image[]> {
    const list = await this.pkg('compute', 'GET', '/images/detail', (c, cb) => call(c.compute, 'getImages', cb));
    return (list as { id: string; name: string; status: string }[]).map((i) => ({ id: i.id, name: i.name, status: i.status }));
  }

  /** Finds a flavor by id or name; undefined when there is none. */
  async findFlavor(ref: string): Promise<Flavor | undefined> {
    const all = await this.listFlavors();
    return all.find((f) => f.id === ref) ?? all.find((f) => f.name === ref);
  }

  /** Finds an image by id or name; undefined when there is none. */
  async findImage(ref: string): Promise<Image | undefined> {
    const all = await this.listImages();
    return all.find((i) => i.id === ref) ?? all.find((i) => i.name === ref);
  }

  /** POST /servers with the full body; returns the new id as soon as Nova answers. */
  async createServer(server: Record<string, unknown>): Promise<{ id: string }> {
    const body = await this.pkg(
      'compute',
      'POST',
      '/servers',
      (c, cb) => c.compute._request({ method: 'POST', path: '/servers', body: { server } }, cb),
      { idempotent: false },
    );
    return { id: (body as { server: { id: string } }).server.id };
  }

  /** The server, or undefined when Nova says 404. */
  async getServer(id: string): Promise<Server | undefined> {
    const body = await this.orUndefined(
      this.pkg('compute', 'GET', `/servers/${id}`, (c, cb) => c.compute._request({ path: `/servers/${id}` }, cb)),
    );
    return (body as { server?: Server } | undefined)?.server;
  }

  async listServers(query: Record<string, string> = {}): Promise<Server[]> {
    const body = await this.pkg('compute', 'GET', '/servers/detail', (c, cb) =>
      c.compute._request({ path: '/servers/detail', qs: query }, cb),
    );
    return (body as { servers: Server[] }).servers;
  }

  /** Deletes a server; already gone is fine. */
  async deleteServer(id: string): Promise<void> {
    await this.orUndefined(this.pkg('compute', 'DELETE', `/servers/${id}`, (c, cb) => call(c.compute, 'destroyServer', cb, id)));
  }

  async serverAction(id: string, action: Record<string, unknown>): Promise<void> {
    await this.pkg('compute', 'POST', `/servers/${id}/action`, (c, cb) => call(c.compute, '_doServerAction', cb, id, action));
  }

  async createKeypair(name: string, publicKey?: string): Promise<Keypair> {
    const options: Record<string, string> = { name };
    if (publicKey) options.public_key = publicKey;
    return (await this.pkg('compute', 'POST', '/os-keypairs', (c, cb) => call(c.compute, 'addKey', cb, options), {
      idempotent: false,
    })) as Keypair;
  }

  async getKeypair(name: string): Promise<Keypair | undefined> {
    return this.orUndefined(
      this.pkg('compute', 'GET', `/os-keypairs/${name}`, (c, cb) => call(c.compute, 'getKey', cb, name)) as Promise<Keypair>,
    );
  }

  async deleteKeypair(name: string): Promise<void> {
    await this.orUndefined(this.pkg('compute', 'DELETE', `/os-keypairs/${name}`, (c, cb) => call(c.compute, 'destroyKey', cb, name)));
  }

  async attachVolume(serverId: string, volumeId: string, device?: string): Promise<VolumeAttachment> {
    const path = `/servers/${serverId}/os-volume_attachments`;
    const body = await this.pkg(
      'compute',
      'POST',
      path,
      (c, cb) => c.compute._request({ method: 'POST', path, body: { volumeAttachment: { volumeId, ...(device ? { device } : {}) } } }, cb),
      { idempotent: false },
    );
    const a = (body as { volumeAttachment: { id: string; serverId: string; volumeId: string; device?: string } }).volumeAttachment;
    return { id: a.id, serverId: a.serverId, volumeId: a.volumeId, ...(a.device ? { device: a.device } : {}) };
  }

  async listVolumeAttachments(serverId: string): Promise<VolumeAttachment[]> {
    const list = await this.orUndefined(
      this.pkg('compute', 'GET', `/servers/${serverId}/os-volume_attachments`, (c, cb) => call(c.compute, 'getVolumeAttachments', cb, serverId)),
    );
    return ((list ?? []) as { id: string; serverId: string; volumeId: string; device?: string }[]).map((a) => ({
      id: a.id,
      serverId: a.serverId,
      volumeId: a.volumeId,
      ...(a.device ? { device: a.device } : {}),
    }));
  }

  async detachVolume(serverId: string, volumeId: string): Promise<void> {
    await this.orUndefined(
      this.pkg('compute', 'DELETE', `/servers/${serverId}/os-volume_attachments/${volumeId}`, (c, cb) =>
        call(c.compute, 'detachVolume', cb, serverId, volumeId),
      ),
    );
  }

  /** Plugs an existing Neutron port into a server. */
  async attachInterface(serverId: string, portId: string): Promise<void> {
    const path = `/servers/${serverId}/os-interface`;
    await this.pkg('compute', 'POST', path, (c, cb) => c.compute._request({ method: 'POST', path, body: { interfaceAttachment: { port_id: portId } } }, cb), {
      idempotent: false,
    });
  }

  /** Unplugs a port from a server; already unplugged (404) is fine. */
  async detachInterface(serverId: string, portId: string): Promise<void> {
    const path = `/servers/${serverId}/os-interface/${portId}`;
    await this.orUndefined(this.pkg('compute', 'DELETE', path, (c, cb) => c.compute._request({ method: 'DELETE', path }, cb)));
  }

  // ------------------------------------------------------------------ network

  /** Creates a Neutron resource from the full body (member wrapper added here). */
  async createNeutron(kind: NeutronKind, attributes: Record<string, unknown>): Promise<NeutronResource> {
    const member = neutronMember(kind);
    const body = await this.neutron(kind, 'POST', `/${kind}`, { [member]: attributes }, false);
    return (body as Record<string, NeutronResource>)[member] as NeutronResource;
  }

  async getNeutron(kind: NeutronKind, id: string): Promise<NeutronResource | undefined> {
    const body = await this.orUndefined(this.neutron(kind, 'GET', `/${kind}/${id}`));
    return body === undefined ? undefined : (body as Record<string, NeutronResource>)[neutronMember(kind)];
  }

  async listNeutron(kind: NeutronKind, query: Record<string, string | boolean> = {}): Promise<NeutronResource[]> {
    const body = await this.neutron(kind, 'GET', `/${kind}`, undefined, true, query);
    return (body as Record<string, NeutronResource[]>)[kind.replace(/-/g, '_')] ?? [];
  }

  async updateNeutron(kind: NeutronKind, id: string, attributes: Record<string, unknown>): Promise<NeutronResource> {
    const member = neutronMember(kind);
    const body = await this.neutron(kind, 'PUT', `/${kind}/${id}`, { [member]: attributes });
    return (body as Record<string, NeutronResource>)[member] as NeutronResource;
  }

  /** Deletes a Neutron resource; already gone is fine. */
  async deleteNeutron(kind: NeutronKind, id: string): Promise<void> {
    await this.orUndefined(this.neutron(kind, 'DELETE', `/${kind}/${id}`));
  }

  async addRouterInterface(routerId: string, target: { subnet_id: string } | { port_id: string }): Promise<{ port_id: string }> {
    return (await this.neutron(NeutronKind.router, 'PUT', `/routers/${routerId}/add_router_interface`, target)) as { port_id: string };
  }

  /** Removes a router interface; already removed (404) is fine. */
  async removeRouterInterface(routerId: string, target: { subnet_id: string } | { port_id: string }): Promise<void> {
    await this.orUndefined(this.neutron(NeutronKind.router, 'PUT', `/routers/${routerId}/remove_router_interface`, target));
  }

  // ------------------------------------------------------------------ volumes (Cinder v3, own requests)

  async createVolume(volume: Record<string, unknown>): Promise<Volume> {
    const body = await this.own('volume', 'POST', '/volumes', { volume }, false);
    return (body as { volume: Volume }).volume;
  }

  async getVolume(id: string): Promise<Volume | undefined> {
    const body = await this.orUndefined(this.own('volume', 'GET', `/volumes/${id}`));
    return (body as { volume: Volume } | undefined)?.volume;
  }

  async listVolumes(query: Record<string, string> = {}): Promise<Volume[]> {
    return ((await this.own('volume', 'GET', '/volumes/detail', undefined, true, query)) as { volumes: Volume[] }).volumes;
  }

  async deleteVolume(id: string): Promise<void> {
    await this.orUndefined(this.own('volume', 'DELETE', `/volumes/${id}`));
  }

  // ------------------------------------------------------------------ plumbing

  private neutron(
    kind: NeutronKind,
    method: string,
    path: string,
    body?: unknown,
    idempotent = method !== 'POST',
    query?: Record<string, string | boolean>,
  ): Promise<unknown> {
    if (!pkgcloudNeutronKinds.has(kind)) return this.own('network', method, path, body, idempotent, query);
    const shown = path + (query && Object.keys(query).length ? `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()}` : '');
    return this.pkg(
      'network',
      method,
      shown,
      (c, cb) => c.network._request({ method, path, ...(body === undefined ? {} : { body }), ...(query ? { qs: query } : {}) }, cb),
      { idempotent },
    );
  }

  private own(
    service: ServiceName,
    method: string,
    path: string,
    body?: unknown,
    idempotent = method !== 'POST',
    query?: Record<string, string | boolean>,
  ): Promise<unknown> {
    return this.withRetry(
      () =>
        this.session.request(service, method, path, {
          ...(body === undefined ? {} : { body }),
          ...(query ? { query } : {}),
          ...(this.signal ? { signal: this.signal } : {}),
        }),
      idempotent,
    );
  }

  private pkg(
    service: ServiceName,
    method: string,
    path: string,
    invoke: (clients: PkgcloudClients, cb: PkgcloudCallback) => unknown,
    options: { idempotent?: boolean } = {},
  ): Promise<unknown> {
    return this.withRetry(
      () =>
        pkgcloudCall(this.session, service, { method, path }, (cb) => invoke(this.clients, cb) as { abort?: () => void } | undefined, this.signal),
      options.idempotent ?? method !== 'POST',
    );
  }

  /**
   * Retries transient failures with exponential back-off, honouring Retry-After. A
   * non-idempotent request (a create) is retried only when the cloud said it did not
   * take it (429/503); a dropped connection after sending might have created something.
   */
  private async withRetry<T>(fn: () => Promise<T>, idempotent: boolean): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof OpenStackApiError) || e.kind !== FailureKind.transient || attempt >= this.retry.retries) throw e;
        if (!idempotent && e.status !== 429 && e.status !== 503) throw e;
        const backoff = this.retry.baseDelayMs * 2 ** attempt;
        await sleep(Math.min(this.retry.maxDelayMs, e.retryAfter !== undefined ? e.retryAfter * 1000 : backoff), this.signal);
      }
    }
  }

  /** 404 -> undefined; everything else propagates. */
  private async orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof OpenStackApiError && e.kind === FailureKind.notFound) return undefined;
      throw e;
    }
  }
}

/** Calls a pkgcloud client method by name with the callback last. */
function call(client: object, method: string, cb: PkgcloudCallback, ...args: unknown[]): unknown {
  const fn = (client as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new Error(`pkgcloud client has no ${method}`);
  return (fn as (...a: unknown[]) => unknown).call(client, ...args, cb);
}
