/**
 * Relationship operations that register a backend with a load balancer through its HTTP
 * admin API (`PUT|DELETE <balancer url><admin_path>/<backend instance id>`). Used by
 * `trellis.relationships.local.backend_of` (source: the backend, target: the balancer).
 */
import type { EntityView, OperationContext } from '../sdk';
import { NonRecoverableError, RecoverableError } from '../sdk';

function sides(ctx: OperationContext): {
  backend: EntityView;
  balancer: EntityView;
  adminPath: string;
} {
  const rel = ctx.relationship;
  if (!rel)
    throw new NonRecoverableError('balancer operations run only as relationship operations');
  const adminPath =
    typeof rel.properties.admin_path === 'string' ? rel.properties.admin_path : '/admin/backends';
  return { backend: rel.source, balancer: rel.target, adminPath };
}

function adminUrl(balancer: EntityView, adminPath: string, backendId: string): string {
  const base = balancer.instance.runtimeProperties.url;
  if (typeof base !== 'string' || !base) {
    throw new RecoverableError(
      `balancer ${balancer.instance.id} has no 'url' runtime property yet`,
    );
  }
  return `${base.replace(/\/$/, '')}${adminPath}/${encodeURIComponent(backendId)}`;
}

const requestSignal = (ctx: OperationContext) =>
  AbortSignal.any([ctx.signal, AbortSignal.timeout(10_000)]);

/** establish: adds the source instance's `url` as a backend of the target balancer. */
export async function addBackend(ctx: OperationContext): Promise<void> {
  const { backend, balancer, adminPath } = sides(ctx);
  const backendUrl = backend.instance.runtimeProperties.url;
  if (typeof backendUrl !== 'string' || !backendUrl) {
    throw new NonRecoverableError(
      `backend ${backend.instance.id} has no 'url' runtime property (does it have a port?)`,
    );
  }
  const url = adminUrl(balancer, adminPath, backend.instance.id);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: backendUrl }),
      signal: requestSignal(ctx),
    });
  } catch (error) {
    throw new RecoverableError(`cannot reach the balancer at ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok)
    throw new RecoverableError(
      `balancer refused backend ${backend.instance.id}: ${response.status} ${text}`,
    );
  ctx.logger.info(
    `balancer ${balancer.instance.id} now sends traffic to ${backend.instance.id} (${backendUrl})`,
  );
}

/** unlink: removes the source instance from the balancer. A balancer that is gone is fine. */
export async function removeBackend(ctx: OperationContext): Promise<void> {
  const { backend, balancer, adminPath } = sides(ctx);
  let url: string;
  try {
    url = adminUrl(balancer, adminPath, backend.instance.id);
  } catch {
    ctx.logger.warn(`balancer ${balancer.instance.id} has no address: nothing to unlink`);
    return;
  }
  let response: Response;
  try {
    response = await fetch(url, { method: 'DELETE', signal: requestSignal(ctx) });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    // Unlink runs during teardown: a balancer that is already down has no backends to drop.
    ctx.logger.warn(
      `balancer at ${url} is not reachable (${(error as Error).message}); nothing to unlink`,
    );
    return;
  }
  await response.body?.cancel();
  if (!response.ok && response.status !== 404) {
    throw new RecoverableError(
      `balancer refused to remove backend ${backend.instance.id}: ${response.status}`,
    );
  }
  ctx.logger.info(
    `balancer ${balancer.instance.id} no longer sends traffic to ${backend.instance.id}`,
  );
}
