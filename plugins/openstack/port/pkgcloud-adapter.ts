/**
 * pkgcloud 2.2.0 clients (compute and network) that share the plugin's Keystone session:
 * pkgcloud accepts an `identity` constructor, so instead of authenticating on its own it
 * asks our Session for the token and the catalog endpoint. One token per cloud identity,
 * whichever library makes the request.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { cloudMessageOf, FailureKind, OpenStackApiError, parseRetryAfter } from './errors';
import type { ServiceName, Session } from './session';

/** The parts of a pkgcloud OpenStack client the port uses. */
export interface PkgcloudClient {
  _request(
    options: { method?: string; path: string; body?: unknown; qs?: Record<string, unknown> },
    callback: PkgcloudCallback,
  ): Abortable | undefined;
  failCodes: Record<string, string>;
  before: ((req: Record<string, unknown>) => unknown)[];
  [method: string]: unknown;
}
export type PkgcloudCallback = (err: PkgcloudError | null, body?: unknown, res?: unknown) => void;
interface Abortable {
  abort?: () => void;
}
interface PkgcloudError extends Error {
  statusCode?: number;
  result?: unknown;
  method?: string;
  href?: string;
  headers?: Record<string, string>;
  code?: string;
}
interface PkgcloudModule {
  compute: { createClient(options: Record<string, unknown>): PkgcloudClient };
  network: { createClient(options: Record<string, unknown>): PkgcloudClient };
}

const require = createRequire(import.meta.url);
let pkgcloud: PkgcloudModule | undefined;
function load(): PkgcloudModule {
  // Loaded on first use: pkgcloud pulls in many providers' SDKs.
  pkgcloud ??= require('pkgcloud') as PkgcloudModule;
  return pkgcloud;
}

/** A pkgcloud identity that delegates to our Session (see pkgcloud openstack/client.js). */
function identityBridge(session: Session): EventEmitter {
  const bridge = new EventEmitter();
  Object.defineProperty(bridge, 'token', {
    get() {
      const t = session.peekToken();
      return t ? { id: t.id, expires: t.expiresAt, tenant: { id: t.projectId, name: t.projectName } } : undefined;
    },
  });
  Object.assign(bridge, {
    authorize(cb: (err?: unknown) => void) {
      session.token().then(() => cb(), cb);
    },
    getServiceEndpointUrl(options: { serviceType: string }) {
      return session.endpointNow(options.serviceType === 'network' ? 'network' : 'compute');
    },
  });
  return bridge;
}

export interface PkgcloudClients {
  compute: PkgcloudClient;
  network: PkgcloudClient;
}

/** pkgcloud compute and network clients bound to a session. */
export function createPkgcloudClients(session: Session): PkgcloudClients {
  const c = session.config;
  const options = {
    provider: 'openstack',
    authUrl: c.authUrl,
    keystoneAuthVersion: 'v3',
    username: c.username ?? c.userId,
    password: 'unused: the identity bridge authenticates',
    region: c.regionName,
    strictSSL: c.tls.insecure !== true,
    useInternal: c.interface === 'internal',
    useAdmin: c.interface === 'admin',
    // pkgcloud calls `new identity(...)`; a constructor that returns an object yields it.
    identity: function IdentityBridge() {
      return identityBridge(session);
    },
  };
  const lib = load();
  const clients = { compute: lib.compute.createClient(options), network: lib.network.createClient(options) };
  for (const client of Object.values(clients)) {
    // pkgcloud treats unknown statuses as success; these must be errors (and retried).
    client.failCodes = { ...client.failCodes, 429: 'Too Many Requests', 502: 'Bad Gateway', 504: 'Gateway Timeout' };
    if (c.tls.ca) {
      const ca = c.tls.ca;
      client.before.push((req) => {
        req.ca = ca;
      });
    }
  }
  return clients;
}

/**
 * Runs one pkgcloud call as a promise: abortable through the signal, its errors turned
 * into OpenStackApiError naming the request, and retried once with a fresh token on 401.
 */
export async function pkgcloudCall<T>(
  session: Session,
  service: ServiceName,
  request: { method: string; path: string },
  invoke: (cb: PkgcloudCallback) => Abortable | undefined,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const tokenBefore = session.peekToken()?.id;
    try {
      return await new Promise<T>((resolve, reject) => {
        if (signal?.aborted) return reject(abortError());
        const handle = invoke((err, body) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve(body as T);
        });
        function onAbort(): void {
          handle?.abort?.();
          reject(abortError());
        }
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } catch (e) {
      if (e instanceof OpenStackApiError || (e instanceof Error && e.name === 'AbortError')) throw e;
      const err = e as PkgcloudError;
      if (err.statusCode === 401 && attempt === 0) {
        session.invalidate(tokenBefore);
        continue;
      }
      if (typeof err.statusCode === 'number') {
        throw new OpenStackApiError({
          service,
          method: request.method,
          path: request.path,
          status: err.statusCode,
          cloudMessage: cloudMessageOf(err.result, err.message),
          retryAfter: parseRetryAfter(err.headers?.['retry-after']),
        });
      }
      // No HTTP answer: refused, reset, DNS... (or pkgcloud's own validation error)
      const transport = typeof err.code === 'string';
      throw new OpenStackApiError({
        service,
        method: request.method,
        path: request.path,
        status: 0,
        cloudMessage: err.message,
        kind: transport ? FailureKind.transient : FailureKind.fatal,
      });
    }
  }
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}
