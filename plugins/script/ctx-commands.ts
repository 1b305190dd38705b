/**
 * What a script's `ctx ...` calls mean, after Cloudify's ctx proxy: the arguments walk the
 * operation context (`instance runtime-properties port`, `node properties port`,
 * `target instance runtime-properties ip`), one more argument after a property key sets it
 * (`ctx instance runtime-properties port 8080`), and a few commands act
 * (`logger info "msg"`, `returns VALUE`, `abort-operation`, `retry-operation`,
 * `download-resource`). Hyphens and underscores are interchangeable in names; a value
 * starting with `@` is JSON (`@{"a": 1}`, `@8080`); `-j` prints the answer as JSON.
 */
import type { EntityView, OperationContext, Value } from '../sdk';
import type { CtxHandler, CtxResponse } from './transport';

/** What the script asked for besides reads and writes: its result and how it wants to end. */
export interface CtxOutcome {
  returned?: Value;
  /** `ctx abort-operation MSG`: fail now, no retries. */
  abort?: { message: string };
  /** `ctx retry-operation MSG [SECONDS]`: fail this attempt, retry (after SECONDS). */
  retry?: { message: string; retryAfter?: number };
}

/** Places a `ctx download-resource` copies files to (the script's side of the transport). */
export type ResourceUploader = (localPath: string, targetPath?: string) => Promise<string>;

class CtxError extends Error {}

const normalise = (segment: string) => segment.replace(/-/g, '_');

/** Parses a value argument: `@` prefix means JSON, anything else is a string. */
export function parseCtxValue(raw: string): Value {
  if (!raw.startsWith('@')) return raw;
  try {
    return JSON.parse(raw.slice(1)) as Value;
  } catch {
    throw new CtxError(`not valid JSON after '@': ${raw.slice(1)}`);
  }
}

function isRecord(value: Value | undefined): value is { [key: string]: Value } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a dotted path (`a.b.0.c`) from a value. */
function readPath(root: Value, dotted: string): Value | undefined {
  let current: Value | undefined = root;
  for (const key of dotted.split('.')) {
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isRecord(current)) current = current[key];
    else return undefined;
  }
  return current;
}

/** Writes a dotted path into a record, creating intermediate objects. */
function writePath(root: Record<string, Value>, dotted: string, value: Value): void {
  const keys = dotted.split('.');
  const last = keys.pop() as string;
  let current: Record<string, Value> = root;
  for (const key of keys) {
    const next = current[key];
    if (isRecord(next)) current = next;
    else {
      const created: Record<string, Value> = {};
      current[key] = created;
      current = created;
    }
  }
  current[last] = value;
}

/** `properties [KEY]` (read-only) and `runtime_properties [KEY [VALUE]]`. */
function dictAccess(
  dict: Record<string, Value>,
  rest: string[],
  what: string,
  writable: boolean,
): Value | undefined {
  const [key, raw, ...extra] = rest;
  if (key === undefined) return dict;
  if (raw === undefined) return readPath(dict, key) ?? null;
  if (extra.length > 0) throw new CtxError(`too many arguments after ${what} ${key}`);
  if (!writable) throw new CtxError(`${what} are read-only`);
  writePath(dict, key, parseCtxValue(raw));
  return null;
}

async function entityAccess(
  view: EntityView,
  rest: string[],
  writable: boolean,
): Promise<Value | undefined> {
  const [part, field, ...more] = rest.map((s, i) => (i < 2 ? normalise(s) : s));
  if (part === 'node') {
    if (field === 'name' || field === 'id') return view.node.name;
    if (field === 'type') return view.node.type;
    if (field === 'type_hierarchy') return [...view.node.typeHierarchy];
    if (field === 'properties')
      return dictAccess({ ...view.node.properties }, more, 'node properties', false);
    throw new CtxError(
      `unknown node field '${field ?? ''}' (name, type, type-hierarchy, properties)`,
    );
  }
  if (part === 'instance') {
    if (field === 'id') return view.instance.id;
    if (field === 'state') return view.instance.state;
    if (field === 'host_id') return view.instance.hostId ?? null;
    if (field === 'runtime_properties') {
      return dictAccess(view.instance.runtimeProperties, more, 'runtime properties', writable);
    }
    if (field === 'update') {
      await view.instance.update();
      return null;
    }
    throw new CtxError(
      `unknown instance field '${field ?? ''}' (id, state, host-id, runtime-properties, update)`,
    );
  }
  throw new CtxError(`expected 'node' or 'instance', got '${part ?? ''}'`);
}

