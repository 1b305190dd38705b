/**
 * The executor: runs one execution's TaskGraph. It is the only place that calls plugins.
 *
 * - Ordering: a task starts when every task it depends on has succeeded or was skipped
 *   (or failed with `ignoreFailure`).
 * - Parallelism: at most `concurrency` operations of this execution run at once, and at
 *   most `PluginDefinition.concurrency` of one plugin engine-wide (PluginLimiter).
 * - Retries: per operation `max_retries` / `retry_interval` / `timeout` (retry-policy.ts);
 *   RecoverableError (with `retryAfter`) and TimeoutFailure retry, NonRecoverableError and
 *   CancelledFailure do not; anything else thrown is treated as recoverable.
 * - Journal: every task state change is committed to SQLite before the next step (the
 *   plugin is called only after its `running` row is committed). Synchronous bookkeeping
 *   that follows one completion (join points, state changes, the next tasks' `running`
 *   rows) is committed in one transaction: the same durability, far fewer commits.
 * - Cancel: the execution's AbortSignal reaches every running operation; no new task
 *   starts; the execution ends when running operations have returned. Force-cancel ends
 *   it at once and ignores what the abandoned operations return later.
 * - Resume: tasks whose journal row says succeeded or skipped are not run again; all
 *   others (failed, cancelled, pending, and running ones of a killed engine) run.
 */
import type { Plan, PlanNode, PlanOperation, Value } from '../dsl/plan-model';
import type { TaskGraph, TaskSpec } from '../workflows/task-graph';
import type { OperationLogger, SecretsAccess } from '../../plugins/sdk';
import { CancelledFailure, NonRecoverableError, OperationFailure, TimeoutFailure, toFailure } from '../../plugins/sdk';
import type { NewEvent, Store, TaskRecord } from '../store';
import type { TaskStatus } from '../host/contract';
import { buildOperationContext, TrackedInstance, type RuntimeEvaluator } from './operation-context';
import { PluginLimiter } from './limiter';
import type { PluginRegistry, ResolvedOperation } from './plugin-registry';
import { checkRetryPolicy, resolveRetryPolicy, type RetryPolicy } from './retry-policy';

/** Receives the events the executor produces; persists them (synchronously) and publishes. */
export interface EventSink {
  emit(event: NewEvent): void;
}

export interface ExecutorOptions {
  store: Store;
  plugins: PluginRegistry;
  execution: { id: string; deploymentId: string; blueprintId: string; workflow: string };
  graph: TaskGraph;
  plan: Plan;
  events: EventSink;
  /**
   * Operations of this execution running at once.
   * @default 16
   */
  concurrency?: number;
  /** Fills what a plan operation leaves unset (see RetryPolicy for the built-in defaults). */
  retryDefaults?: Partial<RetryPolicy>;
  /** Engine-wide per-plugin limits; one is created from the registry when absent. */
  pluginLimiter?: PluginLimiter;
  /** Evaluates run-time functions in operation inputs; inputs pass unchanged when absent. */
  evaluate?: RuntimeEvaluator;
  secrets: SecretsAccess;
  getCapability(deploymentId: string, name: string): Promise<Value>;
  /** Folder of the blueprint's main file. */
  blueprintDir: string;
  /** Redacts secret values from log lines (the executor adds values its tasks read). */
  redact?: (text: string) => string;
}

export interface ExecutionOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: string;
}

type Phase = 'running' | 'failing' | 'cancelling' | 'force-cancelled' | 'done';

const DONE: ReadonlySet<TaskStatus> = new Set(['succeeded', 'skipped']);
/** Tasks started per synchronous turn of the scheduler. */
const PUMP_BUDGET = 200;
/** Completions journaled per transaction. */
const FLUSH_BATCH = 4;
const nowIso = (): string => new Date().toISOString();

