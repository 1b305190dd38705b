/**
 * A Keystone v3 session: one token per cloud identity, reused by every operation in this
 * process until it is about to expire, dropped and renewed once when a service answers 401.
 * Also the catalog lookup (service type + interface + region) and the plugin's own
 * authenticated requests for the APIs pkgcloud lacks.
 */
import { createHash } from 'node:crypto';
import { CloudConfigError, type CloudConfig } from './credentials';
import { cloudMessageOf, FailureKind, OpenStackApiError, parseRetryAfter } from './errors';
import { httpRequest, ConnectionError, type HttpResponse } from './http';

/** The services the plugin talks to, and the catalog types that provide each. */
export const serviceTypes = {
  compute: ['compute'],
  network: ['network'],
  image: ['image'],
  volume: ['block-storage', 'volumev3', 'volume'],
} as const;
export type ServiceName = keyof typeof serviceTypes;

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

/** A valid token and what came with it. */
export interface Token {
  id: string;
  expiresAt: Date;
  projectId: string;
  projectName: string;
  userId: string;
  catalog: CatalogEntry[];
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** Renew this long before Keystone's expiry, so a token never dies mid-operation. */
const EARLY_RENEW_MS = 5 * 60_000;

export class Session {
  readonly config: CloudConfig;
  private current: Token | undefined;
  private pending: Promise<Token> | undefined;
  /** Counts Keystone authentications (tests check token reuse with it). */
  authCount = 0;

  constructor(config: CloudConfig) {
    this.config = config;
  }

