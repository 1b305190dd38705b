/**
 * Small hand-made plans, instances and graphs for executor tests (no compiler involved),
 * and a recording plugin: every call is logged with start/end times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan, PlanNode, PlanOperation, Value } from '../../../engine/dsl/plan-model';
import type { ModelInstance } from '../../../engine/model/deployment-model';
import type { TaskGraph, TaskSpec } from '../../../engine/workflows/task-graph';
import { openStore, type NewEvent, type Store } from '../../../engine/store';
import { Executor, PluginRegistry, type ExecutorOptions } from '../../../engine/runtime';
import type { OperationContext, OperationHandler, PluginDefinition } from '../../../plugins/sdk';

export const LIFECYCLE = 'cloudify.interfaces.lifecycle';

export function op(name: string, extra: Partial<PlanOperation> = {}): PlanOperation {
  return {
    interface: LIFECYCLE,
    name,
    kind: 'plugin',
    implementation: `rec.${name}`,
    plugin: 'rec',
    operation: name,
    inputs: {},
    executor: 'central_deployment_agent',
    maxRetries: 0,
    retryInterval: 0,
    ...extra,
  };
}

export function node(name: string, ops: Record<string, PlanOperation>, extra: Partial<PlanNode> = {}): PlanNode {
  const operations: Record<string, PlanOperation> = {};
  for (const [k, v] of Object.entries(ops)) operations[`${LIFECYCLE}.${k}`] = v;
  return {
    name,
    type: 'test.Node',
    typeHierarchy: ['test.Node', 'cloudify.nodes.Root'],
    properties: {},
    operations,
    relationships: [],
    capabilities: { scalable: { defaultInstances: 1, minInstances: 0, maxInstances: -1 } },
    plugins: ['rec'],
    ...extra,
  };
}

export function plan(nodes: PlanNode[]): Plan {
  return {
    dslVersion: 'cloudify_dsl_1_5',
    mainFile: '/virtual/bp/main.yaml',
    files: ['/virtual/bp/main.yaml'],
    inputs: {},
    plugins: {},
    nodes,
    order: nodes.map((n) => n.name),
    groups: {},
    scalingGroups: {},
    policies: [],
    workflows: {},
    outputs: {},
    capabilities: {},
    instances: [],
    sources: {},
  };
}

export function instance(id: string, nodeName: string, extra: Partial<ModelInstance> = {}): ModelInstance {
  return { id, node: nodeName, state: 'uninitialized', runtimeProperties: {}, version: 1, scalingGroups: [], relationships: [], ...extra };
}

export function opTask(id: string, instanceId: string, nodeId: string, operation: string, dependsOn: string[] = [], extra: Partial<TaskSpec> = {}): TaskSpec {
  return { id, kind: 'operation', name: `${instanceId}: ${operation}`, dependsOn, nodeId, instanceId, operation: `${LIFECYCLE}.${operation}`, ...extra };
}

export interface Call {
  op: string;
  instance: string;
  start: number;
  end?: number;
  attempt: number;
  inputs: Record<string, Value>;
  outcome?: 'ok' | 'error';
}

/** A plugin named `rec` whose operations are given by the test; every call is recorded. */
export function recordingPlugin(handlers: Record<string, (ctx: OperationContext, call: Call) => Promise<Value | void>>, concurrency?: number) {
  const calls: Call[] = [];
  const operations: Record<string, OperationHandler> = {};
  for (const [name, h] of Object.entries(handlers)) {
    operations[name] = async (ctx) => {
      const call: Call = { op: name, instance: ctx.instance.id, start: performance.now(), attempt: ctx.operation.retryNumber, inputs: ctx.inputs };
      calls.push(call);
      try {
        const r = await h(ctx, call);
        call.outcome = 'ok';
        return r;
      } catch (e) {
        call.outcome = 'error';
        throw e;
      } finally {
        call.end = performance.now();
      }
    };
  }
  const plugin: PluginDefinition = { name: 'rec', description: 'records calls', operations, typeLibraries: [], ...(concurrency ? { concurrency } : {}) };
  return { plugin, calls };
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    });
  });

/** A store in a temp folder holding one deployment `d1` with the given plan and instances. */
export class Harness {
  readonly home = mkdtempSync(join(tmpdir(), 'trellis-rt-'));
  readonly store: Store = openStore({ home: this.home });
  readonly events: NewEvent[] = [];
  private n = 0;

  constructor(
    readonly thePlan: Plan,
    instances: ModelInstance[],
  ) {
    const bp = this.store.putBlueprint({ mainFile: thePlan.mainFile, text: '', sources: {} });
    this.store.insertDeployment({ id: 'd1', blueprintId: bp.id, blueprintFile: thePlan.mainFile, inputs: {}, status: 'created', plan: thePlan });
    this.store.insertInstances('d1', instances);
  }

  executor(graph: TaskGraph, plugins: PluginDefinition[], options: Partial<ExecutorOptions> & { executionId?: string } = {}): Executor {
    const id = options.executionId ?? `e${++this.n}`;
    if (!this.store.getExecution(id))
      this.store.insertExecution({ id, deploymentId: 'd1', workflow: graph.workflow, parameters: {}, status: 'started', triggeredBy: 'test', dryRun: false, graph });
    return new Executor({
      store: this.store,
      plugins: new PluginRegistry(plugins),
      execution: { id, deploymentId: 'd1', blueprintId: 'bp', workflow: graph.workflow },
      graph,
      plan: this.thePlan,
      events: { emit: (e) => this.events.push(e) },
      secrets: { get: () => Promise.resolve('s3cr3t-value'), set: () => Promise.resolve(), delete: () => Promise.resolve() },
      getCapability: () => Promise.resolve(null),
      blueprintDir: '/virtual/bp',
      ...options,
    });
  }

  close(): void {
    this.store.close();
    rmSync(this.home, { recursive: true, force: true });
  }
}