/** Creates the limiter for a set of plugins (one per host, shared by its executors). */
export function pluginLimiterFor(registry: PluginRegistry): PluginLimiter {
  const limits = new Map<string, number>();
  for (const p of registry.plugins) if (p.concurrency !== undefined) limits.set(p.name, p.concurrency);
  return new PluginLimiter(limits);
}

interface Prepared {
  resolved: ResolvedOperation;
  op: PlanOperation;
  policy: RetryPolicy;
  node: PlanNode;
}

/** Runs one execution's task graph; see the module comment for the semantics. */
export class Executor {
  private readonly specs = new Map<string, TaskSpec>();
  private readonly dependents = new Map<string, string[]>();
  private readonly blockers = new Map<string, number>();
  private readonly records = new Map<string, TaskRecord>();
  /** Tasks that may start, as a stack: the tasks a completion unblocks go first, so chains
   * advance depth-first and the first operations start after little bookkeeping. */
  private readonly ready: string[] = [];
  /** Tasks parked because their plugin is at its engine-wide limit. */
  private readonly parked = new Map<string, string[]>();
  private readonly inflight = new Map<string, { plugin: string }>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly retriesThisRun = new Map<string, number>();
  private readonly nodes = new Map<string, PlanNode>();
  private readonly controller = new AbortController();
  private readonly limiter: PluginLimiter;
  private readonly concurrency: number;
  private phase: Phase = 'running';
  private failure: string | undefined;
  private remaining = 0;
  private resolveOutcome!: (o: ExecutionOutcome) => void;
  private readonly outcome: Promise<ExecutionOutcome>;
  private unsubscribeLimiter: (() => void) | undefined;
  private readonly secretValues = new Set<string>();
  private readonly pendingSteps: (() => void)[] = [];
  private continuation = false;

  constructor(private readonly o: ExecutorOptions) {
    this.concurrency = o.concurrency ?? 16;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new Error(`concurrency must be a positive integer (got ${o.concurrency})`);
    this.limiter = o.pluginLimiter ?? pluginLimiterFor(o.plugins);
    for (const n of o.plan.nodes) this.nodes.set(n.name, n);
    for (const t of o.graph.tasks) {
      if (this.specs.has(t.id)) throw new Error(`task graph has two tasks with id ${t.id}`);
      this.specs.set(t.id, t);
    }
    for (const t of o.graph.tasks)
      for (const d of t.dependsOn) if (!this.specs.has(d)) throw new Error(`task ${t.id} depends on unknown task ${d}`);
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
  }

  /** The execution's signal (fires on cancel). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Runs the graph (resuming from the journal) and resolves with how it ended. */
  run(): Promise<ExecutionOutcome> {
    const { store } = this.o;
    for (const r of store.listTasks(this.o.execution.id)) this.records.set(r.id, r);
    const isDone = (id: string): boolean => {
      const r = this.records.get(id);
      return r !== undefined && DONE.has(r.status);
    };
    for (const t of this.o.graph.tasks) {
      if (isDone(t.id)) continue;
      this.remaining++;
      let n = 0;
      for (const d of t.dependsOn) {
        if (isDone(d)) continue;
        n++;
        let list = this.dependents.get(d);
        if (!list) this.dependents.set(d, (list = []));
        list.push(t.id);
      }
      this.blockers.set(t.id, n);
      if (n === 0) this.ready.push(t.id);
    }
    this.ready.reverse(); // the graph's first ready task is taken first
    this.unsubscribeLimiter = this.limiter.onRelease((plugin) => this.unpark(plugin));
    store.transaction(() => this.pump());
    return this.outcome;
  }

