/**
 * EngineHost: the in-process implementation of the host contract (HostClient). The CLI
 * uses it directly; Electron's engine process and `trellis serve` put a transport in front.
 *
 * - Every call validates its params (the contract's JSON schemas) and answers with data,
 *   never a thrown error.
 * - One active execution per deployment (docs/adr/0001-one-execution-per-deployment.md):
 *   a second is queued (default) or refused (`whenBusy: 'refuse'`). Engine processes that
 *   share a home coordinate through the database (owner pid, IMMEDIATE transactions).
 * - On start, executions whose engine died are marked failed + interrupted (resumable);
 *   with `resumeInterrupted` they are resumed at once.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { buildTypeCatalog, compile, createImportResolver, type CompileOptions, type CompileResult, type ImportResolver } from '../dsl';
import { coreTypesFile as defaultCoreTypesFile } from '../dsl/core';
import type { Plan, Value } from '../dsl/plan-model';
import type { DeploymentModel, ModelInstance, ModelModification } from '../model/deployment-model';
import type { TaskGraph } from '../workflows/task-graph';
import { buildWorkflow, WorkflowParameterError } from '../workflows';
import { FileSecretStore, openStore, type DeploymentRecord, type ExecutionRecord, type NewEvent, type SecretStore, type Store } from '../store';
import { Executor, PluginRegistry, pluginLimiterFor, type PluginLimiter, type RetryPolicy } from '../runtime';
import type { PluginDefinition, SecretsAccess } from '../../plugins/sdk';
import { NonRecoverableError } from '../../plugins/sdk';
import type {
  DeploymentStatus,
  EventBatchListener,
  EventFilter,
  ExecutionStatus,
  ExecutionSummary,
  HostClient,
  HostError,
  HostErrorCode,
  HostMethod,
  HostMethods,
  HostResult,
  ParamsOf,
  ResultOf,
} from './contract';
import { createContractValidators, type ContractValidators } from './ws-schemas';
import { EventBus, type BackPressuredListener, type EventBusOptions } from './event-bus';
import { ACTIVE_STATUSES, deploymentSummary, executionDetail, executionSummary, instanceSummary, TERMINAL_STATUSES } from './host-summaries';
import { evaluateRuntime, type RuntimeValueScope } from './runtime-values';
import { HostMetrics, msOf, type HostMetricsOptions } from './host-metrics';
import type { MetricsHostPort } from '../metrics';

export interface EngineHostOptions {
  /** The Trellis home folder (database, secrets). */
  home: string;
  /** The plugins operations are dispatched to (entry points pass plugins/index.ts's list). */
  plugins: readonly PluginDefinition[];
  /** Where secret values live. @default FileSecretStore under `home` */
  secretStore?: SecretStore;
  /** The core types.yaml the import resolver maps the standard imports to. */
  coreTypesFile?: string;
  /** Folder of example blueprints (`blueprint.examples`); none when absent. */
  examplesDir?: string;
  /** Operations of one execution running at once. @default 16 */
  concurrency?: number;
  /** Retry defaults for operations that set none (see RetryPolicy). */
  retryDefaults?: Partial<RetryPolicy>;
  /** Resume executions a dead engine left behind, at start (the desktop app does). @default false */
  resumeInterrupted?: boolean;
  events?: EventBusOptions;
  /** Recorded on executions this host starts. @default 'user' */
  triggeredBy?: string;
  /** Metric collection and policies (engine/metrics); `false` turns them off. @default {} */
  metrics?: HostMetricsOptions | false;
}

/** An error with a contract code, turned into `{ok: false}` at the boundary. */
export class HostFailure extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
    readonly problems?: HostError['problems'],
  ) {
    super(message);
  }
}

const fail = (code: HostErrorCode, message: string, problems?: HostError['problems']): never => {
  throw new HostFailure(code, message, problems);
};

interface RunningExecution {
  executor?: Executor;
  cancel?: 'cancel' | 'force';
  done: Promise<void>;
}

/** What the scale/heal builds carry besides the graph, persisted with the execution. */
interface ExecutionExtras {
  modification?: ModelModification;
  rollback?: TaskGraph;
  /** The modification's added instances were stored (so a resume does not add them twice). */
  applied?: boolean;
}

const DEPLOYMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const now = (): string => new Date().toISOString();

