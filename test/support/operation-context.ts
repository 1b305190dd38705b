/**
 * A real OperationContext for plugin unit tests: plain objects for node/instance views, a
 * logger that records its lines, an AbortController the test can fire, and resource
 * resolution against a real blueprint folder. No engine involved.
 */
import path from 'node:path';
import type {
  EntityView,
  InstanceView,
  NodeView,
  OperationContext,
  RuntimeProperties,
  Value,
} from '../../plugins/sdk';

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, Value>;
}

export interface EntityOptions {
  nodeName?: string;
  nodeType?: string;
  typeHierarchy?: string[];
  properties?: Record<string, Value>;
  instanceId?: string;
  state?: string;
  runtimeProperties?: RuntimeProperties;
}

export interface TestContextOptions extends EntityOptions {
  blueprintDir?: string;
  operation?: string;
  inputs?: Record<string, Value>;
  retryNumber?: number;
  maxRetries?: number;
  deploymentId?: string;
  /** Makes this a relationship operation. */
  relationship?: {
    type?: string;
    side: 'source' | 'target';
    properties?: Record<string, Value>;
    source: EntityOptions;
    target: EntityOptions;
  };
  secrets?: Record<string, string>;
  /** Sets ctx.deploymentDataDir (the engine's per-deployment folder). */
  deploymentDataDir?: string;
  capabilities?: Record<string, Record<string, Value>>;
}

export interface TestContext {
  ctx: OperationContext;
  /** Every line the operation logged. */
  logs: LoggedLine[];
  /** Fires `ctx.signal` (cancel); pass a reason to simulate a timeout. */
  abort: (reason?: unknown) => void;
  /** How often `instance.update()` was called, per instance id. */
  updates: Map<string, number>;
}

let counter = 0;

function entity(options: EntityOptions, updates: Map<string, number>): EntityView {
  const nodeName = options.nodeName ?? 'node';
  const node: NodeView = {
    name: nodeName,
    type: options.nodeType ?? 'cloudify.nodes.Root',
    typeHierarchy: options.typeHierarchy ?? [options.nodeType ?? 'cloudify.nodes.Root'],
    properties: options.properties ?? {},
  };
  const id = options.instanceId ?? `${nodeName}_${(++counter).toString(36).padStart(6, '0')}`;
  const instance: InstanceView = {
    id,
    state: options.state ?? 'creating',
    runtimeProperties: options.runtimeProperties ?? {},
    update: () => {
      updates.set(id, (updates.get(id) ?? 0) + 1);
      return Promise.resolve();
    },
  };
  return { node, instance };
}

/** Builds an OperationContext for a plugin test. */
export function createTestContext(options: TestContextOptions = {}): TestContext {
  const logs: LoggedLine[] = [];
  const updates = new Map<string, number>();
  const controller = new AbortController();
  const blueprintDir = path.resolve(options.blueprintDir ?? process.cwd());
  const log =
    (level: LoggedLine['level']) =>
    (message: string, data?: Record<string, Value>): void => {
      logs.push(data === undefined ? { level, message } : { level, message, data });
    };
  const self = entity(options, updates);
  const secrets = new Map(Object.entries(options.secrets ?? {}));

  let relationship: OperationContext['relationship'];
  let runsOn = self;
  if (options.relationship) {
    const source = entity(options.relationship.source, updates);
    const target = entity(options.relationship.target, updates);
    const type = options.relationship.type ?? 'cloudify.relationships.connected_to';
    relationship = {
      type,
      typeHierarchy: [type],
      properties: options.relationship.properties ?? {},
      side: options.relationship.side,
      source,
      target,
    };
    runsOn = options.relationship.side === 'source' ? source : target;
  }

  const ctx: OperationContext = {
    deploymentId: options.deploymentId ?? 'test-deployment',
    blueprintId: 'test-blueprint',
    executionId: 'test-execution',
    workflowId: 'install',
    taskId: `task-${++counter}`,
    operation: {
      name: options.operation ?? 'cloudify.interfaces.lifecycle.create',
      retryNumber: options.retryNumber ?? 0,
      maxRetries: options.maxRetries ?? 0,
    },
    node: runsOn.node,
    instance: runsOn.instance,
    ...(relationship ? { relationship } : {}),
    ...(options.deploymentDataDir ? { deploymentDataDir: options.deploymentDataDir } : {}),
    inputs: options.inputs ?? {},
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    signal: controller.signal,
    blueprintDir,
    resolveResource: (resource: string) => {
      const resolved = path.resolve(blueprintDir, resource);
      if (resolved !== blueprintDir && !resolved.startsWith(blueprintDir + path.sep)) {
        throw new Error(`resource '${resource}' is outside the blueprint folder`);
      }
      return resolved;
    },
    secrets: {
      get: (name) => {
        const value = secrets.get(name);
        return value === undefined
          ? Promise.reject(new Error(`no secret ${name}`))
          : Promise.resolve(value);
      },
      set: (name, value) => {
        secrets.set(name, value);
        return Promise.resolve();
      },
      delete: (name) => {
        secrets.delete(name);
        return Promise.resolve();
      },
    },
    getCapability: (deploymentId, name) => {
      const value = options.capabilities?.[deploymentId]?.[name];
      return value === undefined
        ? Promise.reject(new Error(`no capability ${deploymentId}.${name}`))
        : Promise.resolve(value);
    },
  };
  return { ctx, logs, abort: (reason?: unknown) => controller.abort(reason), updates };
}