  /** Cancels: running operations see the signal; with `force` the execution ends now. */
  cancel(force = false): void {
    if (this.phase === 'done' || this.phase === 'force-cancelled') return;
    if (this.phase !== 'cancelling') {
      this.phase = 'cancelling';
      this.controller.abort(new CancelledFailure('execution cancelled'));
    }
    this.o.store.transaction(() => {
      this.dropRetries('cancelled', 'cancelled while waiting to retry');
      if (force) {
        this.phase = 'force-cancelled';
        for (const id of this.inflight.keys()) this.journal(id, 'cancelled', { lastError: 'force-cancelled' });
        for (const [id, { plugin }] of this.inflight) {
          this.inflight.delete(id);
          this.limiter.release(plugin);
        }
        this.finish({ status: 'cancelled', error: 'force-cancelled' });
      } else this.maybeFinish();
    });
  }

  // -------------------------------------------------------------------------------------
  // Scheduling

  private pump(): void {
    // A bounded amount of synchronous work per turn: a large graph's thousands of
    // bookkeeping tasks must not hold back the operations already started (their plugin
    // calls wait for this transaction to commit) or delay their timers.
    let budget = PUMP_BUDGET;
    while (this.phase === 'running' && this.inflight.size < this.concurrency && this.ready.length) {
      if (budget-- === 0) {
        this.continueLater();
        break;
      }
      this.start(this.ready.pop()!);
    }
    this.maybeFinish();
  }

  private continueLater(): void {
    if (this.continuation) return;
    this.continuation = true;
    setImmediate(() => {
      this.continuation = false;
      if (this.phase === 'running') this.o.store.transaction(() => this.pump());
    });
  }

  private start(id: string): void {
    const spec = this.specs.get(id)!;
    switch (spec.kind) {
      case 'noop':
        this.journal(id, 'succeeded');
        this.completed(id);
        return;
      case 'event':
        this.emitTask(spec, 'info', spec.message ?? spec.name);
        this.journal(id, 'succeeded');
        this.completed(id);
        return;
      case 'state':
        this.setState(spec);
        return;
      case 'operation':
        this.startOperation(spec);
        return;
    }
  }

  private setState(spec: TaskSpec): void {
    const { store, execution } = this.o;
    if (spec.instanceId === undefined || spec.state === undefined) {
      this.failTask(spec, new NonRecoverableError(`state task ${spec.id} names no instance or state`));
      return;
    }
    const previous = store.setInstanceState(execution.deploymentId, spec.instanceId, spec.state);
    if (previous === undefined) {
      this.failTask(spec, new NonRecoverableError(`node instance ${spec.instanceId} does not exist`));
      return;
    }
    const event: NewEvent = {
      type: 'instance',
      time: nowIso(),
      level: 'info',
      deploymentId: execution.deploymentId,
      executionId: execution.id,
      instanceId: spec.instanceId,
      state: spec.state,
      previousState: previous,
      message: `${spec.instanceId}: ${previous} -> ${spec.state}`,
    };
    if (spec.nodeId !== undefined) event.nodeId = spec.nodeId;
    this.o.events.emit(event);
    this.journal(spec.id, 'succeeded');
    this.completed(spec.id);
  }

  private prepare(spec: TaskSpec): Prepared | 'skip' | OperationFailure {
    const { store, execution } = this.o;
    if (spec.instanceId === undefined || spec.operation === undefined)
      return new NonRecoverableError(`operation task ${spec.id} names no instance or operation`);
    let nodeName = spec.nodeId;
    if (nodeName === undefined) {
      const inst = store.getInstance(execution.deploymentId, spec.instanceId);
      if (!inst) return new NonRecoverableError(`node instance ${spec.instanceId} does not exist`);
      nodeName = inst.node;
    }
    const node = this.nodes.get(nodeName);
    if (!node) return new NonRecoverableError(`node ${nodeName} is not in the plan`);
    let ops = node.operations;
    if (spec.relationship) {
      const rel = node.relationships[spec.relationship.index];
      if (!rel) return new NonRecoverableError(`node ${nodeName} has no relationship #${spec.relationship.index}`);
      ops = spec.relationship.side === 'source' ? rel.sourceOperations : rel.targetOperations;
    }
    const op = ops[spec.operation];
    if (!op || op.kind === 'none' || !op.implementation) return 'skip';
    const resolved = this.o.plugins.resolve(op);
    if (typeof resolved === 'string') return new NonRecoverableError(resolved);
    const policy = resolveRetryPolicy(op, this.o.retryDefaults);
    const bad = checkRetryPolicy(policy, `${nodeName}.${spec.operation}`);
    if (bad) return new NonRecoverableError(bad);
    return { resolved, op, policy, node };
  }