function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function packageVersion(): string {
  try {
    const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export class EngineHost implements HostClient {
  readonly store: Store;
  readonly bus: EventBus;
  readonly registry: PluginRegistry;
  private readonly limiter: PluginLimiter;
  private readonly secretStore: SecretStore;
  private readonly validators: ContractValidators;
  private readonly running = new Map<string, RunningExecution>();
  private readonly finished = new Map<string, Array<() => void>>();
  private watchTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly version = packageVersion();
  /** Series, collectors, the policy scheduler; undefined with `metrics: false`. */
  readonly metrics: HostMetrics | undefined;

  constructor(readonly options: EngineHostOptions) {
    this.store = openStore({ home: options.home });
    this.bus = new EventBus(this.store, options.events);
    this.registry = new PluginRegistry(options.plugins);
    this.limiter = pluginLimiterFor(this.registry);
    this.secretStore = options.secretStore ?? new FileSecretStore(options.home);
    this.validators = createContractValidators();
    this.recover();
    // A CLI command is short-lived and must not act as the policy engine next to the app
    // (or a `trellis serve`): its host serves metrics queries but runs no scheduler unless asked.
    const metricsOptions = options.metrics === false ? undefined : { autoStart: options.triggeredBy !== 'cli', ...options.metrics };
    this.metrics = metricsOptions ? new HostMetrics(this.store, options.plugins, this.metricsPort(), metricsOptions) : undefined;
  }

  // -------------------------------------------------------------------------------------
  // HostClient

  async call<M extends HostMethod>(method: M, params: ParamsOf<M>): Promise<HostResult<ResultOf<M>>> {
    try {
      if (this.closed) fail('unavailable', 'the engine host is closed');
      if (!(method in this.handlers)) fail('invalid-params', `unknown method ${String(method)}`);
      const check = this.validators.params(method)(params ?? {});
      if (!check.ok) fail('invalid-params', `${method}: ${check.message}`);
      const handler = this.handlers[method] as (p: ParamsOf<M>) => Promise<ResultOf<M>> | ResultOf<M>;
      return { ok: true, value: await handler(params ?? ({})) };
    } catch (error) {
      if (error instanceof HostFailure) {
        const e: HostError = { code: error.code, message: error.message };
        if (error.problems) e.problems = error.problems;
        return { ok: false, error: e };
      }
      return { ok: false, error: { code: 'internal', message: error instanceof Error ? error.message : String(error) } };
    }
  }

  subscribe(filter: EventFilter & { afterSeq?: number }, listener: EventBatchListener | BackPressuredListener): () => void {
    return this.bus.subscribe(filter, listener);
  }

  /** Resolves when the execution has ended (whichever engine process runs it). */
  async waitForExecution(executionId: string): Promise<ExecutionSummary> {
    for (;;) {
      const rec = this.store.getExecution(executionId, { withGraph: false });
      if (!rec) fail('not-found', `no execution ${executionId}`);
      if ((TERMINAL_STATUSES as readonly string[]).includes(rec!.status)) return executionSummary(this.store, rec!);
      const local = this.running.get(executionId);
      if (local) await local.done;
      else if (rec!.status === 'queued' && rec!.ownerPid === process.pid)
        await new Promise<void>((resolve) => this.onFinished(executionId, resolve));
      else await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops accepting calls; running executions are cancelled (they resume on next start). */
  async close(options: { cancelRunning?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    await this.metrics?.close();
    if (options.cancelRunning) for (const r of this.running.values()) r.executor?.cancel(false);
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    this.closed = true;
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.bus.close();
    this.store.close();
  }

  // -------------------------------------------------------------------------------------
  // Method table

  private readonly handlers: { [M in HostMethod]: (p: HostMethods[M]['params']) => Promise<ResultOf<M>> | ResultOf<M> } = {
    'host.info': () => ({ version: this.version, home: this.options.home, plugins: this.registry.names() }),
    'blueprint.compile': (p) => {
      const r = this.compile(p.file, p.text, p.inputs, p.validateOnly ?? false);
      return r.plan ? { problems: r.problems, plan: r.plan } : { problems: r.problems };
    },
    'blueprint.typeCatalog': (p) => buildTypeCatalog({ file: resolve(p.file), resolver: this.resolver, ...(p.text !== undefined ? { text: p.text } : {}) }),
    'blueprint.examples': () => this.examples(),
    'files.read': (p) => {
      try {
        return { path: p.path, text: readFileSync(p.path, 'utf8') };
      } catch (error) {
        return fail((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not-found' : 'forbidden', `cannot read ${p.path}: ${(error as Error).message}`);
      }
    },
    'files.write': (p) => {
      try {
        writeFileSync(p.path, p.text);
        return { path: p.path };
      } catch (error) {
        return fail('forbidden', `cannot write ${p.path}: ${(error as Error).message}`);
      }
    },
    'files.list': (p) => {
      try {
        return readdirSync(p.dir, { withFileTypes: true })
          .map((d) => ({ path: join(p.dir, d.name), name: d.name, isDirectory: d.isDirectory() }))
          .sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || a.name.localeCompare(b.name));
      } catch (error) {
        return fail((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not-found' : 'forbidden', `cannot list ${p.dir}: ${(error as Error).message}`);
      }
    },
    'deployments.create': (p) => this.createDeployment(p.blueprintFile, p.deploymentId, p.inputs ?? {}),
    'deployments.list': () => this.store.listDeployments().map((d) => deploymentSummary(this.store, d)),
    'deployments.get': (p) => deploymentSummary(this.store, this.deployment(p.deploymentId)),
    'deployments.delete': (p) => this.deleteDeployment(p.deploymentId, p.force ?? false),
    'deployments.outputs': (p) => this.outputs(p.deploymentId),
    'deployments.plan': (p) => this.deployment(p.deploymentId).plan,
    'deployments.setPoliciesPaused': (p) => {
      this.deployment(p.deploymentId);
      this.store.updateDeployment(p.deploymentId, { policiesPaused: p.paused });
      return deploymentSummary(this.store, this.deployment(p.deploymentId));
    },
    'executions.start': (p) => this.startExecution(p),
    'executions.list': (p) => this.store.listExecutions(p.deploymentId !== undefined ? { deploymentId: p.deploymentId } : {}).map((e) => executionSummary(this.store, e)),
    'executions.get': (p) => executionDetail(this.store, this.execution(p.executionId, true)),
    'executions.cancel': (p) => this.cancelExecution(p.executionId, p.force ?? false),
    'executions.resume': (p) => this.resumeExecution(p.executionId),
    'instances.list': (p) => {
      this.deployment(p.deploymentId);
      return this.store.listInstances(p.deploymentId, p.nodeId).map(instanceSummary);
    },
    'events.query': (p) => this.store.queryEvents(p),
    'metrics.query': (p) => {
      this.deployment(p.deploymentId);
      if (!(p.to >= p.from)) fail('invalid-params', 'metrics.query: `to` must not be before `from`');
      return this.metricsOrFail().query(p);
    },
    'metrics.list': (p) => {
      this.deployment(p.deploymentId);
      return this.metricsOrFail().list(p.deploymentId);
    },
    'load.generate': async (p) => {
      const d = this.deployment(p.deploymentId);
      if (d.status !== 'installed') fail('conflict', `deployment "${d.id}" is ${d.status}; install it before sending load`);
      const { outputs } = await this.outputs(d.id);
      const url = outputs.url;
      if (typeof url !== 'string' || !url) fail('conflict', `deployment "${d.id}" has no \`url\` output to send load to`);
      try {
        return await this.metricsOrFail().generateLoad(p, url as string);
      } catch (error) {
        if (error instanceof RangeError) fail('forbidden', error.message);
        throw error;
      }
    },
    'secrets.list': () =>
      this.store.listSecretRefs().map((r) => ({ name: r.name, store: r.store, updatedAt: r.updatedAt })),
    'secrets.set': async (p) => {
      await this.secretStore.set(p.name, p.value);
      this.store.putSecretRef(p.name, this.secretStore.kind);
      const ref = this.store.getSecretRef(p.name);
      return { name: p.name, store: this.secretStore.kind, updatedAt: ref?.updatedAt ?? new Date().toISOString() };
    },
    'secrets.delete': async (p) => {
      if (!this.store.getSecretRef(p.name)) fail('not-found', `no secret named "${p.name}"`);
      await this.secretStore.delete(p.name);
      this.store.deleteSecretRef(p.name);
      return { deleted: true as const };
    },
  };

  private metricsOrFail(): HostMetrics {
    return this.metrics ?? fail('unavailable', 'metrics are turned off in this engine host');
  }

  /** What the metrics scheduler may see and do (engine/metrics/scheduler.ts). */
  private metricsPort(): MetricsHostPort {
    return {
      // Collectors read credentials operations kept for them (e.g. a cluster's kubeconfig).
      secrets: { get: (name) => this.secretStore.get(name) },
      deployments: () => this.store.listDeployments(),
      instances: (id) => this.store.listInstances(id),
      busyWith: (id) => {
        const e = this.activeExecutions(id)[0] ?? this.store.listExecutions({ deploymentId: id, statuses: ['queued'] })[0];
        return e ? `${e.workflow} ${e.id}` : undefined;
      },
      startWorkflow: (deploymentId, workflow, parameters, triggeredBy) => {
        try {
          const r = this.startExecution({ deploymentId, workflow, parameters, whenBusy: 'refuse' }, triggeredBy) as ExecutionSummary;
          return Promise.resolve({ ok: true, executionId: r.id });
        } catch (error) {
          return Promise.resolve({ ok: false, message: error instanceof Error ? error.message : String(error) });
        }
      },
      lastScale: (deploymentId) => {
        let last: ExecutionRecord | undefined;
        for (const e of this.store.listExecutions({ deploymentId })) if (e.workflow === 'scale' && !e.dryRun && (!last || e.createdAt > last.createdAt)) last = e;
        if (!last) return undefined;
        const endedAt = msOf(last.endedAt);
        return { createdAt: msOf(last.createdAt) ?? 0, ...(endedAt !== undefined ? { endedAt } : {}) };
      },
      emit: (event) => {
        if (!this.closed) this.bus.emit(event);
      },
    };
  }

  // -------------------------------------------------------------------------------------
  // Blueprints and deployments

  private resolverCache: ImportResolver | undefined;

  private get resolver(): ImportResolver {
    this.resolverCache ??= createImportResolver({
      coreTypesFile: this.options.coreTypesFile ?? defaultCoreTypesFile,
      libraries: this.registry.plugins.flatMap((p) => p.typeLibraries.map((l) => ({ ...l, plugin: p.name }))),
    });
    return this.resolverCache;
  }

  private compile(file: string, text?: string, inputs?: Record<string, Value>, validateOnly = false): CompileResult {
    const options: CompileOptions = { file: resolve(file), resolver: this.resolver, validateOnly };
    if (text !== undefined) options.text = text;
    if (inputs !== undefined) options.inputs = inputs;
    return compile(options);
  }

  private examples(): ResultOf<'blueprint.examples'> {
    const dir = this.options.examplesDir;
    if (!dir || !existsSync(dir)) return [];
    const out: ResultOf<'blueprint.examples'> = [];
    for (const name of readdirSync(dir).sort()) {
      const folder = join(dir, name);
      if (!statSync(folder).isDirectory()) continue;
      const main = ['blueprint.yaml', 'blueprint.yml', 'main.yaml'].map((f) => join(folder, f)).find((f) => existsSync(f));
      if (!main) continue;
      let description = '';
      try {
        const doc = parseYaml(readFileSync(main, 'utf8')) as { description?: unknown } | null;
        if (typeof doc?.description === 'string') description = doc.description.trim();
      } catch {
        description = '(the blueprint does not parse)';
      }
      out.push({ name, description, file: main });
    }
    return out;
  }

  private deployment(id: string): DeploymentRecord {
    return this.store.getDeployment(id) ?? fail('not-found', `no deployment "${id}"`);
  }

  private execution(id: string, withGraph = false): ExecutionRecord {
    return this.store.getExecution(id, { withGraph }) ?? fail('not-found', `no execution "${id}"`);
  }

  private createDeployment(blueprintFile: string, id: string, inputs: Record<string, Value>): ResultOf<'deployments.create'> {
    if (!DEPLOYMENT_ID.test(id)) fail('invalid-params', `deployment id "${id}" must start with a letter or digit and use only letters, digits, '_', '.', '-' (at most 100)`);
    if (this.store.getDeployment(id)) fail('conflict', `deployment "${id}" already exists`);
    const file = resolve(blueprintFile);
    if (!existsSync(file)) fail('not-found', `no blueprint file ${file}`);
    const result = this.compile(file, undefined, inputs);
    const errors = result.problems.filter((p) => p.severity === 'error');
    if (!result.plan || errors.length) {
      const first = errors[0];
      const where = first ? ` (${first.file}:${first.range.line}:${first.range.column})` : '';
      fail(
        'invalid-blueprint',
        `cannot deploy ${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}${first ? `; first: ${first.message}${where}` : ''}`,
        result.problems,
      );
    }
    const plan = result.plan!;
    const sources: Record<string, string> = {};
    for (const f of plan.files) {
      try {
        sources[f] = readFileSync(f, 'utf8');
      } catch {
        // virtual or unreadable library files are not part of the snapshot
      }
    }
    const text = sources[file] ?? readFileSync(file, 'utf8');
    const instances: ModelInstance[] = plan.instances.map((i) => ({ ...i, state: 'uninitialized', runtimeProperties: {}, version: 1 }));
    this.store.transaction(() => {
      const bp = this.store.putBlueprint({ mainFile: file, text, sources });
      this.store.insertDeployment({ id, blueprintId: bp.id, blueprintFile: file, inputs, status: 'created', plan });
      this.store.insertInstances(id, instances);
      this.emitDeployment(id, 'created', `deployment ${id} created from ${file} (${instances.length} instances)`);
    });
    return deploymentSummary(this.store, this.deployment(id));
  }

  private deleteDeployment(id: string, force: boolean): { deleted: true } {
    this.deployment(id);
    const active = this.activeExecutions(id);
    if (active.length) fail('busy', `deployment "${id}" has an active execution (${active[0]!.workflow} ${active[0]!.id}); cancel it first`);
    const live = this.store.listInstances(id).filter((i) => i.state !== 'uninitialized' && i.state !== 'deleted');
    if (live.length && !force)
      fail('conflict', `deployment "${id}" has ${live.length} live instance${live.length === 1 ? '' : 's'} (e.g. ${live[0]!.id}: ${live[0]!.state}); uninstall it first, or delete with force (resources are left behind)`);
    this.store.transaction(() => {
      for (const q of this.store.listExecutions({ deploymentId: id, statuses: ['queued'] })) this.store.updateExecution(q.id, { status: 'cancelled' });
      this.store.deleteDeployment(id);
    });
    this.metrics?.forgetDeployment(id);
    this.emitDeployment(id, 'uninstalled', `deployment ${id} deleted${live.length ? ` (forced, ${live.length} live instances left behind)` : ''}`);
    return { deleted: true };
  }

  private async outputs(id: string): Promise<ResultOf<'deployments.outputs'>> {
    const d = this.deployment(id);
    const evalAll = async (entries: Record<string, { value: Value }>): Promise<Record<string, Value>> => {
      const out: Record<string, Value> = {};
      for (const [k, v] of Object.entries(entries)) {
        try {
          out[k] = await this.evaluate(v.value, { deploymentId: id }, d.plan);
        } catch {
          out[k] = null;
        }
      }
      return out;
    };
    return { outputs: await evalAll(d.plan.outputs), capabilities: await evalAll(d.plan.capabilities) };
  }

  // -------------------------------------------------------------------------------------
  // Run-time values, secrets, capabilities

  private readonly secrets: SecretsAccess = {
    get: async (name) => {
      const v = await this.secretStore.get(name);
      if (v === undefined) throw new NonRecoverableError(`secret "${name}" does not exist`);
      return v;
    },
    set: async (name, value) => {
      await this.secretStore.set(name, value);
      this.store.putSecretRef(name, this.secretStore.kind);
    },
    delete: async (name) => {
      await this.secretStore.delete(name);
      this.store.deleteSecretRef(name);
    },
  };

  private evaluate(value: Value, scope: RuntimeValueScope, plan: Plan): Promise<Value> {
    return evaluateRuntime(value, scope, { store: this.store, getSecret: (n) => this.secrets.get(n), getCapability: (d, n) => this.getCapability(d, n) }, plan);
  }

  private async getCapability(deploymentId: string, name: string): Promise<Value> {
    const d = this.store.getDeployment(deploymentId);
    if (!d) throw new Error(`get_capability: no deployment "${deploymentId}"`);
    const cap = d.plan.capabilities[name];
    if (!cap) throw new NonRecoverableError(`get_capability: deployment "${deploymentId}" has no capability "${name}" (has: ${Object.keys(d.plan.capabilities).join(', ') || 'none'})`);
    return this.evaluate(cap.value, { deploymentId }, d.plan);
  }

  // -------------------------------------------------------------------------------------
  // Executions

  private activeExecutions(deploymentId: string): ExecutionRecord[] {
    return this.store
      .listExecutions({ deploymentId, statuses: ACTIVE_STATUSES })
      .filter((e) => this.running.has(e.id) || (e.ownerPid !== process.pid && pidAlive(e.ownerPid)));
  }

  private model(d: DeploymentRecord): DeploymentModel {
    return { deploymentId: d.id, plan: d.plan, instances: this.store.listInstances(d.id) };
  }

  private build(d: DeploymentRecord, workflow: string, parameters: Record<string, Value>): { graph: TaskGraph; extras: ExecutionExtras } {
    try {
      const b = buildWorkflow(workflow, this.model(d), parameters);
      const extras: ExecutionExtras = {};
      if (b.modification) extras.modification = b.modification;
      if (b.rollback) extras.rollback = b.rollback;
      return { graph: b.graph, extras };
    } catch (error) {
      if (error instanceof WorkflowParameterError) return fail('invalid-params', error.message);
      throw error;
    }
  }

  private startExecution(p: ParamsOf<'executions.start'>, triggeredBy?: string): ResultOf<'executions.start'> {
    const d = this.deployment(p.deploymentId);
    const parameters = p.parameters ?? {};
    // Built now even when it will be queued: bad parameters (bounds, unknown ids) are
    // refused before anything is recorded.
    const { graph, extras } = this.build(d, p.workflow, parameters);
    if (p.dryRun) {
      return {
        dryRun: true,
        tasks: graph.tasks.map((t) => {
          const out: { id: string; name: string; dependsOn: string[]; instanceId?: string; operation?: string } = { id: t.id, name: t.name, dependsOn: t.dependsOn };
          if (t.instanceId !== undefined) out.instanceId = t.instanceId;
          if (t.operation !== undefined) out.operation = t.operation;
          return out;
        }),
      };
    }
    const id = `${p.workflow.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 32)}_${randomBytes(4).toString('hex')}`;
    const queued = this.store.transaction(() => {
      const active = this.activeExecutions(d.id);
      const busy = active.length > 0 || this.store.listExecutions({ deploymentId: d.id, statuses: ['queued'] }).length > 0;
      if (busy && p.whenBusy === 'refuse') {
        const a = active[0];
        fail('busy', `deployment "${d.id}" is busy${a ? ` running ${a.workflow} (${a.id})` : ' with queued executions'}; wait for it to end or cancel it`);
      }
      this.store.insertExecution({
        id,
        deploymentId: d.id,
        workflow: p.workflow,
        parameters,
        status: busy ? 'queued' : 'pending',
        triggeredBy: triggeredBy ?? this.options.triggeredBy ?? 'user',
        dryRun: false,
        ...(busy ? {} : { graph, modification: extras }),
        ownerPid: process.pid,
      });
      this.emitExecution(id, d.id, p.workflow, busy ? 'queued' : 'pending');
      return busy;
    });
    if (queued) this.watch();
    else this.launch(id, false);
    return executionSummary(this.store, this.execution(id));
  }

  private launch(id: string, resume: boolean): void {
    const entry: RunningExecution = { done: Promise.resolve() };
    this.running.set(id, entry);
    entry.done = this.runExecution(id, resume, entry)
      .catch((error: unknown) => {
        const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
        try {
          const rec = this.store.getExecution(id, { withGraph: false });
          this.store.updateExecution(id, { status: 'failed', error: message, endedAt: now() });
          if (rec) this.emitExecution(id, rec.deploymentId, rec.workflow, 'failed', message);
        } catch {
          // the store is gone (closing): the execution is recovered as interrupted next start
        }
      })
      .finally(() => {
        this.running.delete(id);
        for (const f of this.finished.get(id) ?? []) f();
        this.finished.delete(id);
        const rec = this.closed ? undefined : this.store.getExecution(id, { withGraph: false });
        if (rec) this.pumpQueue(rec.deploymentId);
      });
    this.watch();
  }

  private async runExecution(id: string, resume: boolean, entry: RunningExecution): Promise<void> {
    const { store } = this;
    const rec = this.execution(id, true);
    const d = this.deployment(rec.deploymentId);
    const graph = rec.graph as TaskGraph;
    const extras = (rec.modification ?? {}) as ExecutionExtras;
    store.transaction(() => {
      if (extras.modification && !extras.applied) {
        const existing = new Set(store.listInstances(d.id).map((i) => i.id));
        store.insertInstances(d.id, extras.modification.added.filter((i) => !existing.has(i.id)));
        for (const r of extras.modification.addedRelationships) store.addRelationship(d.id, r.sourceId, r.relationship);
        extras.applied = true;
      }
      store.updateExecution(id, { status: 'started', startedAt: now(), ownerPid: process.pid, interrupted: false, error: undefined, endedAt: undefined, modification: extras });
      if (rec.workflow === 'install') this.setDeploymentStatus(d.id, 'installing');
      if (rec.workflow === 'uninstall') this.setDeploymentStatus(d.id, 'uninstalling');
      this.emitExecution(id, d.id, rec.workflow, 'started', resume ? `${rec.workflow} resumed` : undefined);
    });
    const executorFor = (g: TaskGraph): Executor => {
      const ex = new Executor({
        store,
        plugins: this.registry,
        pluginLimiter: this.limiter,
        execution: { id, deploymentId: d.id, blueprintId: d.blueprintId, workflow: rec.workflow },
        graph: g,
        plan: d.plan,
        events: { emit: (e) => this.bus.emit(e) },
        ...(this.options.concurrency !== undefined ? { concurrency: this.options.concurrency } : {}),
        ...(this.options.retryDefaults ? { retryDefaults: this.options.retryDefaults } : {}),
        evaluate: (v, scope) => this.evaluate(v, scope, d.plan),
        secrets: this.secrets,
        getCapability: (dep, name) => this.getCapability(dep, name),
        blueprintDir: dirname(d.blueprintFile),
      });
      entry.executor = ex;
      if (entry.cancel) ex.cancel(entry.cancel === 'force');
      return ex;
    };
    const outcome = await executorFor(graph).run();
    let error = outcome.error;
    if (outcome.status === 'failed' && extras.rollback && extras.modification) {
      this.log(id, d.id, 'warn', `${rec.workflow} failed; rolling back the ${extras.modification.added.length} added instance(s)`);
      const rb: TaskGraph = {
        workflow: `${extras.rollback.workflow}`,
        tasks: extras.rollback.tasks.map((t) => ({ ...t, id: `rollback/${t.id}`, dependsOn: t.dependsOn.map((x) => `rollback/${x}`) })),
      };
      const rbOutcome = await executorFor(rb).run();
      store.transaction(() => {
        store.deleteInstances(d.id, extras.modification!.added.map((i) => i.id));
        for (const r of extras.modification!.addedRelationships) store.removeRelationship(d.id, r.sourceId, r.relationship.targetId);
      });
      error = `${error ?? 'failed'}; rolled back${rbOutcome.status === 'succeeded' ? '' : ` (rollback ${rbOutcome.status}: ${rbOutcome.error ?? ''})`}`;
    }
    const status: ExecutionStatus = outcome.status === 'succeeded' ? 'terminated' : outcome.status;
    store.transaction(() => {
      if (outcome.status === 'succeeded' && extras.modification) {
        store.deleteInstances(d.id, extras.modification.removed);
        for (const r of extras.modification.removedRelationships) store.removeRelationship(d.id, r.sourceId, r.targetId);
      }
      store.updateExecution(id, { status, endedAt: now(), ...(error !== undefined ? { error } : {}) });
      this.settleDeploymentStatus(d.id, rec.workflow, outcome.status);
      this.emitExecution(id, d.id, rec.workflow, status, error);
      this.bus.emit({ type: 'workflow', time: now(), level: outcome.status === 'succeeded' ? 'info' : 'error', deploymentId: d.id, executionId: id, workflow: rec.workflow, result: outcome.status, message: `${rec.workflow} ${outcome.status}${error ? `: ${error}` : ''}` });
    });
  }

  private cancelExecution(id: string, force: boolean): ExecutionSummary {
    const rec = this.execution(id);
    if ((TERMINAL_STATUSES as readonly string[]).includes(rec.status)) fail('conflict', `execution ${id} already ended (${rec.status}); nothing to cancel`);
    const status: ExecutionStatus = force ? 'force_cancelling' : 'cancelling';
    const local = this.running.get(id);
    if (rec.status === 'queued' || (!local && !(rec.ownerPid !== process.pid && pidAlive(rec.ownerPid)))) {
      // Nobody runs it: it ends here.
      this.store.updateExecution(id, { status: 'cancelled', endedAt: now(), error: rec.status === 'queued' ? 'cancelled while queued' : 'cancelled (its engine had stopped)' });
      this.emitExecution(id, rec.deploymentId, rec.workflow, 'cancelled');
      for (const f of this.finished.get(id) ?? []) f();
      this.finished.delete(id);
      return executionSummary(this.store, this.execution(id));
    }
    this.store.updateExecution(id, { status });
    this.emitExecution(id, rec.deploymentId, rec.workflow, status);
    if (local) {
      local.cancel = force ? 'force' : 'cancel';
      local.executor?.cancel(force);
    }
    // Otherwise the engine process that owns it sees the status change (watch()).
    return executionSummary(this.store, this.execution(id));
  }

  private resumeExecution(id: string): ExecutionSummary {
    const rec = this.execution(id, true);
    if (rec.status !== 'failed' && rec.status !== 'cancelled')
      fail('conflict', `execution ${id} is ${rec.status === 'terminated' ? 'finished (terminated)' : rec.status}; only failed or cancelled executions can be resumed`);
    if (rec.dryRun || !rec.graph) fail('conflict', `execution ${id} never started running; start the workflow again instead`);
    const extras = (rec.modification ?? {}) as ExecutionExtras;
    if (extras.rollback && rec.error?.includes('rolled back')) fail('conflict', `execution ${id} was rolled back; start the workflow again instead`);
    this.store.transaction(() => {
      const active = this.activeExecutions(rec.deploymentId);
      if (active.length) fail('busy', `deployment "${rec.deploymentId}" is busy running ${active[0]!.workflow} (${active[0]!.id})`);
      this.store.updateExecution(id, { status: 'pending', ownerPid: process.pid });
    });
    this.launch(id, true);
    return executionSummary(this.store, this.execution(id));
  }

  /** Starts this host's oldest queued execution of a deployment once it is free. */
  private pumpQueue(deploymentId: string): void {
    if (this.closed) return;
    const next = this.store.transaction(() => {
      if (this.activeExecutions(deploymentId).length) return undefined;
      const q = this.store.listExecutions({ deploymentId, statuses: ['queued'] })[0];
      if (!q || q.ownerPid !== process.pid) return undefined;
      const d = this.store.getDeployment(deploymentId);
      if (!d) return undefined;
      try {
        const { graph, extras } = this.build(d, q.workflow, q.parameters);
        this.store.updateExecution(q.id, { status: 'pending', graph, modification: extras });
        return q.id;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.store.updateExecution(q.id, { status: 'failed', endedAt: now(), error: message });
        this.emitExecution(q.id, deploymentId, q.workflow, 'failed', message);
        for (const f of this.finished.get(q.id) ?? []) f();
        return undefined;
      }
    });
    if (next) this.launch(next, false);
  }

  /** While this host runs or queues executions: apply cancel requests made by other
   * processes, and start queued ones when another process frees their deployment. */
  private watch(): void {
    if (this.watchTimer || this.closed) return;
    this.watchTimer = setInterval(() => {
      if (this.closed) return;
      for (const [id, r] of this.running) {
        const status = this.store.executionStatus(id);
        if (status === 'force_cancelling' && r.cancel !== 'force') {
          r.cancel = 'force';
          r.executor?.cancel(true);
        } else if (status === 'cancelling' && !r.cancel) {
          r.cancel = 'cancel';
          r.executor?.cancel(false);
        }
      }
      const queued = this.store.listExecutions({ statuses: ['queued'] }).filter((q) => q.ownerPid === process.pid);
      for (const dep of new Set(queued.map((q) => q.deploymentId))) this.pumpQueue(dep);
      if (!this.running.size && !queued.length && this.watchTimer) {
        clearInterval(this.watchTimer);
        this.watchTimer = undefined;
      }
    }, 250);
    this.watchTimer.unref();
  }

  private onFinished(id: string, f: () => void): void {
    let list = this.finished.get(id);
    if (!list) this.finished.set(id, (list = []));
    list.push(f);
  }

  /** Start-up: executions whose engine died become failed + interrupted (resumable). */
  private recover(): void {
    const orphaned = this.store
      .listExecutions({ statuses: [...ACTIVE_STATUSES, 'queued'] })
      .filter((e) => e.ownerPid === process.pid || !pidAlive(e.ownerPid));
    const toResume: string[] = [];
    for (const e of orphaned) {
      if (e.status === 'queued') {
        if (this.options.resumeInterrupted) this.store.updateExecution(e.id, { ownerPid: process.pid });
        else {
          this.store.updateExecution(e.id, { status: 'cancelled', endedAt: now(), error: 'cancelled: the engine that queued it stopped before it ran' });
          this.emitExecution(e.id, e.deploymentId, e.workflow, 'cancelled');
        }
        continue;
      }
      const wasCancelling = e.status === 'cancelling' || e.status === 'force_cancelling';
      const status: ExecutionStatus = wasCancelling ? 'cancelled' : 'failed';
      const error = `interrupted: the engine stopped while ${e.workflow} was running; resume it with \`trellis executions resume ${e.id}\``;
      this.store.transaction(() => {
        this.store.updateExecution(e.id, { status, interrupted: true, endedAt: now(), error });
        this.settleDeploymentStatus(e.deploymentId, e.workflow, wasCancelling ? 'cancelled' : 'failed');
        this.emitExecution(e.id, e.deploymentId, e.workflow, status, error);
      });
      if (this.options.resumeInterrupted && !wasCancelling) toResume.push(e.id);
    }
    for (const id of toResume) {
      const r = this.resumeExecutionSafe(id);
      if (r) this.log(id, r.deploymentId, 'info', `resuming ${r.workflow} after an engine restart`);
    }
    if (this.options.resumeInterrupted) this.watch();
  }

  private resumeExecutionSafe(id: string): ExecutionSummary | undefined {
    try {
      return this.resumeExecution(id);
    } catch {
      return undefined;
    }
  }

  // -------------------------------------------------------------------------------------
  // Status and events

  private setDeploymentStatus(id: string, status: DeploymentStatus): void {
    const d = this.store.getDeployment(id);
    if (!d || d.status === status) return;
    this.store.updateDeployment(id, { status });
    this.emitDeployment(id, status, `deployment ${id}: ${d.status} -> ${status}`);
  }

  private settleDeploymentStatus(id: string, workflow: string, outcome: 'succeeded' | 'failed' | 'cancelled'): void {
    if (workflow === 'install') this.setDeploymentStatus(id, outcome === 'succeeded' ? 'installed' : outcome === 'failed' ? 'failed' : 'partial');
    else if (workflow === 'uninstall') this.setDeploymentStatus(id, outcome === 'succeeded' ? 'uninstalled' : 'partial');
  }

  private emitDeployment(id: string, status: DeploymentStatus, message: string): void {
    this.bus.emit({ type: 'deployment', time: now(), level: 'info', deploymentId: id, status, message });
  }

  private emitExecution(id: string, deploymentId: string, workflow: string, status: ExecutionStatus, detail?: string): void {
    const level = status === 'failed' ? 'error' : status === 'cancelled' || status === 'cancelling' || status === 'force_cancelling' ? 'warn' : 'info';
    const event: NewEvent = { type: 'execution', time: now(), level, deploymentId, executionId: id, workflow, status, message: `${workflow} ${id}: ${status}${detail ? ` (${detail})` : ''}` };
    this.bus.emit(event);
  }

  private log(executionId: string, deploymentId: string, level: 'info' | 'warn', message: string): void {
    this.bus.emit({ type: 'log', time: now(), level, deploymentId, executionId, message });
  }
}

/** Creates the in-process engine host. See EngineHostOptions. */
export function createEngineHost(options: EngineHostOptions): EngineHost {
  return new EngineHost(options);
}
