/**
 * What went wrong talking to OpenStack, as data: which request (service, method, path), the
 * HTTP status and the cloud's own message. The operation layer turns these into the SDK's
 * Recoverable/NonRecoverable failures; nothing here knows about operations.
 */

/** How a failed request should be treated. */
export const FailureKind = {
  /** Credentials rejected (after one re-authentication). */
  auth: 'auth',
  notFound: 'not-found',
  /** A quota would be exceeded: retrying cannot help until someone raises it. */
  quota: 'quota',
  /** 409/429/5xx or a dropped connection: worth retrying later. */
  transient: 'transient',
  /** Anything else (400, 403, 422, ...): retrying the same request cannot help. */
  fatal: 'fatal',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** A request to an OpenStack API that did not succeed. */
export class OpenStackApiError extends Error {
  override readonly name = 'OpenStackApiError';
  readonly service: string;
  readonly method: string;
  /** Path relative to the service endpoint (no host, no token). */
  readonly path: string;
  /** 0 when the request never got an HTTP answer. */
  readonly status: number;
  readonly kind: FailureKind;
  /** The cloud's own message (e.g. the Nova fault or Neutron error message). */
  readonly cloudMessage: string;
  /** Seconds, from a Retry-After header. */
  readonly retryAfter: number | undefined;
  /** The quota named in a quota error (e.g. `instances`, `floatingip`). */
  readonly quota: string | undefined;
  constructor(init: {
    service: string;
    method: string;
    path: string;
    status: number;
    cloudMessage: string;
    retryAfter?: number;
    kind?: FailureKind;
  }) {
    const quota = quotaName(init.status, init.cloudMessage);
    const kind = init.kind ?? classify(init.status, quota !== undefined);
    super(
      `${init.method} ${init.service} ${init.path} -> ${init.status === 0 ? 'no response' : init.status}: ${init.cloudMessage}`,
    );
    this.service = init.service;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.cloudMessage = init.cloudMessage;
    this.retryAfter = init.retryAfter;
    this.quota = quota;
    this.kind = kind;
  }
  /** `METHOD service path`, for messages. */
  get request(): string {
    return `${this.method} ${this.service} ${this.path}`;
  }
}

function classify(status: number, isQuota: boolean): FailureKind {
  if (isQuota) return FailureKind.quota;
  if (status === 401) return FailureKind.auth;
  if (status === 404) return FailureKind.notFound;
  if (status === 0 || status === 409 || status === 429 || status >= 500) return FailureKind.transient;
  return FailureKind.fatal;
}

/**
 * Finds the quota a cloud message is about. Nova: "Quota exceeded for instances: Requested
 * 1, but already used 2 of 2 instances"; Neutron (409 OverQuota): "Quota exceeded for
 * resources: ['floatingip']."; Cinder (413): "... exceeded for quota 'volumes'".
 */
export function quotaName(status: number, message: string): string | undefined {
  if (!/quota|over ?limit/i.test(message) || status === 404) return undefined;
  const patterns = [
    /quota exceeded for resources:\s*\[?'?([\w-]+)/i,
    /quota exceeded for ([\w-]+)/i,
    /for quota '([\w-]+)'/i,
    /quota[^\w]+([\w-]+)[^\w]+exceeded/i,
  ];
  for (const p of patterns) {
    const m = p.exec(message);
    if (m?.[1]) return m[1];
  }
  return 'unknown';
}

/** Pulls the human message out of the many OpenStack error body shapes. */
export function cloudMessageOf(body: unknown, fallback: string): string {
  if (typeof body === 'string') return body.trim().slice(0, 500) || fallback;
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    // Neutron: {NeutronError: {type, message}}; Keystone: {error: {message}};
    // Nova/Cinder: {itemNotFound|badRequest|forbidden|overLimit|conflictingRequest: {message}}
    for (const value of Object.values(b)) {
      if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
        return (value as { message: string }).message;
      }
    }
    if (typeof b.message === 'string') return b.message;
    if (typeof b.faultstring === 'string') return b.faultstring;
  }
  return fallback;
}

/** Retry-After as seconds (delta-seconds or an HTTP date). */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