  private startOperation(spec: TaskSpec, prepared?: Prepared): void {
    const p = prepared ?? this.prepare(spec);
    if (p === 'skip') {
      this.journal(spec.id, 'skipped');
      this.emitTask(spec, 'debug', `${spec.name}: skipped (no implementation)`, 'skipped');
      this.completed(spec.id);
      return;
    }
    if (p instanceof OperationFailure) {
      this.failTask(spec, p);
      return;
    }
    const plugin = p.resolved.plugin.name;
    if (!this.limiter.tryAcquire(plugin)) {
      let list = this.parked.get(plugin);
      if (!list) this.parked.set(plugin, (list = []));
      list.push(spec.id);
      return;
    }
    this.inflight.set(spec.id, { plugin });
    const rec = this.record(spec.id);
    const attempt = rec.attempts + 1;
    this.journal(spec.id, 'running', { attempts: attempt, startedAt: nowIso() });
    this.emitTask(spec, 'info', `${spec.name}: started${attempt > 1 ? ` (attempt ${attempt})` : ''}`, 'running');
    void this.attempt(spec, p, attempt);
  }

  private unpark(plugin: string): void {
    const list = this.parked.get(plugin);
    if (!list?.length || this.phase !== 'running') return;
    this.o.store.transaction(() => {
      while (list.length && this.inflight.size < this.concurrency && this.limiter.canAcquire(plugin)) {
        this.startOperation(this.specs.get(list.shift()!)!);
      }
      this.pump();
    });
  }

