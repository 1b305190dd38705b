/**
 * Waiting for objects to be ready (or gone), with progress events a user can follow:
 * rollout status of Deployments (updated / ready replicas) and the phases of their pods
 * (with the waiting reason, e.g. ErrImagePull), Namespace phase, Service address.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { type OperationContext, TimeoutFailure } from '../sdk';
import { type KubeClient, selectorOf } from './client';
import { isNotFound, kubeFailure } from './errors';
import { describeRef, type ObjectRef } from './manifests';

type Obj = Record<string, unknown>;
const dict = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Sleeps, waking early (and throwing) when the operation is cancelled. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `Running 2, Pending 1 (ErrImagePull: web-abc)`. */
export function podSummary(pods: readonly V1Pod[]): string {
  const phases = new Map<string, number>();
  const waiting: string[] = [];
  for (const p of pods) {
    const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const phase = `${p.status?.phase ?? 'Unknown'}${p.status?.phase === 'Running' && !ready ? ' (not ready)' : ''}`;
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
    for (const cs of p.status?.containerStatuses ?? []) if (cs.state?.waiting?.reason) waiting.push(`${cs.state.waiting.reason}: ${p.metadata?.name ?? ''}`);
  }
  const list = [...phases].map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return waiting.length > 0 ? `${list} (${waiting.join('; ')})` : list;
}

/** One readiness check: done, and a progress line. */
async function check(client: KubeClient, ref: ObjectRef): Promise<{ ready: boolean; progress: string; data: Record<string, number | string> }> {
  const obj = await client.read(ref);
  const status = dict(obj.status);
  const spec = dict(obj.spec);
  const meta = dict(obj.metadata);
  switch (ref.kind) {
    case 'Deployment': {
      const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const fresh = num(status.observedGeneration) >= num(meta.generation);
      const updated = num(status.updatedReplicas);
      const ready = num(status.readyReplicas);
      const total = num(status.replicas);
      const labels = dict(dict(spec.selector).matchLabels) as Record<string, string>;
      const pods = await client.pods(ref.namespace ?? 'default', selectorOf(labels));
      const done = fresh && updated === desired && ready === desired && total === desired;
      return {
        ready: done,
        progress: `${describeRef(ref)}: ${ready}/${desired} ready, ${updated} updated${total > desired ? `, ${total - desired} old terminating` : ''}; pods: ${podSummary(pods)}`,
        data: { desired, ready, updated },
      };
    }
    case 'Namespace':
      return { ready: status.phase === 'Active', progress: `${describeRef(ref)}: ${typeof status.phase === 'string' ? status.phase : 'unknown'}`, data: {} };
    case 'Service': {
      const ip = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
      return { ready: spec.type === 'ExternalName' || ip !== '', progress: `${describeRef(ref)}: cluster IP ${ip || 'pending'}`, data: {} };
    }
    default:
      return { ready: true, progress: `${describeRef(ref)}: present`, data: {} };
  }
}

/** Waits until every object is ready; progress lines are logged when they change. */
export async function waitReady(ctx: OperationContext, client: KubeClient, refs: readonly ObjectRef[], timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (const ref of refs) {
    let last = '';
    let delay = 200;
    for (;;) {
      let result: Awaited<ReturnType<typeof check>>;
      try {
        result = await check(client, ref);
      } catch (error) {
        throw kubeFailure(ctx, client.cluster.server, `read ${describeRef(ref)}`, error);
      }
      if (result.progress !== last) {
        ctx.logger.info(result.progress, { kind: ref.kind, name: ref.name, ...result.data });
        last = result.progress;
      }
      if (result.ready) break;
      if (Date.now() > deadline) {
        const failure = new TimeoutFailure(timeoutSeconds);
        failure.message = `${ctx.node.name} ${ctx.operation.name}: ${describeRef(ref)} not ready after ${timeoutSeconds}s: ${result.progress}`;
        throw failure;
      }
      await sleep(delay, ctx.signal);
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/** Waits until every object is gone (404). */
export async function waitGone(ctx: OperationContext, client: KubeClient, refs: readonly ObjectRef[], timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (const ref of refs) {
    let delay = 200;
    let told = false;
    for (;;) {
      try {
        await client.read(ref);
      } catch (error) {
        if (isNotFound(error)) {
          ctx.logger.info(`${describeRef(ref)}: deleted`, { kind: ref.kind, name: ref.name });
          break;
        }
        throw kubeFailure(ctx, client.cluster.server, `read ${describeRef(ref)}`, error);
      }
      if (!told) {
        ctx.logger.info(`${describeRef(ref)}: waiting for deletion to finish`, { kind: ref.kind, name: ref.name });
        told = true;
      }
      if (Date.now() > deadline) {
        const failure = new TimeoutFailure(timeoutSeconds);
        failure.message = `${ctx.node.name} ${ctx.operation.name}: ${describeRef(ref)} still present after ${timeoutSeconds}s`;
        throw failure;
      }
      await sleep(delay, ctx.signal);
      delay = Math.min(delay * 2, 2000);
    }
  }
}
