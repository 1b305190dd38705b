/**
 * The runner's side effects: host calls and the live event subscription. Components call
 * these; the stores only hold state.
 *
 * Events arrive from the host in batches (the engine flushes every 50 ms or 500 events);
 * they are queued here and applied to the stores once per animation frame, so a burst of
 * thousands of events per second costs one store update and one render per frame.
 */
import type {
  HostError,
  HostEvent,
  HostMethod,
  ParamsOf,
  ResultOf,
  Value,
} from '../../engine/host/contract';
import { getHostClient, getShell } from '../host';
import { useRunnerEventsStore } from '../state/runner-events-store';
import { useRunnerLiveStore } from '../state/runner-live-store';
import { useRunnerStore } from '../state/runner-store';
import { useUiStore } from '../state/ui-store';

/** Calls the host; on failure shows the error and returns undefined. */
export async function call<M extends HostMethod>(
  method: M,
  params: ParamsOf<M>,
  quiet = false,
): Promise<ResultOf<M> | undefined> {
  const r = await getHostClient().call(method, params);
  if (r.ok) return r.value;
  if (!quiet) useUiStore.getState().notify('error', describeError(r.error));
  return undefined;
}

/** A one-line message for a host error. */
export function describeError(e: HostError): string {
  const first = e.problems?.find((p) => p.severity === 'error');
  return first ? `${e.message}: ${first.message}` : e.message;
}

/** Runs `fn` at most once per `ms` (the last call wins), for refreshes events trigger. */
function throttled(fn: () => Promise<void>, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let again = false;
  let cancelled = false;
  const run = (): void => {
    timer = setTimeout(() => {
      if (cancelled) return;
      void fn().finally(() => {
        timer = undefined;
        if (again && !cancelled) {
          again = false;
          run();
        }
      });
    }, ms);
  };
  const trigger = (): void => {
    cancelled = false;
    if (timer) again = true;
    else run();
  };
  trigger.cancel = (): void => {
    cancelled = true;
    again = false;
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return trigger;
}

export async function refreshDeployments(): Promise<void> {
  const list = await call('deployments.list', {}, true);
  if (list) useRunnerStore.getState().setDeployments(list);
}

export async function refreshExecutions(): Promise<void> {
  const id = useRunnerStore.getState().selectedId;
  if (!id) return;
  const list = await call('executions.list', { deploymentId: id }, true);
  if (list && useRunnerStore.getState().selectedId === id)
    useRunnerStore.getState().setExecutions(list);
}

export async function refreshInstances(): Promise<void> {
  const id = useRunnerStore.getState().selectedId;
  if (!id) return;
  const list = await call('instances.list', { deploymentId: id }, true);
  if (!list || useRunnerStore.getState().selectedId !== id) return;
  const live = useRunnerLiveStore.getState();
  // Re-seed states too: events may have been coalesced away while the tab was hidden.
  if (live.deploymentId !== id) live.watch(id, list);
  else live.setDetails(list);
}

const refreshSoon = {
  deployments: throttled(refreshDeployments, 300),
  executions: throttled(refreshExecutions, 300),
  instances: throttled(refreshInstances, 500),
};

/** Selects a deployment: loads its plan, executions and instances, and watches it live. */
export async function selectDeployment(id: string | null): Promise<void> {
  const store = useRunnerStore.getState();
  store.select(id);
  if (!id) {
    useRunnerLiveStore.getState().watch(null, []);
    return;
  }
  const [plan, list] = await Promise.all([
    store.plans[id]
      ? Promise.resolve(store.plans[id])
      : call('deployments.plan', { deploymentId: id }, true),
    call('instances.list', { deploymentId: id }, true),
  ]);
  if (useRunnerStore.getState().selectedId !== id) return;
  if (plan) useRunnerStore.getState().setPlan(id, plan);
  useRunnerLiveStore.getState().watch(id, list ?? []);
  await refreshExecutions();
}

// ---------------------------------------------------------------------------------------
// The live subscription

let pending: HostEvent[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batch = pending;
  pending = [];
  if (batch.length === 0) return;
  useRunnerEventsStore.getState().append(batch);
  useRunnerLiveStore.getState().apply(batch);
  const selected = useRunnerStore.getState().selectedId;
  let deployments = false;
  let executions = false;
  let instances = false;
  for (const e of batch) {
    if (e.type === 'engine') {
      useRunnerStore.getState().setEngineReady(e.state === 'ready');
      if (e.state === 'ready') deployments = executions = instances = true;
    } else if (e.type === 'deployment' || e.type === 'execution' || e.type === 'workflow') {
      // Show the new status at once; the refresh that follows fills in the rest.
      patchFromEvent(e);
      deployments = true;
      if (e.deploymentId === selected) executions = instances = true;
    } else if (e.type === 'instance' && e.deploymentId === selected) instances = true;
    else if (
      e.type === 'task' &&
      e.deploymentId === selected &&
      (e.status === 'succeeded' || e.status === 'failed')
    )
      executions = true;
  }
  if (deployments) refreshSoon.deployments();
  if (executions) refreshSoon.executions();
  if (instances) refreshSoon.instances();
}

const terminal = new Set(['terminated', 'failed', 'cancelled']);

/** Applies an execution or deployment status change from an event to the stores. */
function patchFromEvent(e: HostEvent): void {
  const store = useRunnerStore.getState();
  if (e.type === 'execution' && e.executionId) {
    const x = store.executions.find((x) => x.id === e.executionId);
    if (x && x.status !== e.status)
      store.upsertExecution({
        ...x,
        status: e.status,
        ...(terminal.has(e.status) && !x.endedAt ? { endedAt: e.time } : {}),
      });
    if (terminal.has(e.status) && e.deploymentId) {
      const d = store.deployments.find((d) => d.id === e.deploymentId);
      if (d?.activeExecutionId === e.executionId) {
        const { activeExecutionId: _, ...rest } = d;
        store.upsertDeployment(rest);
      }
    }
  } else if (e.type === 'deployment' && e.deploymentId) {
    const d = store.deployments.find((d) => d.id === e.deploymentId);
    if (d && d.status !== e.status) store.upsertDeployment({ ...d, status: e.status });
  }
}

/** Queues a batch for the next frame (exported for the bench and tests). */
export function receiveBatch(batch: HostEvent[]): void {
  for (const e of batch) pending.push(e);
  if (scheduled) return;
  scheduled = true;
  // A hidden page gets no animation frames; the timer makes sure events still land.
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    flush();
  };
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
  setTimeout(run, 100);
}

