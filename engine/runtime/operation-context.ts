/**
 * Builds the OperationContext a plugin receives for one attempt of one task. Runtime
 * properties are tracked per view: `update()` and the end of the attempt persist only the
 * keys this attempt changed, merged onto what is stored now, so parallel relationship
 * operations on one target never overwrite each other.
 */
import { isAbsolute, relative, resolve as resolvePath, sep } from 'node:path';
import type { PlanNode, PlanRelationship, Value } from '../dsl/plan-model';
import type { EntityView, InstanceView, NodeView, OperationContext, OperationLogger, SecretsAccess } from '../../plugins/sdk';
import { NonRecoverableError } from '../../plugins/sdk';
import type { InstanceRecord, Store } from '../store';

/** Evaluates run-time intrinsic functions (get_attribute, get_secret, ...) in a value. */
export type RuntimeEvaluator = (value: Value, scope: EvaluationScope) => Promise<Value>;

export interface EvaluationScope {
  deploymentId: string;
  /** The instance the operation runs on (`SELF`). */
  selfId: string;
  /** Relationship operations: `SOURCE` and `TARGET`. */
  sourceId?: string;
  targetId?: string;
}

/** A writable view of one instance's runtime properties, tracking what this attempt changed. */
export class TrackedInstance {
  readonly view: InstanceView;
  private snapshot: string;
  private readonly baseline = new Map<string, string>();

  constructor(
    private readonly store: Store,
    readonly record: InstanceRecord,
    private readonly onPersist?: () => void,
  ) {
    const props = structuredClone(record.runtimeProperties);
    this.snapshot = JSON.stringify(props);
    for (const [k, v] of Object.entries(props)) this.baseline.set(k, JSON.stringify(v));
    const view: InstanceView = {
      id: record.id,
      state: record.state,
      runtimeProperties: props,
      update: () => {
        this.persist();
        return Promise.resolve();
      },
    };
    if (record.containerId !== undefined) view.containerId = record.containerId;
    if (record.hostId !== undefined) view.hostId = record.hostId;
    this.view = view;
  }

  /** Persists the keys changed since the last persist. Synchronous on purpose: a plugin that
   * records an id and awaits update() has it journaled before anything else can run. */
  persist(): void {
    const props = this.view.runtimeProperties;
    const now = JSON.stringify(props);
    if (now === this.snapshot) return;
    const changes: Record<string, Value | undefined> = {};
    for (const [k, v] of Object.entries(props)) {
      const s = JSON.stringify(v);
      if (this.baseline.get(k) !== s) changes[k] = v;
    }
    for (const k of this.baseline.keys()) if (!(k in props)) changes[k] = undefined;
    if (Object.keys(changes).length) {
      this.store.mergeRuntimeProperties(this.record.deploymentId, this.record.id, changes);
      this.onPersist?.();
    }
    this.baseline.clear();
    for (const [k, v] of Object.entries(props)) this.baseline.set(k, JSON.stringify(v));
    this.snapshot = now;
  }
}

export function nodeView(node: PlanNode): NodeView {
  return { name: node.name, type: node.type, typeHierarchy: node.typeHierarchy, properties: node.properties };
}

export interface ContextInput {
  deploymentId: string;
  blueprintId: string;
  executionId: string;
  workflowId: string;
  taskId: string;
  operationName: string;
  retryNumber: number;
  maxRetries: number;
  node: PlanNode;
  self: TrackedInstance;
  relationship?: {
    plan: PlanRelationship;
    side: 'source' | 'target';
    source: { node: PlanNode; instance: TrackedInstance };
    target: { node: PlanNode; instance: TrackedInstance };
  };
  /** Node operations: outgoing relationship instances with read-only target views. */
  relationships?: { plan: PlanRelationship; target: { node: PlanNode; instance: InstanceRecord } }[];
  /** The Compute instance the operation runs on (read-only unless it is `self`). */
  host?: { node: PlanNode; instance: InstanceRecord };
  executor?: 'central_deployment_agent' | 'host_agent';
  inputs: Record<string, Value>;
  logger: OperationLogger;
  signal: AbortSignal;
  blueprintDir: string;
  secrets: SecretsAccess;
  getCapability(deploymentId: string, name: string): Promise<Value>;
}

export function buildOperationContext(input: ContextInput): OperationContext {
  const entity = (e: { node: PlanNode; instance: TrackedInstance }): EntityView => ({ node: nodeView(e.node), instance: e.instance.view });
  const ctx: OperationContext = {
    deploymentId: input.deploymentId,
    blueprintId: input.blueprintId,
    executionId: input.executionId,
    workflowId: input.workflowId,
    taskId: input.taskId,
    operation: { name: input.operationName, retryNumber: input.retryNumber, maxRetries: input.maxRetries },
    node: nodeView(input.node),
    instance: input.self.view,
    inputs: input.inputs,
    logger: input.logger,
    signal: input.signal,
    blueprintDir: input.blueprintDir,
    resolveResource: (path) => resolveResource(input.blueprintDir, path),
    secrets: input.secrets,
    getCapability: (deploymentId, name) => input.getCapability(deploymentId, name),
  };
  if (input.relationships) {
    ctx.relationships = input.relationships.map((r) => ({
      type: r.plan.type,
      typeHierarchy: r.plan.typeHierarchy,
      target: { node: nodeView(r.target.node), instance: readOnlyView(r.target.instance) },
    }));
  }
  if (input.host) {
    const h = input.host;
    // The operation's own instance (a Compute's own script) keeps its live, writable view.
    const instance = h.instance.id === input.self.record.id ? input.self.view : readOnlyView(h.instance);
    ctx.host = { node: nodeView(h.node), instance };
  }
  if (input.executor) ctx.executor = input.executor;
  if (input.relationship) {
    const r = input.relationship;
    ctx.relationship = {
      type: r.plan.type,
      typeHierarchy: r.plan.typeHierarchy,
      properties: r.plan.properties,
      side: r.side,
      source: entity(r.source),
      target: entity(r.target),
    };
  }
  return ctx;
}

/** A view of another instance: a copy of its runtime properties; update() is refused. */
export function readOnlyView(record: InstanceRecord): InstanceView {
  const view: InstanceView = {
    id: record.id,
    state: record.state,
    runtimeProperties: structuredClone(record.runtimeProperties),
    update: () => Promise.reject(new NonRecoverableError(`runtime properties of ${record.id} are read-only in this operation`)),
  };
  if (record.containerId !== undefined) view.containerId = record.containerId;
  if (record.hostId !== undefined) view.hostId = record.hostId;
  return view;
}

/** A path relative to the blueprint folder; paths escaping it are refused. */
export function resolveResource(blueprintDir: string, path: string): string {
  const full = resolvePath(blueprintDir, path);
  const rel = relative(blueprintDir, full);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new NonRecoverableError(`resource path "${path}" leaves the blueprint folder`);
  return full;
}
