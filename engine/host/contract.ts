/**
 * The host contract: the one typed API between the engine and its users. Declared once
 * here; implemented by three transports (Electron IPC in electron/, WebSocket in
 * engine/host/ws-server.ts for the browser build, in-process for the CLI). The renderer
 * imports nothing from engine/ but this file.
 *
 * Conventions: every call is `method(params) -> result`, results cross transports as data
 * (`HostResult`), never as thrown errors; live data arrives as batches of `HostEvent`s on a
 * subscription. Add methods freely; never change the meaning of an existing one.
 *
 * This file must stay free of runtime imports from the engine (types only), so that the
 * renderer bundle does not pull engine code in.
 */
import type { Problem, SourceRange } from '../dsl/problem';
import type { Plan, PropertySchema, Value } from '../dsl/plan-model';

export type { Problem, SourceRange, Plan, PropertySchema, Value };

// ---------------------------------------------------------------------------------------
// Results and errors

export const HostErrorCode = {
  invalidParams: 'invalid-params',
  notFound: 'not-found',
  conflict: 'conflict',
  invalidBlueprint: 'invalid-blueprint',
  busy: 'busy',
  forbidden: 'forbidden',
  internal: 'internal',
  unavailable: 'unavailable',
} as const;
export type HostErrorCode = (typeof HostErrorCode)[keyof typeof HostErrorCode];

export interface HostError {
  code: HostErrorCode;
  message: string;
  /** Located problems when the error is about a blueprint. */
  problems?: Problem[];
}

export type HostResult<T> = { ok: true; value: T } | { ok: false; error: HostError };

// ---------------------------------------------------------------------------------------
// Blueprints and the designer

export interface CompileParams {
  /** Absolute path of the main blueprint file (imports resolve relative to it). */
  file: string;
  /** Unsaved text of the main file; read from disk when absent. */
  text?: string;
  /** Input values for planning; missing required inputs are reported as problems. */
  inputs?: Record<string, Value>;
  /** Check the document only (no plan): what the designer wants while the user types.
   * Missing required inputs are then warnings, since values come at deploy time. */
  validateOnly?: boolean;
}

export interface CompileResult {
  problems: Problem[];
  /** Absent when the blueprint has errors that prevent planning. */
  plan?: Plan;
}

/** One entry of the designer's palette. */
export interface TypeInfo {
  name: string;
  kind: 'node' | 'relationship';
  /** Most-derived first. */
  hierarchy: string[];
  description?: string;
  /** Where it comes from: `core`, a plugin name, or `blueprint`. */
  library: string;
  properties: Record<string, PropertySchema>;
  /** Interfaces -> operation names. */
  interfaces: Record<string, string[]>;
  /** For relationship types: which base kind it derives from. */
  relationshipKind?: 'contained_in' | 'connected_to' | 'depends_on';
}

export interface TypeCatalog {
  types: TypeInfo[];
  dataTypes: Record<string, { description?: string; properties: Record<string, PropertySchema> }>;
  problems: Problem[];
}

export interface FileEntry {
  path: string;
  name: string;
  isDirectory: boolean;
}

export interface ExampleBlueprint {
  name: string;
  description: string;
  /** Absolute path of the main blueprint file. */
  file: string;
}

// ---------------------------------------------------------------------------------------
// Deployments, executions, instances

export const DeploymentStatus = {
  created: 'created',
  installing: 'installing',
  installed: 'installed',
  partial: 'partial',
  failed: 'failed',
  uninstalling: 'uninstalling',
  uninstalled: 'uninstalled',
} as const;
export type DeploymentStatus = (typeof DeploymentStatus)[keyof typeof DeploymentStatus];

export interface DeploymentSummary {
  id: string;
  blueprintId: string;
  blueprintFile: string;
  status: DeploymentStatus;
  createdAt: string;
  updatedAt: string;
  inputs: Record<string, Value>;
  /** The execution running now, if any. */
  activeExecutionId?: string;
  /** Instance counts by lifecycle state. */
  instanceCounts: Record<string, number>;
  /** Free-form facts plugins contribute (e.g. `openstack: "cloud devstack / project admin"`). */
  environment?: Record<string, string>;
  policiesPaused: boolean;
}

export const ExecutionStatus = {
  pending: 'pending',
  queued: 'queued',
  started: 'started',
  cancelling: 'cancelling',
  forceCancelling: 'force_cancelling',
  cancelled: 'cancelled',
  terminated: 'terminated',
  failed: 'failed',
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];