const logLevels = ['debug', 'info', 'warn', 'warning', 'error'] as const;

/**
 * Builds the `ctx` handler for one script run. `outcome` collects what the script returned
 * or asked for; the runner reads it when the script has exited.
 */
export function createCtxHandler(
  ctx: OperationContext,
  upload: ResourceUploader,
  outcome: CtxOutcome,
): CtxHandler {
  const run = async (rawArgs: string[]): Promise<Value | undefined> => {
    let args = rawArgs;
    let json = false;
    while (args[0] === '-j' || args[0] === '--json-output') {
      json = true;
      args = args.slice(1);
    }
    const [head, ...rest] = args;
    if (head === undefined)
      throw new CtxError('usage: ctx <node|instance|source|target|logger|...> ...');
    const value = await dispatch(normalise(head), rest);
    return json ? JSON.stringify(value ?? null) : value;
  };

  const dispatch = async (head: string, rest: string[]): Promise<Value | undefined> => {
    switch (head) {
      case 'node':
      case 'instance':
        // Cloudify refuses ctx.instance in relationship operations; Trellis answers with the
        // side that runs, which is what scripts almost always mean.
        return entityAccess({ node: ctx.node, instance: ctx.instance }, [head, ...rest], true);
      case 'source':
      case 'target': {
        if (!ctx.relationship)
          throw new CtxError(`'${head}' is only available in relationship operations`);
        return entityAccess(ctx.relationship[head], rest, true);
      }
      case 'relationship': {
        if (!ctx.relationship)
          throw new CtxError(`'relationship' is only available in relationship operations`);
        const [field, ...more] = rest;
        if (field && normalise(field) === 'type') return ctx.relationship.type;
        if (field && normalise(field) === 'properties') {
          return dictAccess(
            { ...ctx.relationship.properties },
            more,
            'relationship properties',
            false,
          );
        }
        throw new CtxError(`unknown relationship field '${field ?? ''}' (type, properties)`);
      }
      case 'deployment':
        return fieldOf(rest, { id: ctx.deploymentId });
      case 'blueprint':
        return fieldOf(rest, { id: ctx.blueprintId });
      case 'execution_id':
        return ctx.executionId;
      case 'workflow_id':
        return ctx.workflowId;
      case 'task_id':
        return ctx.taskId;
      case 'operation':
        return fieldOf(rest, {
          name: ctx.operation.name,
          retry_number: ctx.operation.retryNumber,
          max_retries: ctx.operation.maxRetries,
        });
      case 'inputs':
        return dictAccess({ ...ctx.inputs }, rest, 'inputs', false);
      case 'logger': {
        const [level, ...words] = rest;
        const known = logLevels.find((l) => l === level);
        if (!known) throw new CtxError(`usage: ctx logger <debug|info|warning|error> MESSAGE`);
        const message = words.join(' ');
        if (known === 'warning' || known === 'warn') ctx.logger.warn(message);
        else ctx.logger[known](message);
        return null;
      }
      case 'returns': {
        const [raw] = rest;
        outcome.returned = raw === undefined ? null : parseCtxValue(raw);
        return null;
      }
      case 'abort_operation':
        outcome.abort = { message: rest.join(' ') || 'aborted by the script' };
        return null;
      case 'retry_operation': {
        const [message, after] = rest;
        const retryAfter = after === undefined ? undefined : Number(after);
        if (retryAfter !== undefined && !(retryAfter >= 0))
          throw new CtxError(`retry-after must be a number of seconds`);
        outcome.retry = { message: message ?? 'retry requested by the script' };
        if (retryAfter !== undefined) outcome.retry.retryAfter = retryAfter;
        return null;
      }
      case 'download_resource': {
        const [resource, target] = rest;
        if (!resource) throw new CtxError('usage: ctx download-resource PATH [TARGET]');
        const local = ctx.resolveResource(resource);
        return upload(local, target);
      }
      default:
        throw new CtxError(`unknown ctx command '${head}'`);
    }
  };

  return async (request): Promise<CtxResponse> => {
    try {
      const value = await run(request.args);
      return value === undefined ? { ok: true } : { ok: true, value };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
}

function fieldOf(rest: string[], fields: Record<string, Value>): Value {
  const [field] = rest;
  if (field === undefined) return fields;
  const value = fields[normalise(field)];
  if (value === undefined)
    throw new CtxError(`unknown field '${field}' (${Object.keys(fields).join(', ')})`);
  return value;
}
