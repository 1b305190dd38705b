/**
 * What an operation implementation receives. The engine builds it per task (the runtime is
 * the only place that calls plugins); plugins never reach into the store themselves.
 */
import type { Value } from '../../engine/dsl/plan-model';

/** Re-exported so plugins import plan values from the SDK, not from the engine. */
export type { Value };

export type RuntimeProperties = Record<string, Value>;

export interface OperationLogger {
  debug(message: string, data?: Record<string, Value>): void;
  info(message: string, data?: Record<string, Value>): void;
  warn(message: string, data?: Record<string, Value>): void;
  error(message: string, data?: Record<string, Value>): void;
}

/** A node template as the operation sees it. */
export interface NodeView {
  name: string;
  type: string;
  /** Most-derived first. */
  typeHierarchy: readonly string[];
  /** Properties with plan-time functions resolved (read-only). */
  properties: Readonly<Record<string, Value>>;
}

/** A node instance as the operation sees it. */
export interface InstanceView {
  id: string;
  /** Lifecycle state: uninitialized, creating, created, ... */
  state: string;
  /** The instance this one is contained in, if any. */
  containerId?: string;
  /** The Compute instance this one runs on, if any. */
  hostId?: string;
  /**
   * Runtime properties. Writable for the instance the operation runs on (in a relationship
   * operation: both source and target); persisted atomically when the task ends, or now
   * with `update()`.
   */
  runtimeProperties: RuntimeProperties;
  /** Persist the runtime properties now (e.g. right after a cloud API returned an id). */
  update(): Promise<void>;
}

export interface EntityView {
  node: NodeView;
  instance: InstanceView;
}

/** Access to named secrets (values never appear in events or logs). */
export interface SecretsAccess {
  get(name: string): Promise<string>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface OperationContext {
  deploymentId: string;
  blueprintId: string;
  executionId: string;
  workflowId: string;
  taskId: string;
  operation: {
    /** Full name, e.g. `cloudify.interfaces.lifecycle.create`. */
    name: string;
    /** 0 on the first attempt. */
    retryNumber: number;
    maxRetries: number;
  };
  /** Node operations: the node and instance. Relationship operations: the side that runs. */
  node: NodeView;
  instance: InstanceView;
  /** Relationship operations only. */
  relationship?: {
    type: string;
    typeHierarchy: readonly string[];
    properties: Readonly<Record<string, Value>>;
    /** Which side's operation this is. */
    side: 'source' | 'target';
    source: EntityView;
    target: EntityView;
  };
  /**
   * Node operations (optional, filled by runtimes that can): this instance's outgoing
   * relationship instances with their targets, e.g. so a server's create can pass the
   * networks, ports, key pair and security groups it is connected to. Target runtime
   * properties are read-only here.
   */
  relationships?: readonly { type: string; typeHierarchy: readonly string[]; target: EntityView }[];
  /**
   * The Compute instance the operation runs on (optional, filled by runtimes that can): the
   * host of the instance whose operation this is (itself for a Compute). Its runtime
   * properties are read-only here, except when the host is the operation's own instance.
   * Transports read its `ip` and `agent_config` to reach it (plugins/script over SSH).
   */
  host?: EntityView;
  /**
   * Where the operation asked to run (optional): `host_agent` on its host (scripts run there
   * over SSH), `central_deployment_agent` in Trellis itself.
   */
  executor?: 'central_deployment_agent' | 'host_agent';
  /** Operation inputs with run-time functions already evaluated. */
  inputs: Record<string, Value>;
  logger: OperationLogger;
  /** Fires on cancel or timeout; pass it down to every I/O call. */
  signal: AbortSignal;
  /** Folder of the blueprint's main file: scripts and resources are relative to it. */
  blueprintDir: string;
  /** Resolve a resource path relative to the blueprint, refusing paths that escape it. */
  resolveResource(path: string): string;
  /**
   * Folder for this deployment's local files (process logs, state): `<Trellis home>/
   * deployments/<deployment id>`. Optional: plugins fall back to TRELLIS_HOME (or the
   * per-user default) when the engine does not set it.
   */
  deploymentDataDir?: string;
  secrets: SecretsAccess;
  /** Capabilities of another deployment (for get_capability-style wiring in plugins). */
  getCapability(deploymentId: string, name: string): Promise<Value>;
}

/** An operation implementation. Its return value (if any) is recorded on the task. */
export type OperationHandler = (ctx: OperationContext) => Promise<Value | void>;
