/**
 * Turns what the Kubernetes client throws into the SDK's failures, with messages that name
 * the node, the operation and the cluster so a user can act on them (bad token, untrusted
 * certificate, invalid manifest, conflict) without reading a stack trace.
 */
import { ApiException } from '@kubernetes/client-node';
import { CancelledFailure, NonRecoverableError, OperationFailure, RecoverableError, type OperationContext } from '../sdk';

/** A Kubernetes `Status` failure body (the fields the plugin reads). */
export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
}

/** The HTTP status and Status body of a client error, if it came from the API server. */
export function apiStatus(error: unknown): { code: number; status: KubeStatus } | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const raw: unknown = error.body;
  let status: KubeStatus = {};
  if (typeof raw === 'string') {
    try {
      status = JSON.parse(raw) as KubeStatus;
    } catch {
      status = { message: raw };
    }
  } else if (typeof raw === 'object' && raw !== null) status = raw;
  return { code: error.code, status };
}

/** True when the API said 404 NotFound. */
export const isNotFound = (error: unknown) => apiStatus(error)?.code === 404;
/** True when the API said 409 (Conflict or AlreadyExists). */
export const isConflict = (error: unknown) => apiStatus(error)?.code === 409;

const TLS_CODES = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE']);

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The failure for an error of `action` (e.g. `apply Deployment default/web`) against
 * `server`. 401/403/400/422 and TLS errors cannot heal by retrying; 409 conflicts,
 * 404s, 5xx and network errors may.
 */
export function kubeFailure(ctx: Pick<OperationContext, 'node' | 'operation' | 'signal'>, server: string, action: string, error: unknown): OperationFailure {
  if (error instanceof OperationFailure) return error;
  const where = `${ctx.node.name} ${ctx.operation.name}: ${action} on ${server}`;
  if (ctx.signal.aborted) return new CancelledFailure(`${where}: cancelled`, { cause: error });
  const api = apiStatus(error);
  if (api) {
    const detail = api.status.message ?? api.status.reason ?? 'no message';
    const reason = api.status.reason ? `${api.code} ${api.status.reason}` : String(api.code);
    if (api.code === 401) return new NonRecoverableError(`${where} failed: the API server rejected the credentials (401 Unauthorized); check the token or kubeconfig user of this cluster`, { cause: error });
    if (api.code === 403) return new NonRecoverableError(`${where} failed: forbidden (403): ${detail}`, { cause: error });
    if (api.code === 400 || api.code === 422 || api.code === 415) return new NonRecoverableError(`${where} failed: ${reason}: ${detail}`, { cause: error });
    if (api.code === 409) return new RecoverableError(`${where} failed: ${reason}: ${detail}`, { cause: error, retryAfter: 1 });
    return new RecoverableError(`${where} failed: ${reason}: ${detail}`, { cause: error });
  }
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if ((code && TLS_CODES.has(code)) || /certificate|self[- ]signed/i.test(message)) {
    return new NonRecoverableError(`${where} failed: TLS verification failed (${code ?? message}): the server's certificate is not trusted by the cluster's CA; set the right CA (certificate-authority-data / ssl_ca_cert), or opt out per cluster with verify_ssl: false`, { cause: error });
  }
  if (code && NETWORK_CODES.has(code)) return new RecoverableError(`${where} failed: cannot reach the API server (${code})`, { cause: error, retryAfter: 5 });
  return new RecoverableError(`${where} failed: ${message}`, { cause: error });
}