  /** The current token, authenticating when there is none or it is about to expire. */
  async token(signal?: AbortSignal): Promise<Token> {
    const t = this.current;
    if (t && t.expiresAt.getTime() - Date.now() > EARLY_RENEW_MS) return t;
    // One authentication at a time: parallel operations share it.
    this.pending ??= this.authenticate(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The current token without authenticating (undefined when there is none or it expired). */
  peekToken(): Token | undefined {
    const t = this.current;
    return t && t.expiresAt.getTime() - Date.now() > EARLY_RENEW_MS ? t : undefined;
  }

  /** Endpoint from the current token's catalog (the caller has just authenticated). */
  endpointNow(service: ServiceName): string {
    if (!this.current) throw new CloudConfigError('not authenticated');
    return endpointFrom(this.current.catalog, service, this.config);
  }

  /** Forget a token the cloud rejected (only if it is still the current one). */
  invalidate(tokenId?: string): void {
    if (!tokenId || this.current?.id === tokenId) this.current = undefined;
  }

  /** Endpoint URL of a service from the catalog, without a trailing slash. */
  async endpoint(service: ServiceName, signal?: AbortSignal): Promise<string> {
    return endpointFrom((await this.token(signal)).catalog, service, this.config);
  }

  /**
   * An authenticated JSON request to a service; `path` is relative to the service's
   * endpoint (for the network service, relative to `/v2.0`). Retries once after a 401
   * with a fresh token; any other non-2xx becomes an OpenStackApiError.
   */
  async request<T = unknown>(service: ServiceName, method: string, path: string, options: RequestOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(options.signal);
      let base = endpointFrom(token.catalog, service, this.config);
      if (service === 'network' && !/\/v2\.0$/.test(base)) base += '/v2.0';
      const url = base + path + queryString(options.query);
      let res: HttpResponse;
      try {
        res = await httpRequest({
          method,
          url,
          headers: { 'X-Auth-Token': token.id, ...options.headers },
          body: options.body,
          signal: options.signal,
          tls: this.config.tls,
        });
      } catch (e) {
        if (e instanceof ConnectionError) {
          throw new OpenStackApiError({ service, method, path, status: 0, cloudMessage: e.message, kind: FailureKind.transient });
        }
        throw e;
      }
      if (res.status === 401 && attempt === 0) {
        this.invalidate(token.id);
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res.body as T;
      throw new OpenStackApiError({
        service,
        method,
        path,
        status: res.status,
        cloudMessage: cloudMessageOf(res.body, `HTTP ${res.status}`),
        retryAfter: parseRetryAfter(res.headers['retry-after']),
      });
    }
  }

  private async authenticate(signal?: AbortSignal): Promise<Token> {
    const c = this.config;
    const user: Record<string, unknown> = { password: c.password };
    if (c.userId) user.id = c.userId;
    else {
      user.name = c.username;
      user.domain = c.userDomainId ? { id: c.userDomainId } : { name: c.userDomainName };
    }
    const auth: Record<string, unknown> = { identity: { methods: ['password'], password: { user } } };
    if (c.projectId) auth.scope = { project: { id: c.projectId } };
    else if (c.projectName) {
      auth.scope = {
        project: { name: c.projectName, domain: c.projectDomainId ? { id: c.projectDomainId } : { name: c.projectDomainName } },
      };
    }
    const path = '/v3/auth/tokens';
    let res: HttpResponse;
    try {
      this.authCount++;
      res = await httpRequest({ method: 'POST', url: c.authUrl + path, body: { auth }, signal, tls: c.tls });
    } catch (e) {
      if (e instanceof ConnectionError) {
        throw new OpenStackApiError({ service: 'identity', method: 'POST', path, status: 0, cloudMessage: `${c.authUrl}: ${e.message}`, kind: FailureKind.transient });
      }
      throw e;
    }
    const tokenId = res.headers['x-subject-token'];
    if (res.status !== 201 || typeof tokenId !== 'string') {
      const who = `user ${c.username ?? c.userId} (domain ${c.userDomainName ?? c.userDomainId ?? '-'}), project ${c.projectName ?? c.projectId ?? '-'}`;
      throw new OpenStackApiError({
        service: 'identity',
        method: 'POST',
        path,
        status: res.status,
        cloudMessage: `authentication failed for ${who} at ${c.authUrl}: ${cloudMessageOf(res.body, `HTTP ${res.status}`)}`,
        retryAfter: parseRetryAfter(res.headers['retry-after']),
        ...(res.status === 401 || res.status === 403 || res.status === 404 ? { kind: FailureKind.auth } : {}),
      });
    }
    const body = res.body as {
      token: {
        expires_at: string;
        project?: { id: string; name: string };
        user: { id: string };
        catalog?: CatalogEntry[];
      };
    };
    const token: Token = {
      id: tokenId,
      expiresAt: new Date(body.token.expires_at),
      projectId: body.token.project?.id ?? '',
      projectName: body.token.project?.name ?? '',
      userId: body.token.user.id,
      catalog: body.token.catalog ?? [],
    };
    this.current = token;
    return token;
  }
}

function endpointFrom(catalog: CatalogEntry[], service: ServiceName, c: CloudConfig): string {
  const override = c.endpointOverrides?.[service];
  if (override) return override;
  for (const type of serviceTypes[service]) {
    const entry = catalog.find((e) => e.type === type);
    if (!entry) continue;
    const ep = entry.endpoints.find(
      (e) => e.interface === c.interface && (!c.regionName || e.region_id === c.regionName || e.region === c.regionName),
    );
    if (ep) return ep.url.replace(/\/+$/, '');
  }
  throw new CloudConfigError(
    `no ${service} endpoint (${serviceTypes[service].join('/')}, interface ${c.interface}${c.regionName ? `, region ${c.regionName}` : ''}) in the service catalog`,
  );
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

const sessions = new Map<string, Session>();

/** The process-wide session for a cloud identity (token reuse across operations). */
export function sessionFor(config: CloudConfig): Session {
  const key = createHash('sha256').update(JSON.stringify(config)).digest('hex');
  let s = sessions.get(key);
  if (!s) {
    s = new Session(config);
    sessions.set(key, s);
  }
  return s;
}