  /** One attempt: runs after the `running` row is committed (the first await below). */
  private async attempt(spec: TaskSpec, p: Prepared, attempt: number): Promise<void> {
    const { store, execution } = this.o;
    const attemptController = new AbortController();
    const signal = AbortSignal.any([this.controller.signal, attemptController.signal]);
    let timer: NodeJS.Timeout | undefined;
    const tracked: TrackedInstance[] = [];
    let result: Value | void = undefined;
    let failure: OperationFailure | undefined;
    try {
      await Promise.resolve();
      const ctx = await this.buildContext(spec, p, attempt, signal, tracked);
      const call = Promise.resolve(p.resolved.handler(ctx));
      if (p.policy.timeout !== undefined) {
        const seconds = p.policy.timeout;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const f = new TimeoutFailure(seconds);
            attemptController.abort(f);
            reject(f);
          }, seconds * 1000);
        });
        // A plugin that ignores its signal must not hold the execution past its timeout.
        call.catch(() => undefined);
        result = await Promise.race([call, timeout]);
      } else result = await call;
    } catch (thrown) {
      failure = toFailure(thrown);
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (this.phase === 'force-cancelled' || this.phase === 'done') {
      // Abandoned by force-cancel: keep what it recorded (cloud ids), journal nothing.
      for (const t of tracked) safePersist(t);
      return;
    }
    this.whenFlushed(() => {
      for (const t of tracked) safePersist(t);
      const { plugin } = this.inflight.get(spec.id) ?? { plugin: p.resolved.plugin.name };
      this.inflight.delete(spec.id);
      if (failure === undefined) {
        this.journal(spec.id, 'succeeded', { endedAt: nowIso(), result: result ?? undefined, lastError: undefined });
        this.emitTask(spec, 'info', `${spec.name}: succeeded`, 'succeeded');
        const self = tracked[0];
        if (self?.record.lastError !== undefined) store.setInstanceError(execution.deploymentId, self.record.id, null);
        this.completed(spec.id);
      } else this.handleFailure(spec, p, failure);
      this.limiter.release(plugin);
    });
  }

  /**
   * Runs a completion's bookkeeping in the next batch: completions that arrive in the same
   * turn of the event loop (parallel operations ending together) share one transaction, and
   * the tasks they unblock start in it. Nothing of a dependent runs before that commit.
   */
  private whenFlushed(step: () => void): void {
    this.pendingSteps.push(step);
    if (this.pendingSteps.length === 1) setImmediate(() => this.flushSteps());
  }

  /** Small batches: a big one would hold every unblocked operation back until the whole
   * batch is journaled, putting parallel operations in lockstep. */
  private flushSteps(): void {
    if (this.phase === 'force-cancelled' || this.phase === 'done') {
      this.pendingSteps.length = 0;
      return;
    }
    const steps = this.pendingSteps.splice(0, FLUSH_BATCH);
    this.o.store.transaction(() => {
      for (const st of steps) st();
      this.pump();
    });
    if (this.pendingSteps.length) setImmediate(() => this.flushSteps());
  }

  private async buildContext(spec: TaskSpec, p: Prepared, attempt: number, signal: AbortSignal, tracked: TrackedInstance[]) {
    const { store, execution } = this.o;
    const load = (id: string): TrackedInstance => {
      const rec = store.getInstance(execution.deploymentId, id);
      if (!rec) throw new NonRecoverableError(`node instance ${id} does not exist`);
      const t = new TrackedInstance(store, rec);
      tracked.push(t);
      return t;
    };
    const instanceId = spec.instanceId!;
    const source = load(instanceId);
    let relationship: Parameters<typeof buildOperationContext>[0]['relationship'];
    let self = source;
    let selfNode = p.node;
    if (spec.relationship) {
      const target = load(spec.relationship.targetId);
      const targetNode = this.nodes.get(target.record.node);
      const rel = p.node.relationships[spec.relationship.index]!;
      if (!targetNode) throw new NonRecoverableError(`node ${target.record.node} is not in the plan`);
      relationship = {
        plan: rel,
        side: spec.relationship.side,
        source: { node: p.node, instance: source },
        target: { node: targetNode, instance: target },
      };
      if (spec.relationship.side === 'target') {
        self = target;
        selfNode = targetNode;
      }
    }
    let relationships: Parameters<typeof buildOperationContext>[0]['relationships'];
    if (!spec.relationship && source.record.relationships.length) {
      relationships = [];
      for (const r of source.record.relationships) {
        const plan = p.node.relationships[r.index];
        const target = store.getInstance(execution.deploymentId, r.targetId);
        const targetNode = target && this.nodes.get(target.node);
        if (plan && target && targetNode) relationships.push({ plan, target: { node: targetNode, instance: target } });
      }
    }
    let host: Parameters<typeof buildOperationContext>[0]['host'];
    const hostId = self.record.hostId;
    if (hostId !== undefined) {
      const hostRecord = hostId === self.record.id ? self.record : store.getInstance(execution.deploymentId, hostId);
      const hostNode = hostRecord && this.nodes.get(hostRecord.node);
      if (hostRecord && hostNode) host = { node: hostNode, instance: hostRecord };
    }
    let inputs: Record<string, Value> = { ...p.op.inputs, ...(spec.inputs ?? {}), ...p.resolved.extraInputs };
    if (this.o.evaluate && Object.keys(inputs).length) {
      const scope = { deploymentId: execution.deploymentId, selfId: self.record.id } as Parameters<RuntimeEvaluator>[1];
      if (spec.relationship) {
        scope.sourceId = instanceId;
        scope.targetId = spec.relationship.targetId;
      }
      inputs = (await this.o.evaluate(inputs, scope)) as Record<string, Value>;
    }
    const secrets = this.o.secrets;
    const redactSet = this.secretValues;
    const taskSecrets: SecretsAccess = {
      get: async (name) => {
        const v = await secrets.get(name);
        if (v.length >= 4) redactSet.add(v);
        return v;
      },
      set: (name, value) => secrets.set(name, value),
      delete: (name) => secrets.delete(name),
    };
    return buildOperationContext({
      deploymentId: execution.deploymentId,
      blueprintId: execution.blueprintId,
      executionId: execution.id,
      workflowId: execution.workflow,
      taskId: spec.id,
      operationName: spec.operation!,
      retryNumber: attempt - 1,
      maxRetries: p.policy.maxRetries,
      node: selfNode,
      self,
      ...(relationship ? { relationship } : {}),
      ...(relationships ? { relationships } : {}),
      ...(host ? { host } : {}),
      executor: p.op.executor,
      inputs,
      logger: this.logger(spec, self.record.id, selfNode.name),
      signal,
      blueprintDir: this.o.blueprintDir,
      secrets: taskSecrets,
      getCapability: (deploymentId, name) => this.o.getCapability(deploymentId, name),
    });
  }

  private handleFailure(spec: TaskSpec, p: Prepared, failure: OperationFailure): void {
    const cancelled = this.phase === 'cancelling' || failure instanceof CancelledFailure;
    if (cancelled) {
      this.journal(spec.id, 'cancelled', { endedAt: nowIso(), lastError: failure.message });
      this.emitTask(spec, 'warn', `${spec.name}: cancelled`, 'cancelled');
      return;
    }
    const used = this.retriesThisRun.get(spec.id) ?? 0;
    const { maxRetries, retryInterval } = p.policy;
    if (!failure.nonRetryable && this.phase === 'running' && (maxRetries === -1 || used < maxRetries)) {
      this.retriesThisRun.set(spec.id, used + 1);
      const wait = failure.retryAfter ?? retryInterval;
      this.journal(spec.id, 'retrying', { lastError: failure.message });
      this.emitTask(spec, 'warn', `${spec.name}: ${failure.name}: ${failure.message}; retry ${used + 1}${maxRetries === -1 ? '' : `/${maxRetries}`} in ${wait}s`, 'retrying');
      const timer = setTimeout(() => {
        this.retryTimers.delete(spec.id);
        if (this.phase !== 'running') return;
        this.o.store.transaction(() => {
          this.startOperation(spec, p);
          this.pump();
        });
      }, wait * 1000);
      this.retryTimers.set(spec.id, timer);
      return;
    }
    this.failTask(spec, failure);
  }

  private failTask(spec: TaskSpec, failure: OperationFailure): void {
    const { store, execution } = this.o;
    const message = `${failure.name}: ${failure.message}`;
    this.journal(spec.id, 'failed', { endedAt: nowIso(), lastError: message });
    this.emitTask(spec, spec.ignoreFailure ? 'warn' : 'error', `${spec.name}: failed: ${message}${spec.ignoreFailure ? ' (ignored)' : ''}`, 'failed');
    if (spec.instanceId !== undefined && spec.kind === 'operation') store.setInstanceError(execution.deploymentId, spec.instanceId, message);
    if (spec.ignoreFailure) {
      this.completed(spec.id);
      return;
    }
    if (this.phase === 'running') {
      this.phase = 'failing';
      this.failure = `${spec.name}: ${message}`;
      this.dropRetries('cancelled', 'stopped: another task failed');
    }
  }

  private dropRetries(status: TaskStatus, why: string): void {
    for (const [id, timer] of this.retryTimers) {
      clearTimeout(timer);
      this.journal(id, status, { endedAt: nowIso(), lastError: why });
    }
    this.retryTimers.clear();
  }

  private completed(id: string): void {
    this.remaining--;
    const next = this.dependents.get(id);
    if (!next) return;
    for (let i = next.length - 1; i >= 0; i--) {
      const d = next[i]!;
      const n = (this.blockers.get(d) ?? 1) - 1;
      this.blockers.set(d, n);
      if (n === 0) this.ready.push(d);
    }
  }

  private maybeFinish(): void {
    if (this.phase === 'done' || this.phase === 'force-cancelled') return;
    if (this.inflight.size || this.retryTimers.size) return;
    if (this.phase === 'cancelling') return this.finish({ status: 'cancelled', error: 'cancelled' });
    if (this.phase === 'failing') return this.finish({ status: 'failed', error: this.failure ?? 'failed' });
    if (this.ready.length) return;
    for (const list of this.parked.values()) if (list.length) return;
    if (this.remaining === 0) return this.finish({ status: 'succeeded' });
    const stuck = [...this.blockers.entries()].filter(([id, n]) => n > 0 && !DONE.has(this.record(id).status)).map(([id]) => id);
    this.finish({ status: 'failed', error: `tasks can never start (dependency cycle): ${stuck.slice(0, 5).join(', ')}` });
  }

  private finish(outcome: ExecutionOutcome): void {
    if (this.phase !== 'force-cancelled') this.phase = 'done';
    this.unsubscribeLimiter?.();
    this.resolveOutcome(outcome);
  }

  // -------------------------------------------------------------------------------------
  // Journal and events

  private record(id: string): TaskRecord {
    let r = this.records.get(id);
    if (!r) {
      r = { executionId: this.o.execution.id, id, status: 'pending', attempts: 0 };
      this.records.set(id, r);
    }
    return r;
  }

  private journal(id: string, status: TaskStatus, patch: Partial<Omit<TaskRecord, 'id' | 'executionId' | 'status'>> = {}): void {
    const r = this.record(id);
    r.status = status;
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete (r as unknown as Record<string, unknown>)[k];
      else (r as unknown as Record<string, unknown>)[k] = v;
    }
    this.o.store.putTask(r);
  }

  private emitTask(spec: TaskSpec, level: 'debug' | 'info' | 'warn' | 'error', message: string, status?: TaskStatus): void {
    const { execution } = this.o;
    const base = { time: nowIso(), level, deploymentId: execution.deploymentId, executionId: execution.id, message: this.redact(message) };
    const where: { nodeId?: string; instanceId?: string } = {};
    if (spec.nodeId !== undefined) where.nodeId = spec.nodeId;
    if (spec.instanceId !== undefined) where.instanceId = spec.instanceId;
    if (status === undefined) {
      this.o.events.emit({ ...base, ...where, type: 'log', taskId: spec.id });
      return;
    }
    const event: NewEvent = { ...base, ...where, type: 'task', taskId: spec.id, status, attempt: this.record(spec.id).attempts };
    if (spec.operation !== undefined) event.operation = spec.operation;
    this.o.events.emit(event);
  }

  private redact(text: string): string {
    let out = this.o.redact ? this.o.redact(text) : text;
    for (const v of this.secretValues) if (out.includes(v)) out = out.split(v).join('••••••');
    return out;
  }

  private logger(spec: TaskSpec, instanceId: string, nodeId: string): OperationLogger {
    const { execution } = this.o;
    const log =
      (level: 'debug' | 'info' | 'warn' | 'error') =>
      (message: string, data?: Record<string, Value>): void => {
        if (this.phase === 'force-cancelled') return;
        const event: NewEvent = {
          type: 'log',
          time: nowIso(),
          level,
          deploymentId: execution.deploymentId,
          executionId: execution.id,
          nodeId,
          instanceId,
          taskId: spec.id,
          message: this.redact(message),
        };
        if (spec.operation !== undefined) event.operation = spec.operation;
        if (data && Object.keys(data).length) event.data = JSON.parse(this.redact(JSON.stringify(data))) as Record<string, Value>;
        this.o.events.emit(event);
      };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }
}

function safePersist(t: TrackedInstance): void {
  try {
    t.persist();
  } catch {
    // The instance was removed meanwhile (e.g. a scale-in finished): nothing to keep.
  }
}