let stop: (() => void) | undefined;

/** Starts the runner: loads deployments and subscribes to all events (stored ones first). */
export function startRunner(): () => void {
  if (!stop) {
    const unsubscribe = getHostClient().subscribe(
      { afterSeq: useRunnerEventsStore.getState().log.highestSeq },
      receiveBatch,
    );
    // Desktop: the shell reports engine restarts with the executions they interrupted.
    const offStatus = getShell()?.onEngineStatus((status) => {
      const store = useRunnerStore.getState();
      store.setEngineReady(status.state === 'ready');
      if (status.interrupted.length > 0) store.setInterrupted(status.interrupted);
      if (status.state === 'ready') {
        void refreshDeployments();
        void refreshExecutions();
        void refreshInstances();
      }
    });
    stop = () => {
      unsubscribe();
      offStatus?.();
      stop = undefined;
    };
    void refreshDeployments().then(() => {
      const id = useRunnerStore.getState().selectedId;
      if (id) void selectDeployment(id);
    });
  }
  return stop;
}

// ---------------------------------------------------------------------------------------
// Commands

export async function createDeployment(
  blueprintFile: string,
  deploymentId: string,
  inputs: Record<string, Value>,
): Promise<boolean> {
  const d = await call('deployments.create', { blueprintFile, deploymentId, inputs });
  if (!d) return false;
  useRunnerStore.getState().upsertDeployment(d);
  await selectDeployment(d.id);
  useUiStore.getState().notify('info', `Deployment ${d.id} created`);
  return true;
}

export async function deleteDeployment(deploymentId: string, force: boolean): Promise<void> {
  const r = await call('deployments.delete', { deploymentId, ...(force ? { force } : {}) });
  if (!r) return;
  useRunnerStore.getState().removeDeployment(deploymentId);
  await selectDeployment(useRunnerStore.getState().selectedId);
}

/** Starts a workflow on the selected deployment (or previews it with `dryRun`). */
export async function runWorkflow(
  workflow: string,
  parameters: Record<string, Value> = {},
  dryRun = false,
): Promise<boolean> {
  const deploymentId = useRunnerStore.getState().selectedId;
  if (!deploymentId) return false;
  const r = await call('executions.start', {
    deploymentId,
    workflow,
    parameters,
    ...(dryRun ? { dryRun } : {}),
  });
  if (!r) return false;
  if ('tasks' in r) {
    useRunnerStore.getState().openDialog({ kind: 'dryRun', workflow, tasks: r.tasks });
    return true;
  }
  useRunnerStore.getState().upsertExecution(r);
  useRunnerStore.getState().selectExecution(r.id);
  refreshSoon.deployments();
  return true;
}

export async function cancelExecution(executionId: string, force: boolean): Promise<void> {
  const r = await call('executions.cancel', { executionId, ...(force ? { force } : {}) });
  if (r) useRunnerStore.getState().upsertExecution(r);
}

export async function resumeExecution(executionId: string): Promise<void> {
  const r = await call('executions.resume', { executionId });
  if (r) useRunnerStore.getState().upsertExecution(r);
}

/** Resumes every interrupted execution the shell reported, then forgets them. */
export async function resumeInterrupted(): Promise<void> {
  const list = useRunnerStore.getState().interrupted;
  useRunnerStore.getState().setInterrupted([]);
  for (const e of list) await resumeExecution(e.id);
}

export async function setPoliciesPaused(deploymentId: string, paused: boolean): Promise<void> {
  const d = await call('deployments.setPoliciesPaused', { deploymentId, paused });
  if (d) useRunnerStore.getState().upsertDeployment(d);
}

/** Resets the module state (tests). */
export function resetRunnerActions(): void {
  stop?.();
  for (const refresh of Object.values(refreshSoon)) refresh.cancel();
  pending = [];
  scheduled = false;
}