export interface ExecutionSummary {
  id: string;
  deploymentId: string;
  workflow: string;
  parameters: Record<string, Value>;
  status: ExecutionStatus;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  error?: string;
  dryRun: boolean;
  taskCounts: Record<TaskStatus, number>;
  /** Who started it: `user`, `cli`, or `policy:<name>`. */
  triggeredBy: string;
}

export const TaskStatus = {
  pending: 'pending',
  running: 'running',
  retrying: 'retrying',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export interface TaskSummary {
  id: string;
  executionId: string;
  /** `operation` runs a plugin operation; `state` sets an instance state; others are markers. */
  kind: 'operation' | 'state' | 'event' | 'noop';
  name: string;
  nodeId?: string;
  instanceId?: string;
  /** Operation name, e.g. `cloudify.interfaces.lifecycle.create`. */
  operation?: string;
  /** For relationship operations. */
  relationship?: { targetId: string; side: 'source' | 'target' };
  dependsOn: string[];
  status: TaskStatus;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  error?: string;
}

export interface ExecutionDetail extends ExecutionSummary {
  tasks: TaskSummary[];
}

export interface NodeInstanceSummary {
  id: string;
  deploymentId: string;
  nodeId: string;
  state: string;
  hostId?: string;
  containerId?: string;
  /** Secrets masked as `"••••••"`. */
  runtimeProperties: Record<string, Value>;
  relationships: { targetId: string; targetNode: string; type: string }[];
  version: number;
  /** Set when the last operation on it failed. */
  lastError?: string;
}

export interface StartExecutionParams {
  deploymentId: string;
  workflow: 'install' | 'uninstall' | 'scale' | 'heal' | 'execute_operation' | (string & {});
  parameters?: Record<string, Value>;
  /** Build and return the task graph without running anything. */
  dryRun?: boolean;
  /** When another execution is active: `queue` it (default) or `refuse`. */
  whenBusy?: 'queue' | 'refuse';
}

export interface DryRunTask {
  id: string;
  name: string;
  instanceId?: string;
  operation?: string;
  dependsOn: string[];
}

// ---------------------------------------------------------------------------------------
// Events (live and stored)

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

interface EventBase {
  /** Monotonic per host; resume a subscription after it. */
  seq: number;
  /** ISO-8601 time. */
  time: string;
  level: EventLevel;
  deploymentId?: string;
  executionId?: string;
  nodeId?: string;
  instanceId?: string;
  message: string;
}

export type HostEvent =
  | (EventBase & { type: 'execution'; status: ExecutionStatus; workflow: string })
  | (EventBase & { type: 'task'; taskId: string; status: TaskStatus; operation?: string; attempt: number })
  | (EventBase & { type: 'instance'; state: string; previousState?: string })
  | (EventBase & { type: 'log'; taskId?: string; operation?: string; /** Structured fields the logger was given (e.g. `stream`). */ data?: Record<string, Value> })
  | (EventBase & { type: 'workflow'; workflow: string; result?: Value })
  | (EventBase & { type: 'deployment'; status: DeploymentStatus })
  | (EventBase & { type: 'metric'; samples: MetricSample[] })
  | (EventBase & { type: 'policy'; policy: string; decision: 'scale_out' | 'scale_in' | 'heal' | 'hold' | 'skip'; reason: string })
  | (EventBase & { type: 'engine'; state: 'ready' | 'restarting' | 'crashed' });

export type HostEventType = HostEvent['type'];

export interface EventFilter {
  deploymentId?: string;
  executionId?: string;
  nodeId?: string;
  instanceId?: string;
  levels?: EventLevel[];
  types?: HostEventType[];
  /** Case-insensitive substring of the message. */
  text?: string;
}

export interface EventQuery extends EventFilter {
  /** Only events with seq greater than this. */
  afterSeq?: number;
  limit?: number;
}

// ---------------------------------------------------------------------------------------
// Metrics

export interface MetricSample {
  deploymentId: string;
  nodeId: string;
  instanceId: string;
  metric: string;
  /** Milliseconds since the epoch. */
  time: number;
  value: number;
  labels?: Record<string, string>;
}

export interface MetricQuery {
  deploymentId: string;
  nodeId?: string;
  instanceId?: string;
  metric: string;
  /** Milliseconds since the epoch. */
  from: number;
  to: number;
  /** Bucket width in ms; raw samples when absent. */
  stepMs?: number;
  aggregation?: 'avg' | 'min' | 'max' | 'sum' | 'last' | 'rate';
}

/** `load.generate`: bounded HTTP GET traffic to a deployment's `url` output (127.0.0.1 only),
 * e.g. to watch a scale policy react. A new call replaces the deployment's running load;
 * `rps: 0` stops it. */
export interface LoadParams {
  deploymentId: string;
  /** Requests per second, at most 500. */
  rps: number;
  /** How long, at most 600. */
  seconds: number;
  /** Path appended to the url. @default '/' */
  path?: string;
  /** Resolve only when the load has ended (the CLI does); otherwise at once. */
  wait?: boolean;
}

export interface LoadResult {
  url: string;
  rps: number;
  seconds: number;
  /** Filled in when `wait` was set: what was sent and how it went. */
  sent?: number;
  ok?: number;
  failed?: number;
}

export interface MetricSeries {
  instanceId: string;
  nodeId: string;
  metric: string;
  points: { time: number; value: number }[];
}

// ---------------------------------------------------------------------------------------
// The method table

/** Every host method: its params and its result. */
export interface HostMethods {
  'host.info': { params: Record<string, never>; result: { version: string; home: string; plugins: string[] } };

  'blueprint.compile': { params: CompileParams; result: CompileResult };
  'blueprint.typeCatalog': { params: { file: string; text?: string }; result: TypeCatalog };
  'blueprint.examples': { params: Record<string, never>; result: ExampleBlueprint[] };

  'files.read': { params: { path: string }; result: { path: string; text: string } };
  'files.write': { params: { path: string; text: string }; result: { path: string } };
  'files.list': { params: { dir: string }; result: FileEntry[] };

  'deployments.create': {
    params: { blueprintFile: string; deploymentId: string; inputs?: Record<string, Value> };
    result: DeploymentSummary;
  };
  'deployments.list': { params: Record<string, never>; result: DeploymentSummary[] };
  'deployments.get': { params: { deploymentId: string }; result: DeploymentSummary };
  'deployments.delete': { params: { deploymentId: string; force?: boolean }; result: { deleted: true } };
  'deployments.outputs': {
    params: { deploymentId: string };
    result: { outputs: Record<string, Value>; capabilities: Record<string, Value> };
  };
  'deployments.plan': { params: { deploymentId: string }; result: Plan };
  'deployments.setPoliciesPaused': { params: { deploymentId: string; paused: boolean }; result: DeploymentSummary };

  'executions.start': { params: StartExecutionParams; result: ExecutionSummary | { dryRun: true; tasks: DryRunTask[] } };
  'executions.list': { params: { deploymentId?: string }; result: ExecutionSummary[] };
  'executions.get': { params: { executionId: string }; result: ExecutionDetail };
  'executions.cancel': { params: { executionId: string; force?: boolean }; result: ExecutionSummary };
  'executions.resume': { params: { executionId: string }; result: ExecutionSummary };

  'instances.list': { params: { deploymentId: string; nodeId?: string }; result: NodeInstanceSummary[] };

  'events.query': { params: EventQuery; result: HostEvent[] };

  'metrics.query': { params: MetricQuery; result: MetricSeries[] };
  'metrics.list': { params: { deploymentId: string }; result: { metric: string; nodeIds: string[] }[] };

  'load.generate': { params: LoadParams; result: LoadResult };

  /** Secrets referenced by get_secret. Values go in and never come back out over the
   * contract: listing shows names and where they are kept, never values. */
  'secrets.list': { params: Record<string, never>; result: SecretInfo[] };
  'secrets.set': { params: { name: string; value: string }; result: SecretInfo };
  'secrets.delete': { params: { name: string }; result: { deleted: true } };
}

export interface SecretInfo {
  name: string;
  /** Which secret store keeps the value (`file` headless, `keychain` on the desktop). */
  store: string;
  updatedAt: string;
}

export type HostMethod = keyof HostMethods;
export type ParamsOf<M extends HostMethod> = HostMethods[M]['params'];
export type ResultOf<M extends HostMethod> = HostMethods[M]['result'];

/** A live subscription delivers events in batches (back-pressure: the next batch waits for
 * the listener to return / acknowledge). */
export type EventBatchListener = (batch: HostEvent[]) => void;

/** What every transport's client offers the renderer and the CLI. */
export interface HostClient {
  call<M extends HostMethod>(method: M, params: ParamsOf<M>): Promise<HostResult<ResultOf<M>>>;
  /** Live events matching the filter, starting after `afterSeq` (stored ones first). */
  subscribe(filter: EventFilter & { afterSeq?: number }, listener: EventBatchListener): () => void;
}

/** The list of method names, for transports that validate names at the boundary. */
export const hostMethodNames = [
  'host.info',
  'blueprint.compile',
  'blueprint.typeCatalog',
  'blueprint.examples',
  'files.read',
  'files.write',
  'files.list',
  'deployments.create',
  'deployments.list',
  'deployments.get',
  'deployments.delete',
  'deployments.outputs',
  'deployments.plan',
  'deployments.setPoliciesPaused',
  'executions.start',
  'executions.list',
  'executions.get',
  'executions.cancel',
  'executions.resume',
  'instances.list',
  'events.query',
  'metrics.query',
  'metrics.list',
  'load.generate',
  'secrets.list',
  'secrets.set',
  'secrets.delete',
] as const satisfies readonly HostMethod[];

// ---------------------------------------------------------------------------------------
// Wire messages: how the message-based transports (WebSocket for the browser build, the
// Electron engine process's MessagePort) carry the calls and subscriptions above.

/** Client -> host. `id` pairs a call with its result, and names a subscription. */
export type HostWireRequest =
  | { kind: 'call'; id: number; method: string; params: unknown }
  | { kind: 'subscribe'; id: number; filter: EventFilter & { afterSeq?: number } }
  | { kind: 'unsubscribe'; id: number };

/** Host -> client. A malformed request that names no id is answered with `kind: 'error'`. */
export type HostWireMessage =
  | { kind: 'result'; id: number; result: HostResult<unknown> }
  | { kind: 'events'; id: number; batch: HostEvent[] }
  | { kind: 'error'; message: string };

// ---------------------------------------------------------------------------------------
// The desktop shell's bridge (`window.trellis`, exposed by electron/preload.ts). Declared
// here so the renderer can type it without importing the shell.

/** Commands the shell's menu (or its close guard) sends to the renderer. */
export const shellCommandNames = [
  'file.new',
  'file.open',
  'file.openRecent',
  'file.save',
  'file.saveAs',
  'file.close',
  'edit.undo',
  'edit.redo',
  'edit.find',
  'view.togglePalette',
  'view.toggleYaml',
  'view.toggleInspector',
  'view.toggleProblems',
  'view.theme',
  /** The user chose "Save" in the unsaved-changes dialog: save, then call `closeWindow()`. */
  'app.saveBeforeClose',
] as const;
export type ShellCommandName = (typeof shellCommandNames)[number];

export interface ShellCommand {
  command: ShellCommandName;
  /** For file.open / file.openRecent / file.saveAs: the file the user chose. */
  path?: string;
  /** For view.theme. */
  theme?: 'light' | 'dark' | 'system';
}

/** The engine process as the shell sees it; sent on every change. */
export interface EngineStatus {
  state: 'ready' | 'restarting' | 'crashed';
  restarts: number;
  message?: string;
  /** Executions that were running when the engine died: offer `executions.resume`. */
  interrupted: ExecutionSummary[];
}

/** What the renderer tells the shell about the open document (title, close guard, recent). */
export interface DocumentState {
  path?: string;
  dirty: boolean;
}

/** `window.trellis`: one function per host method, plus the shell's own services. */
export interface TrellisBridge {
  readonly kind: 'electron';
  readonly host: { readonly [M in HostMethod]: (params: ParamsOf<M>) => Promise<HostResult<ResultOf<M>>> };
  subscribeEvents(filter: EventFilter & { afterSeq?: number }, listener: EventBatchListener): () => void;
  onCommand(listener: (command: ShellCommand) => void): () => void;
  onEngineStatus(listener: (status: EngineStatus) => void): () => void;
  /** Starts the engine again after it was given up on (status `crashed`). */
  restartEngine(): void;
  dialogs: {
    /** Native open dialog for a blueprint; null when cancelled. */
    openBlueprint(): Promise<string | null>;
    /** Native save dialog; null when cancelled. */
    saveBlueprint(defaultPath?: string): Promise<string | null>;
  };
  document: {
    setState(state: DocumentState): void;
    /** Closes the window (after the renderer saved, or to discard). */
    closeWindow(): void;
  };
  /** Secrets in the OS keychain (safeStorage). Values go in, never come back out. */
  secrets: {
    set(name: string, value: string): Promise<HostResult<{ name: string }>>;
    list(): Promise<HostResult<string[]>>;
    delete(name: string): Promise<HostResult<{ deleted: boolean }>>;
  };
}
